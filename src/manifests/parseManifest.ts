// Parses one document the way Kubernetes reads it (go-yaml v2 through sigs.k8s.io/yaml: YAML 1.1
// scalars, merge keys in document order, NEL/U+2028/U+2029 as line breaks) and keeps where each
// key was written so any JSON path can be mapped back to a line.
import { parseAllDocuments, visit, type Document } from 'yaml';
import type { JsonPath, Position } from '../types.js';
import type { RawDocument } from './splitDocuments.js';
import { parseSimpleYaml } from './fastParse.js';
import { KubeYamlError, kubernetesValue, type KubeValue } from './kubeYaml.js';
import { computeLineStarts, lineIndexOf } from './lineStarts.js';

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

/**
 * Characters go-yaml (Kubernetes' reader) ends a line at besides LF: a lone CR (the splitter has
 * turned CRLF into LF), NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR. The `yaml` package reads them
 * as content, so before it parses they become LF (one UTF-16 unit each, so offsets stay put): a
 * comment or a value then ends where Kubernetes ends it. Inside a value go-yaml reads CR and NEL
 * as LF too, but keeps U+2028 and U+2029 as they are: a value holding one is refused.
 */
export const GO_YAML_LINE_BREAKS = /[\r\u0085\u2028\u2029]/g;
const KEPT_IN_VALUES = new Set(['\u2028', '\u2029']);

const BREAK_NAMES: Record<string, string> = { '\r': 'carriage return', '\u0085': 'NEL (U+0085)', '\u2028': 'LINE SEPARATOR (U+2028)', '\u2029': 'PARAGRAPH SEPARATOR (U+2029)' };

/** Errors of the `yaml` package that go-yaml's reading (kubeYaml.ts) decides for itself. */
const DECIDED_BY_KUBE_YAML = new Set(['TAG_RESOLVE_FAILED', 'BAD_COLLECTION_TYPE', 'DUPLICATE_KEY']);

/**
 * The full parse: the `yaml` package reads the structure (every YAML feature, syntax errors with
 * their lines), and kubeYaml.ts turns it into the value Kubernetes reads (go-yaml v2 semantics).
 */
export function parseManifestFully(raw: RawDocument): ParseResult {
  const result: ParseResult = { manifests: [], errors: [], warnings: [] };
  const lineStarts = computeLineStarts(raw.text);
  const toPosition = (offset: number): Position => {
    const index = lineIndexOf(lineStarts, offset);
    return { line: raw.startLine + index, column: offset - lineStarts[index]! + 1 };
  };

  const breaks: number[] = [];
  const kept: number[] = [];
  GO_YAML_LINE_BREAKS.lastIndex = 0;
  for (let match = GO_YAML_LINE_BREAKS.exec(raw.text); match; match = GO_YAML_LINE_BREAKS.exec(raw.text)) {
    breaks.push(match.index);
    if (KEPT_IN_VALUES.has(match[0])) kept.push(match.index);
  }
  const text = breaks.length > 0 ? raw.text.replace(GO_YAML_LINE_BREAKS, '\n') : raw.text;

  // Schema failsafe: every scalar stays text for kubeYaml.ts to resolve; no merge, no duplicate scan (O(n²)).
  const docs = parseAllDocuments(text, { version: '1.1', schema: 'failsafe', merge: false, uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    let fatal = false;
    for (const error of doc.errors) {
      if (DECIDED_BY_KUBE_YAML.has(error.code)) continue;
      fatal = true;
      const hint = breaks.length > 0 ? ` (the document holds a ${BREAK_NAMES[raw.text[breaks[0]!]!] ?? 'line break'} at line ${toPosition(breaks[0]!).line}, which Kubernetes' YAML reader takes for a line break)` : '';
      result.errors.push({ line: toPosition(error.pos[0]).line, message: `YAML syntax error: ${yamlErrorText(error.message)}${hint}` });
    }
    for (const warning of doc.warnings) {
      if (DECIDED_BY_KUBE_YAML.has(warning.code)) continue;
      result.warnings.push({ line: toPosition(warning.pos[0]).line, message: yamlErrorText(warning.message) });
    }
    if (fatal) continue;
    const inValue = kept.length > 0 ? breakInsideScalar(doc, kept) : null;
    if (inValue !== null) {
      const name = BREAK_NAMES[raw.text[inValue]!] ?? 'line break';
      result.errors.push({
        line: toPosition(inValue).line,
        message: `a ${name} inside a value: Kubernetes' YAML reader (go-yaml) ends the line there and this tool cannot read the value the same way; the document is not checked`,
      });
      continue;
    }
    let read: KubeValue;
    try {
      read = kubernetesValue(doc);
    } catch (error) {
      if (!(error instanceof KubeYamlError)) throw error;
      result.errors.push({ line: toPosition(error.offset).line, message: `cannot read the document as Kubernetes does: ${error.message}` });
      continue;
    }
    for (const duplicate of read.duplicates) {
      result.warnings.push({ line: toPosition(duplicate.offset).line, message: `duplicate key: the last value is used, as Kubernetes does (Map keys must be unique; "${duplicate.key}" repeated)` });
    }
    const { value, positions, rootOffset } = read;
    result.manifests.push({
      value,
      raw,
      locate: (path) => {
        let node: unknown = value;
        let offset = rootOffset;
        for (const segment of path) {
          if (typeof node !== 'object' || node === null) return null;
          const found = positions.get(node)?.get(segment);
          if (found === undefined) return null;
          offset = found;
          node = (node as Record<string | number, unknown>)[segment];
        }
        return offset === null ? null : toPosition(offset);
      },
    });
  }
  return result;
}

/** The first of `breaks` (sorted offsets) that lies inside a scalar of the document, or null. */
function breakInsideScalar(doc: Document, breaks: readonly number[]): number | null {
  let found: number | null = null;
  visit(doc, {
    Scalar(_key, node) {
      const range = node.range;
      if (!range) return undefined;
      let low = 0;
      let high = breaks.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (breaks[mid]! < range[0]) low = mid + 1;
        else high = mid;
      }
      const at = breaks[low];
      if (at !== undefined && at < range[1] && (found === null || at < found)) found = at;
      return undefined;
    },
  });
  return found;
}

/** The yaml package's message without its code frame and position (we print our own). */
export function yamlErrorText(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
