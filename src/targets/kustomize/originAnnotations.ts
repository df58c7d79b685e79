// Kustomize's build metadata as data: the origin and transformations annotations it writes on
// each resource, and YAML text read with positions (a file, or a patch written inline).
import { LineCounter, parse, parseAllDocuments, type Document } from 'yaml';

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';
export const TRANSFORMATIONS_ANNOTATION = 'alpha.config.kubernetes.io/transformations';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One entry of either annotation. */
export interface KustomizeOrigin {
  /** The resource's file, relative to the folder that was built. */
  path?: string;
  repo?: string;
  ref?: string;
  /** The kustomization (or component) that holds the generator or transformer. */
  configuredIn?: string;
  configuredBy?: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
}

function asOrigin(value: unknown): KustomizeOrigin | null {
  if (!isRecord(value)) return null;
  const text = (key: string) => (typeof value[key] === 'string' ? value[key] : undefined);
  const by = isRecord(value.configuredBy) ? value.configuredBy : null;
  const origin: KustomizeOrigin = { path: text('path'), repo: text('repo'), ref: text('ref'), configuredIn: text('configuredIn') };
  if (by) {
    const field = (key: string) => (typeof by[key] === 'string' ? by[key] : undefined);
    origin.configuredBy = { apiVersion: field('apiVersion'), kind: field('kind'), name: field('name'), namespace: field('namespace') };
  }
  return origin.path || origin.configuredIn ? origin : null;
}

export function parseOriginAnnotation(text: string): KustomizeOrigin | null {
  try {
    return asOrigin(parse(text));
  } catch {
    return null;
  }
}

export function parseTransformationsAnnotation(text: string): KustomizeOrigin[] {
  try {
    const list: unknown = parse(text);
    return Array.isArray(list) ? list.map(asOrigin).filter((o): o is KustomizeOrigin => o !== null) : [];
  } catch {
    return [];
  }
}

/** YAML text with positions: a file, or a patch written inline in a kustomization. */
export interface YamlText {
  /** The file as reported (relative to the working directory). */
  file: string;
  documents: Document.Parsed[];
  /** 1-based line and column in `file` of an offset into the parsed text. */
  position: (offset: number) => { line: number; column: number };
  /** The text of a 1-based line of `file`, for a code frame. */
  lineText: (line: number) => string | undefined;
}

/** A YAML file read from disk: `dir` is its folder, for paths written inside it. */
export interface YamlFile extends YamlText {
  absolute: string;
  text: string;
}

export function parseYamlFile(absolute: string, file: string, text: string): YamlFile {
  const lines = new LineCounter();
  // YAML 1.1, as Kustomize (and the Kubernetes API) reads these files.
  const documents = parseAllDocuments(text, { version: '1.1', lineCounter: lines, uniqueKeys: false });
  const list = Array.isArray(documents) ? documents : [];
  const fileLines = text.split('\n');
  return { absolute, file, text, documents: list, position: (offset) => toPosition(lines, offset), lineText: (line) => fileLines[line - 1] };
}

export function toPosition(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Reads a file relative to the built folder; null when it cannot be read or parsed. */
export type LoadYaml = (absolute: string) => YamlFile | null;
