// What a proof render changes in its scratch copy of the chart, as pure text edits: every template
// line whose YAML key is one the checks read gets a key renamed with a token naming that line, and
// the values lines the mapping proposed get sentinel values. The render then says which line wrote
// each offending key and which values line its value came from (see proofRead.ts).
import { isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';
import { resolvePlainScalar } from '../../../manifests/kubeYaml.js';
import { parseManifest } from '../../../manifests/parseManifest.js';
import { computeLineStarts, lineIndexOf } from '../../../manifests/lineStarts.js';

/**
 * Keys the checks read, and `name` of a list item (a container's first line: where a missing
 * runAsUser points). Other keys are left alone: the fewer lines renamed, the fewer templates that
 * read their own output back (`fromYaml`) can notice.
 */
const PROVEN_KEYS = new Set(['hostIPC', 'hostNetwork', 'hostPID', 'hostPort', 'runAsUser']);

/** A key at the start of a template line, after its indentation and any list dashes. */
const KEY_LINE = /^(\s*)((?:-[ \t]+)*)(["']?)([A-Za-z]+)\3([ \t]*:)(?=[ \t]|\r?$)/;

/** Whether a template line writes a checked key (or a list item's name) as text: one the tokens rename. */
export function writesCheckedKey(line: string): boolean {
  const match = KEY_LINE.exec(line);
  return match !== null && (PROVEN_KEYS.has(match[4]!) || (match[4] === 'name' && match[2] !== ''));
}

/** The token a renamed key carries: `hostPort_hnsproof3x42` is file 3, line 42. */
export function proofToken(file: number, line: number): string {
  return `_hnsproof${file}x${line}`;
}

export const TOKEN_PATTERN = /_hnsproof(\d+)x(\d+)/g;

/** The file and line a token names, when the key carries one. */
export function tokenIn(key: string): { file: number; line: number } | null {
  const match = /_hnsproof(\d+)x(\d+)$/.exec(key);
  return match ? { file: Number(match[1]), line: Number(match[2]) } : null;
}

export function withoutTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, '');
}

/**
 * The template text with the proven keys of each line renamed; null when no line has one. Lines
 * `keep` names (1-based) stay as they are: the chart reads their output back (see readBack.ts).
 */
export function tokenizeTemplate(text: string, file: number, keep: (line: number) => boolean = () => false): string | null {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    if (keep(i + 1)) continue;
    const match = KEY_LINE.exec(lines[i]!);
    if (!match || !writesCheckedKey(lines[i]!)) continue;
    const [whole, indent, dashes, quote, key, colon] = match as unknown as [string, string, string, string, string, string];
    lines[i] = `${indent}${dashes}${quote}${key}${proofToken(file, i + 1)}${quote}${colon}${lines[i]!.slice(whole.length)}`;
    changed = true;
  }
  return changed ? lines.join('\n') : null;
}

/**
 * A line that is one output action emitting a block of YAML (`{{- toYaml .x | nindent 4 }}`,
 * `{{ tpl $value .context }}`): control actions, assignments and named templates are not blocks.
 */
const BLOCK_LINE = /^([ \t]*)\{\{(-?)[ \t]*((?:(?!\{\{|\}\}).)*?)[ \t]*(-?)\}\}([ \t]*\r?)$/;
const BLOCK_ACTION = /\b(toYaml|toJson|toPrettyJson|tpl|indent|nindent)\b/;
const NOT_A_BLOCK = /^(if|else|end|range|with|define|template|block|include|break|continue)\b|^\/\*|^\$\w*\s*:?=|\binclude\b|\btemplate\b/;

/** Comment lines a proof render puts around a block's output: `#hnsbeg3x42` ... `#hnsend3x42`. */
export const BLOCK_MARKER = /^\s*#hns(beg|end)(\d+)x(\d+)\s*$/;

/**
 * The template text with each block line's output put between two comment lines naming the line:
 * a key found between them in the render was written by that block. Null when no line is one.
 * The markers keep the output where it was: indented as the line (or the block's `indent N`, so a
 * block scalar does not end at them), and the output's first line starts where it started.
 */
export function markBlocks(text: string, file: number, keep: (line: number) => boolean = () => false): string | null {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    if (keep(i + 1)) continue;
    const match = BLOCK_LINE.exec(lines[i]!);
    if (!match) continue;
    const [, indent, trimLeft, action, trimRight, rest] = match as unknown as [string, string, string, string, string, string];
    if (!BLOCK_ACTION.test(action) || NOT_A_BLOCK.test(action)) continue;
    const width = Math.max(indent.replace(/\t/g, '        ').length, ...[...action.matchAll(/\bn?indent\s+(\d+)/g)].map((m) => Number(m[1])));
    const pad = ' '.repeat(Math.min(width, 200));
    const tag = `${file}x${i + 1}`;
    // Left-trimmed, the output joined what came before: it still does, after the marker's line.
    // Otherwise the line's own indentation is written again after the marker, for the first line.
    const extra = ' '.repeat(Math.max(0, pad.length - indent.length));
    const begin = trimLeft ? `\\n${pad}#hnsbeg${tag}\\n` : `${extra}#hnsbeg${tag}\\n${indent}`;
    const end = trimRight ? `\\n${pad}#hnsend${tag}\\n` : `\\n${pad}#hnsend${tag}`;
    lines[i] = `${indent}{{${trimLeft} "${begin}" }}{{ ${action} }}{{ "${end}" ${trimRight}}}${rest}`;
    changed = true;
  }
  return changed ? lines.join('\n') : null;
}

/** A values line to replace, and with what. */
export interface SentinelEdit {
  line: number;
  /** The scalar that line must hold (the finding's value), or the edit is not made. */
  expected: unknown;
  /** YAML text put in its place. */
  replacement: string;
}

/** The plain data a values scalar holds, as Helm (go-yaml) reads a plain scalar. */
function scalarValue(node: Node, source: string): unknown {
  if (!isScalar(node)) return undefined;
  if (node.type === 'PLAIN' && node.range) return resolvePlainScalar(source.slice(node.range[0], node.range[1]).trim());
  return node.value;
}

/**
 * The values file with each edit's scalar (a mapping value or list item starting on that line)
 * replaced; the edits whose line holds no such scalar, or another value, are left out and listed.
 */
export function applySentinels(source: string, edits: readonly SentinelEdit[]): { text: string; applied: SentinelEdit[] } {
  let document;
  try {
    document = parseDocument(source, { uniqueKeys: false });
  } catch {
    return { text: source, applied: [] };
  }
  if (document.errors.length > 0) return { text: source, applied: [] };
  const lineOf = lineIndex(source);
  // The last value scalar that starts on each line (a key's value, or a list item).
  const valueOnLine = new Map<number, Node>();
  visit(document, (_key, node, path) => {
    if (!isScalar(node) || !node.range) return;
    const parent = path[path.length - 1];
    const isValue = (isPair(parent) && parent.value === node) || isSeq(parent);
    if (!isValue) return;
    valueOnLine.set(lineOf(node.range[0]), node);
  });
  const applied: { edit: SentinelEdit; from: number; to: number }[] = [];
  for (const edit of edits) {
    const node = valueOnLine.get(edit.line);
    if (!node?.range || scalarValue(node, source) !== edit.expected) continue;
    applied.push({ edit, from: node.range[0], to: node.range[1] });
  }
  applied.sort((a, b) => b.from - a.from);
  let text = source;
  for (const { from, to, edit } of applied) text = `${text.slice(0, from)}${edit.replacement}${text.slice(to)}`;
  return { text, applied: applied.map((a) => a.edit) };
}

/** A scalar setting of a values file: its line, key path and value as Helm reads it. */
export interface ValuesLeaf {
  line: number;
  key: (string | number)[];
  value: unknown;
}

/**
 * Every scalar setting of a values file (nothing when it does not parse), read as Helm reads it
 * and by the manifest parser (its fast path, most of the time), as the values mapping reads it.
 */
export function valuesLeaves(source: string): ValuesLeaf[] {
  let parsed;
  try {
    parsed = parseManifest({ text: source, startLine: 1, sourceHeader: null, sourceHeaderLine: null, index: 0 });
  } catch {
    return [];
  }
  const [manifest] = parsed.manifests;
  if (parsed.errors.length > 0 || parsed.manifests.length !== 1 || !manifest) return [];
  const leaves: ValuesLeaf[] = [];
  const visitValue = (value: unknown, key: (string | number)[]) => {
    if (Array.isArray(value)) value.forEach((item, i) => visitValue(item, [...key, i]));
    else if (value !== null && typeof value === 'object') for (const [name, item] of Object.entries(value)) visitValue(item, [...key, name]);
    else if (key.length > 0) {
      const at = manifest.locate(key);
      if (at) leaves.push({ line: at.line, key, value });
    }
  };
  visitValue(manifest.value, []);
  return leaves;
}

/** Offset -> 1-based line, by binary search over the line starts. */
export function lineIndex(source: string): (offset: number) => number {
  const starts = computeLineStarts(source);
  return (offset) => lineIndexOf(starts, offset) + 1;
}

/**
 * Sentinels keep what a template can branch on: a truthy value gets a truthy sentinel no other
 * value shares (a number for a number, a string for `true`), so `if`, `default` and `with` take
 * the same branches; a falsy 0 can only become another falsy value, so 0s are told apart by a
 * binary code over several renders (bit set: `false`, else 0).
 */
export const SENTINEL_BASE = 7_310_000;

export function truthySentinel(value: unknown, index: number): string | null {
  if (typeof value === 'number' && Number.isInteger(value) && value !== 0) return String(SENTINEL_BASE + index);
  if (value === true) return `hnsproofv${index}`;
  return null;
}
