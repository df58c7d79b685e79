// `hostns-check krm`: a KRM function (kpt, or a Kustomize exec transformer). It reads a
// ResourceList, checks its items, and writes the same ResourceList back with a `results` entry
// per finding. The items are never changed: a validator that rewrites resources is a transformer.
import { isMap, parseDocument, stringify } from 'yaml';
import { kustomizeSource } from '../sources/kustomizeSource.js';
import type { Finding, ReportError, RuleConfig, TargetResult } from '../types.js';
import { checkStream, emptyOutcome, type TargetRun } from './checkStream.js';

export const KRM_TARGET = 'ResourceList';
const STDIN_FILE = '<stdin>';

export interface KrmOptions {
  config: RuleConfig;
  cwd: string;
  /** Folder the items' origin annotations are relative to (the folder Kustomize built). */
  kustomizeRoot: string;
}

/** One entry of the ResourceList's `results`, as the KRM functions specification lays it out. */
export interface KrmResult {
  message: string;
  severity: 'error' | 'warning' | 'info';
  resourceRef?: { apiVersion: string | null; kind: string | null; name: string | null; namespace: string | null };
  field?: { path: string; currentValue?: unknown };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

export interface KrmOutcome {
  run: TargetRun;
  /** The ResourceList to write to standard output (the input, plus results). */
  output: string;
}

const PATH_ANNOTATIONS = ['internal.config.kubernetes.io/path', 'config.kubernetes.io/path'];
const INDEX_ANNOTATIONS = ['internal.config.kubernetes.io/index', 'config.kubernetes.io/index'];

function itemAnnotations(items: unknown[], finding: Finding, resourcePaths: Map<Finding, number>): Record<string, unknown> {
  const index = resourcePaths.get(finding);
  const item = index === undefined ? undefined : (items[index] as { metadata?: { annotations?: Record<string, unknown> } } | undefined);
  return item?.metadata?.annotations ?? {};
}

function locationText(location: { file: string; line: number }): string {
  return `${location.file}:${location.line}`;
}

/** The result for one finding: where the resource's file is (kpt's path annotations, else its origin). */
export function findingResult(finding: Finding, annotations: Record<string, unknown>, fieldPath: string): KrmResult {
  const result: KrmResult = {
    message: finding.message,
    severity: 'error',
    resourceRef: finding.resource,
    field: { path: fieldPath, ...(finding.value !== null ? { currentValue: finding.value } : {}) },
  };
  const annotatedPath = PATH_ANNOTATIONS.map((key) => annotations[key]).find((value) => typeof value === 'string') as string | undefined;
  const annotatedIndex = INDEX_ANNOTATIONS.map((key) => annotations[key]).find((value) => value !== undefined);
  const ownFile = finding.origin ?? finding.source;
  if (annotatedPath) {
    const index = Number(annotatedIndex);
    result.file = { path: annotatedPath, ...(Number.isInteger(index) ? { index } : {}) };
  } else if (ownFile) {
    result.file = { path: ownFile.file };
  }
  result.tags = { rule: finding.rule, check: finding.check };
  if (finding.container) result.tags.container = finding.container;
  if (finding.source) result.tags.source = locationText(finding.source);
  if (finding.origin) result.tags.origin = locationText(finding.origin);
  return result;
}

function errorResult(error: ReportError): KrmResult {
  return { message: error.line ? `line ${error.line} of the ResourceList: ${error.message}` : error.message, severity: 'error', tags: { rule: 'k8s-host-namespace' } };
}

/**
 * The input with `results` added: appended as text when the list is a block mapping without
 * results (so every byte of the input stays as it was), otherwise through the YAML document.
 */
export function withResults(input: string, results: KrmResult[]): string {
  if (results.length === 0) return input;
  const doc = parseDocument(input);
  const root = doc.contents;
  if (isMap(root) && !root.flow && !root.has('results') && doc.errors.length === 0 && !/^\.\.\.\s*$/m.test(input)) {
    const body = input.endsWith('\n') ? input : `${input}\n`;
    return body + stringify({ results }, { aliasDuplicateObjects: false, lineWidth: 0 });
  }
  const existing = isMap(root) ? root.get('results') : undefined;
  const previous = existing && typeof (existing as { toJSON?: () => unknown }).toJSON === 'function' ? (existing as { toJSON: () => unknown }).toJSON() : [];
  doc.set('results', [...(Array.isArray(previous) ? previous : []), ...results]);
  return doc.toString();
}

/** Checks a ResourceList given as text. */
export async function runKrmFunction(input: string, options: KrmOptions): Promise<KrmOutcome> {
  const target: TargetResult = { type: 'manifests', path: KRM_TARGET, ok: true, error: null };
  let outcome = emptyOutcome();
  const fail = (message: string): KrmOutcome => {
    target.ok = false;
    target.error = message;
    outcome.errors.push({ target: KRM_TARGET, file: STDIN_FILE, line: null, message });
    // The input is no ResourceList to add results to: answer with an empty one that carries the error.
    const output = stringify(
      { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], results: [errorResult(outcome.errors[0])] },
      { lineWidth: 0 },
    );
    return { run: { target, outcome }, output };
  };

  const parsed = parseDocument(input, { version: '1.1' });
  if (parsed.errors.length > 0) {
    const [first] = parsed.errors;
    return fail(`standard input is not valid YAML (line ${first.linePos?.[0].line ?? '?'}): ${first.message.split('\n')[0]}`);
  }
  const list = parsed.toJS({ maxAliasCount: 1000 }) as unknown;
  if (!list || typeof list !== 'object' || (list as { kind?: unknown }).kind !== 'ResourceList') {
    return fail('standard input is not a KRM ResourceList (kind: ResourceList with items)');
  }
  const items = (list as { items?: unknown }).items;
  if (!Array.isArray(items)) return fail('the ResourceList has no items list');

  // A ResourceList is a list kind: the evaluator checks each item, with paths under items[i].
  const sourceOf = kustomizeSource({ root: options.kustomizeRoot, cwd: options.cwd, fallback: () => ({ source: null }) });
  const itemOf = new Map<Finding, number>();
  outcome = await checkStream([input], { target: KRM_TARGET, file: STDIN_FILE, config: options.config, sourceOf });
  const results: KrmResult[] = [];
  for (const finding of outcome.findings) {
    const match = /^items\[(\d+)\]\.?(.*)$/.exec(finding.path);
    if (match) itemOf.set(finding, Number(match[1]));
    results.push(findingResult(finding, itemAnnotations(items, finding, itemOf), match ? match[2] : finding.path));
  }
  results.push(...outcome.errors.map(errorResult));
  if (outcome.errors.length > 0) {
    target.ok = false;
    target.error = `${outcome.errors.length} item(s) could not be read`;
  }
  return { run: { target, outcome }, output: withResults(input, results) };
}
