// Parses one document the way Kubernetes reads it (YAML 1.1: yes/on are booleans, merge keys
// apply) and keeps the parser's own nodes so any JSON path can be mapped back to a line.
import { parseAllDocuments, isAlias, isMap, isScalar, isSeq, isPair, type Document, type Node } from 'yaml';
import type { JsonPath, Position } from '../types.js';
import type { RawDocument } from './splitDocuments.js';
import { parseSimpleYaml } from './fastParse.js';

/** Bounds the work a hostile alias bomb ("billion laughs") can cause. */
const MAX_ALIAS_COUNT = 1000;

export interface ManifestProblem {
  line: number;
  message: string;
}

export interface ParsedManifest {
  /** The document as plain data (null for an empty or comment-only document). */
  value: unknown;
  /** The document it came from (stream lines, `# Source:` header). */
  raw: RawDocument;
  /** Maps a path to the 1-based line and column of its key (or item) in the stream. */
  locate: (path: JsonPath) => Position | null;
}

export interface ParseResult {
  manifests: ParsedManifest[];
  errors: ManifestProblem[];
  warnings: ManifestProblem[];
}

/**
 * Parses a raw document; one raw chunk can hold several YAML documents when `...` ends one.
 * Plain block YAML, most of what renderers write, takes the fast path; the rest the full parser.
 */
export function parseManifest(raw: RawDocument, skipKeys: ReadonlySet<string> | null = null): ParseResult {
  const fast = parseSimpleYaml(raw.text, raw.startLine, skipKeys);
  if (fast) return { manifests: [{ value: fast.value, raw, locate: fast.locate }], errors: [], warnings: [] };
  return parseManifestFully(raw);
}

/** The `yaml` package's full parse: every YAML feature, errors and warnings with their lines. */
export function parseManifestFully(raw: RawDocument): ParseResult {
  const result: ParseResult = { manifests: [], errors: [], warnings: [] };
  const lineStarts = computeLineStarts(raw.text);
  const toPosition = (offset: number): Position => {
    const index = lineIndexOf(lineStarts, offset);
    return { line: raw.startLine + index, column: offset - lineStarts[index]! + 1 };
  };

  const docs = parseAllDocuments(raw.text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    let fatal = false;
    for (const error of doc.errors) {
      const line = toPosition(error.pos[0]).line;
      if (error.code === 'DUPLICATE_KEY') {
        result.warnings.push({ line, message: `duplicate key: the last value is used, as Kubernetes does (${yamlErrorText(error.message)})` });
      } else {
        fatal = true;
        result.errors.push({ line, message: `YAML syntax error: ${yamlErrorText(error.message)}` });
      }
    }
    for (const warning of doc.warnings) {
      result.warnings.push({ line: toPosition(warning.pos[0]).line, message: yamlErrorText(warning.message) });
    }
    if (fatal) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.errors.push({ line: raw.startLine, message: `cannot resolve document: ${message}` });
      continue;
    }
    result.manifests.push({
      value,
      raw,
      locate: (path) => {
        const offset = offsetOf(doc, path);
        return offset === null ? null : toPosition(offset);
      },
    });
  }
  return result;
}

/** The yaml package's message without its code frame and position (we print our own). */
export function yamlErrorText(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineIndexOf(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Offset of the node a path names: for a map key, the key itself (so a caret lands under it);
 * for a sequence item, the item. Follows aliases and merge keys as toJS resolves them.
 */
function offsetOf(doc: Document, path: JsonPath): number | null {
  let node: unknown = doc.contents;
  let offset: number | null = rangeStart(node);
  for (const segment of path) {
    node = resolveAlias(doc, node);
    if (typeof segment === 'number') {
      if (!isSeq(node)) return null;
      const item = node.items[segment];
      if (item === undefined) return null;
      node = item;
      offset = rangeStart(item);
    } else {
      const pair = findPair(doc, node, segment, 0);
      if (!pair) return null;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value);
      node = pair.value;
    }
  }
  return offset;
}

interface FoundPair {
  key: unknown;
  value: unknown;
}

/** The pair toJS takes a key's value from: the last explicit one, else the first merge source. */
function findPair(doc: Document, node: unknown, key: string, depth: number): FoundPair | null {
  node = resolveAlias(doc, node);
  if (!isMap(node) || depth > 32) return null;
  let explicit: FoundPair | null = null;
  const merges: unknown[] = [];
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    if (isMergeKey(pair.key)) {
      merges.push(pair.value);
    } else if (keyText(pair.key) === key) {
      explicit = { key: pair.key, value: pair.value };
    }
  }
  if (explicit) return explicit;
  for (const merged of merges) {
    const source = resolveAlias(doc, merged);
    const sources = isSeq(source) ? source.items : [source];
    for (const candidate of sources) {
      const found = findPair(doc, candidate, key, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return key.value === null ? 'null' : String(key.value);
  return null;
}

function resolveAlias(doc: Document, node: unknown): unknown {
  for (let hops = 0; isAlias(node) && hops < 32; hops++) node = node.resolve(doc);
  return node;
}

function rangeStart(node: unknown): number | null {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : null;
}
