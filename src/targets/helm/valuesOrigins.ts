// Which values settings stand behind a value, in Helm's order of precedence: --set* flags, then
// -f files (the later first), then parent charts' values (the top-most first), then the chart's
// own values.yaml; `global` is shared by every chart of the tree.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { parseSimpleYaml } from '../../manifests/fastParse.js';
import { parseManifest } from '../../manifests/parseManifest.js';
import { mebibytes, readRegularFile, RefusedFile } from '../../process/regularFile.js';
import type { RawDocument } from '../../manifests/splitDocuments.js';
import type { JsonPath, Position, ValuesOrigin } from '../../types.js';
import type { ChartNode } from './chartTree.js';
import type { ValuesSegment } from './templateScope.js';

export interface SetFlag {
  /** '--set', '--set-string', '--set-file', '--set-json' or '--set-literal'. */
  flag: string;
  text: string;
}

export interface UserValues {
  /** `-f` files as the user gave them, in order. */
  files: string[];
  /** `--set*` flags in the order Helm applies them. */
  sets: SetFlag[];
}

/** Helm merges --set-json, --set, --set-string, --set-file, --set-literal in this order. */
export const SET_FLAG_ORDER = ['--set-json', '--set', '--set-string', '--set-file', '--set-literal'];

export function formatValuesKey(segments: readonly ValuesSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || segment === '*') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** The keys one --set flag writes, e.g. `a.b=1,c[0]=x` -> ['a.b', 'c[0]']. */
export function setFlagKeys(flag: SetFlag): ValuesSegment[][] {
  const assignments = flag.flag === '--set-literal' || flag.flag === '--set-json' ? [flag.text] : splitUnescaped(flag.text, ',');
  const keys: ValuesSegment[][] = [];
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) continue;
    keys.push(parseKeyPath(assignment.slice(0, equals)));
  }
  return keys;
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text[i]! + text[i + 1]!;
      i++;
    } else if (text[i] === separator) {
      parts.push(current);
      current = '';
    } else current += text[i];
  }
  parts.push(current);
  return parts;
}

/** `a.b\.c[1].d` -> ['a', 'b.c', 1, 'd'] */
export function parseKeyPath(key: string): ValuesSegment[] {
  const segments: ValuesSegment[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '\\' && i + 1 < key.length) {
      current += key[++i];
    } else if (c === '.') {
      if (current) segments.push(current);
      current = '';
    } else if (c === '[') {
      if (current) segments.push(current);
      current = '';
      const close = key.indexOf(']', i);
      segments.push(Number(key.slice(i + 1, close)));
      i = close;
    } else current += c;
  }
  if (current) segments.push(current);
  return segments;
}

function startsWith(path: readonly ValuesSegment[], prefix: readonly ValuesSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/**
 * The largest values file: Helm's chart loader long held each chart file to 5 MiB
 * (MaxDecompressedFileSize), and no real values file comes near it (the largest of the corpus
 * charts', datadog's, is 160 KiB). A user's -f file above it is refused before Helm starts.
 */
export const MAX_VALUES_BYTES = 5 * 1024 * 1024;
/**
 * Above this size a values file is read for lines only when it is plain block YAML (the fast,
 * linear reader): the full YAML parser needs seconds and hundreds of MiB for a few MiB of flow
 * mappings. Real values files are block YAML, and far smaller.
 */
export const MAX_FULLY_PARSED_VALUES_BYTES = 512 * 1024;

const isUrl = (file: string) => /^[a-z]+:\/\//i.test(file);

/**
 * Why a file the user gave as values (`-f`, `--set-file`) cannot be used, or null: a FIFO, a
 * device or a socket (Helm would wait on it or read it forever), or a values file above the cap.
 * A file that cannot be opened is left to Helm, which says so itself.
 */
export function refusedValuesFile(file: string, cwd: string, maxBytes: number | null): string | null {
  if (isUrl(file) || file === '-') return null;
  let fd: number;
  try {
    fd = openSync(path.resolve(cwd, file), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : stat.isDirectory() ? 'a folder' : 'not a file';
      return `it is ${kind}, not a regular file`;
    }
    if (maxBytes !== null && stat.size > maxBytes) return `it is larger than ${mebibytes(maxBytes)} (${mebibytes(stat.size)}), far beyond any real values file`;
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The files of --set-file flags (`key=path,key2=path2`). */
export function setFileFiles(flag: string): string[] {
  return splitUnescaped(flag, ',')
    .map((assignment) => assignment.slice(assignment.indexOf('=') + 1))
    .filter((file) => file !== '');
}

/** Reads and caches values files with positions. */
/** A values file read with positions: its data and where each path is written. */
interface ReadValues {
  value: unknown;
  locate: (path: JsonPath) => Position | null;
}

export class ValuesFiles {
  private readonly cache = new Map<string, ReadValues | null>();

  constructor(
    private readonly cwd: string,
    private readonly debug?: (text: string) => void,
  ) {}

  /** A user file as the report shows it: relative to the working directory (URLs as given). */
  shown(file: string): string {
    if (isUrl(file)) return file;
    return path.relative(this.cwd, path.resolve(this.cwd, file)) || file;
  }

  /**
   * A values file's positions, read with the manifest parser (its fast path, most of the time).
   * Nothing for a file that cannot be read, is above the cap, or is too large for the full parser
   * and not plain block YAML: the finding then names no line of it.
   */
  private parse(key: string, shown: string, text: () => string): ReadValues | null {
    if (!this.cache.has(key)) {
      let read: ReadValues | null = null;
      try {
        const content = text();
        if (content.length > MAX_VALUES_BYTES) throw new RefusedFile(`it is larger than ${mebibytes(MAX_VALUES_BYTES)}`, 'size');
        if (content.length > MAX_FULLY_PARSED_VALUES_BYTES) {
          read = parseSimpleYaml(content, 1);
          if (!read) this.debug?.(`${shown} is not read for values lines: above ${mebibytes(MAX_FULLY_PARSED_VALUES_BYTES)} only plain block YAML is read`);
        } else {
          const raw: RawDocument = { text: content, startLine: 1, sourceHeader: null, sourceHeaderLine: null, index: 0 };
          const parsed = parseManifest(raw);
          if (parsed.errors.length === 0 && parsed.manifests.length === 1) read = parsed.manifests[0]!;
        }
      } catch (error) {
        if (error instanceof RefusedFile) this.debug?.(`${shown} is not read for values lines: ${error.message}`);
        read = null;
      }
      this.cache.set(key, read);
    }
    return this.cache.get(key) ?? null;
  }

  private line(read: ReadValues | null, segments: readonly ValuesSegment[]): number | null {
    if (!read || segments.includes('*')) return null;
    return read.locate(segments)?.line ?? null;
  }

  private readUser(file: string): ReadValues | null {
    if (isUrl(file)) return null;
    const read = () => readRegularFile(path.resolve(this.cwd, file), MAX_VALUES_BYTES).toString('utf8');
    return this.parse(`user:${file}`, this.shown(file), read);
  }

  private readChart(chart: ChartNode): ReadValues | null {
    const text = chart.files.get('values.yaml');
    if (text === undefined) return null;
    const shown = chart.display('values.yaml');
    return this.parse(`chart:${shown}`, shown, () => text);
  }

  /** The data at a path of a user file or a chart's values.yaml (undefined where it is not set). */
  valueInUserFile(file: string, segments: readonly ValuesSegment[]): unknown {
    return dataAt(this.readUser(file)?.value, segments);
  }

  valueInChart(chart: ChartNode, segments: readonly ValuesSegment[]): unknown {
    return dataAt(this.readChart(chart)?.value, segments);
  }

  /** The 1-based line where a values path is written in a user file, or null when it is not. */
  lineInUserFile(file: string, segments: readonly ValuesSegment[]): number | null {
    return this.line(this.readUser(file), segments);
  }

  lineInChart(chart: ChartNode, segments: readonly ValuesSegment[]): number | null {
    return this.line(this.readChart(chart), segments);
  }
}

function dataAt(data: unknown, segments: readonly ValuesSegment[]): unknown {
  let node = data;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node) ? typeof segment !== 'number' : typeof segment !== 'string') return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** A --set value as Helm types it: booleans, null, integers; the rest strings (--set-string: always). */
function setFlagValue(flag: SetFlag, key: readonly ValuesSegment[]): unknown {
  if (flag.flag === '--set-json' || flag.flag === '--set-file') return undefined;
  const assignments = flag.flag === '--set-literal' ? [flag.text] : splitUnescaped(flag.text, ',');
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0 || formatValuesKey(parseKeyPath(assignment.slice(0, equals))) !== formatValuesKey(key)) continue;
    const text = assignment.slice(equals + 1);
    if (flag.flag !== '--set' || text.includes('{')) return text;
    if (text === 'true' || text === 'false') return text === 'true';
    if (text === 'null') return null;
    return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
  }
  return undefined;
}

/**
 * The effective value of a values path as far as the files and flags tell: maps merged across
 * layers (the higher one wins key by key), anything else from the highest layer that sets it.
 * Undefined when no layer sets it, or a flag sets it in a way not read here.
 */
export function effectiveValue(chart: ChartNode, segments: ValuesSegment[], user: UserValues, files: ValuesFiles): unknown {
  if (segments.length === 0 || segments.includes('*')) return undefined;
  const isGlobal = segments[0] === 'global';
  const fromRoot: ValuesSegment[] = isGlobal ? segments : [...keysFromRoot(chart), ...segments];
  const layers: unknown[] = [];
  const applied = [...user.sets].sort((a, b) => SET_FLAG_ORDER.indexOf(a.flag) - SET_FLAG_ORDER.indexOf(b.flag));
  for (const flag of applied.reverse()) {
    for (const key of setFlagKeys(flag).reverse()) {
      if (!startsWith(fromRoot, key)) continue;
      if (key.length !== fromRoot.length) return undefined;
      layers.push(setFlagValue(flag, key));
    }
  }
  for (const file of [...user.files].reverse()) layers.push(files.valueInUserFile(file, fromRoot));
  const ancestors: ChartNode[] = [];
  for (let node = chart.parent; node; node = node.parent) ancestors.unshift(node);
  for (const ancestor of ancestors) layers.push(files.valueInChart(ancestor, isGlobal ? segments : fromRoot.slice(keysFromRoot(ancestor).length)));
  layers.push(files.valueInChart(chart, segments));
  return layers.filter((layer) => layer !== undefined).reduceRight<unknown>((below, above) => mergeLayer(below, above), undefined);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Helm's coalescing of two layers: maps key by key, anything else replaced (null deletes). */
function mergeLayer(below: unknown, above: unknown): unknown {
  if (!isMap(below) || !isMap(above)) return above;
  const merged: Record<string, unknown> = { ...below };
  for (const [key, value] of Object.entries(above)) merged[key] = mergeLayer(below[key], value);
  return merged;
}

/** The chain of values keys from the root chart down to `chart` (empty for the root). */
function keysFromRoot(chart: ChartNode): string[] {
  const keys: string[] = [];
  for (let node: ChartNode | null = chart; node?.parent; node = node.parent) keys.unshift(node.valuesKey);
  return keys;
}

/**
 * Every values setting behind `segments` (a path in `chart`'s own .Values), the effective one
 * first. Settings that only set a whole parent object (--set-json a={...}) count too.
 */
export function valuesOrigins(chart: ChartNode, segments: ValuesSegment[], user: UserValues, files: ValuesFiles): ValuesOrigin[] {
  if (segments.length === 0 || segments.includes('*')) return [];
  const isGlobal = segments[0] === 'global';
  const fromRoot: ValuesSegment[] = isGlobal ? segments : [...keysFromRoot(chart), ...segments];
  const origins: ValuesOrigin[] = [];

  const applied = [...user.sets].sort((a, b) => SET_FLAG_ORDER.indexOf(a.flag) - SET_FLAG_ORDER.indexOf(b.flag));
  for (const flag of applied.reverse()) {
    for (const key of setFlagKeys(flag).reverse()) {
      if (startsWith(fromRoot, key)) origins.push({ key: formatValuesKey(key), file: flag.flag, line: null, layer: 'user' });
    }
  }
  for (const file of [...user.files].reverse()) {
    const line = files.lineInUserFile(file, fromRoot);
    if (line !== null) origins.push({ key: formatValuesKey(fromRoot), file: files.shown(file), line, layer: 'user' });
  }
  // Ancestors, the root first: a parent's values override its subcharts'.
  const ancestors: ChartNode[] = [];
  for (let node = chart.parent; node; node = node.parent) ancestors.unshift(node);
  for (const ancestor of ancestors) {
    const local = isGlobal ? segments : fromRoot.slice(keysFromRoot(ancestor).length);
    const line = files.lineInChart(ancestor, local);
    if (line !== null) origins.push({ key: formatValuesKey(local), file: ancestor.display('values.yaml'), line, layer: 'parent' });
  }
  const own = files.lineInChart(chart, segments);
  if (own !== null) origins.push({ key: formatValuesKey(segments), file: chart.display('values.yaml'), line: own, layer: 'chart' });
  return origins;
}
