// `hostns-check krm`: a KRM function (kpt, or a Kustomize exec transformer). It reads a
// ResourceList, checks its items, and writes the same ResourceList back with a `results` entry
// per finding. The items are never changed: a validator that rewrites resources is a transformer.
import { isMap, parseDocument, stringify } from 'yaml';
import type { TargetRun } from '../../pipeline/outcome.js';
import { noSource } from '../../pipeline/sourceMapping.js';
import type { Finding, ReportError } from '../../types.js';
import { checkTarget, failedTarget } from '../driver.js';
import type { TargetContext, TargetKind } from '../targetKind.js';
import { kustomizeSource } from './kustomizeSource.js';

export const KRM_TARGET = 'ResourceList';
const STDIN_FILE = '<stdin>';

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
  const annotatedPath = PATH_ANNOTATIONS.map((key) => annotations[key]).find((value): value is string => typeof value === 'string');
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
  doc.set('results', [...(Array.isArray(previous) ? (previous as unknown[]) : []), ...results]);
  return doc.toString();
}

export interface KrmOptions {
  context: TargetContext;
  /** Folder the items' origin annotations are relative to (the folder Kustomize built). */
  kustomizeRoot: string;
}

/** The ResourceList as a target: one input, its items mapped through their origin annotations. */
const krmKind: TargetKind<{ input: string; kustomizeRoot: string }> = {
  type: 'manifests',
  pathOf: () => KRM_TARGET,
  documents: 'item(s)',
  async open({ input, kustomizeRoot }, { cwd, debug }) {
    const sourceOf = kustomizeSource({ root: kustomizeRoot, allowed: [kustomizeRoot, cwd], cwd, fallback: noSource, debug });
    return { inputs: [{ chunks: [input], file: STDIN_FILE, sourceOf }], finish: async () => ({}), cleanup() {} };
  },
};

/** The input's items, or why it is no ResourceList. */
function resourceListItems(input: string): unknown[] | string {
  const parsed = parseDocument(input, { version: '1.1' });
  const [first] = parsed.errors;
  if (first) {
    return `standard input is not valid YAML (line ${first.linePos?.[0].line ?? '?'}): ${first.message.split('\n')[0]}`;
  }
  const list = parsed.toJS({ maxAliasCount: 1000 }) as unknown;
  if (!list || typeof list !== 'object' || (list as { kind?: unknown }).kind !== 'ResourceList') {
    return 'standard input is not a KRM ResourceList (kind: ResourceList with items)';
  }
  const items = (list as { items?: unknown }).items;
  return Array.isArray(items) ? items : 'the ResourceList has no items list';
}

/** An input that is no ResourceList to add results to (or too large to read): an empty one that carries the error. */
export function rejectedInput(message: string): KrmOutcome {
  const run = failedTarget('manifests', KRM_TARGET, message, { file: STDIN_FILE });
  const output = stringify(
    { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], results: run.outcome.errors.map(errorResult) },
    { lineWidth: 0 },
  );
  return { run, output };
}

/** Checks a ResourceList given as text. */
export async function runKrmFunction(input: string, options: KrmOptions): Promise<KrmOutcome> {
  const items = resourceListItems(input);
  if (typeof items === 'string') return rejectedInput(items);
  // A ResourceList is a list kind: the evaluator checks each item, with paths under items[i].
  const run = await checkTarget(krmKind, { input, kustomizeRoot: options.kustomizeRoot }, options.context);
  const itemOf = new Map<Finding, number>();
  const results: KrmResult[] = [];
  for (const finding of run.outcome.findings) {
    const match = /^items\[(\d+)\]\.?(.*)$/.exec(finding.path);
    if (match) itemOf.set(finding, Number(match[1]));
    results.push(findingResult(finding, itemAnnotations(items, finding, itemOf), match ? match[2]! : finding.path)); // (.*) always participates
  }
  results.push(...run.outcome.errors.map(errorResult));
  return { run, output: withResults(input, results) };
}
