// Reads what a proof render says about one finding: which template line's token sits on the
// offending key (or on the list item of a missing key), and which values sentinel arrived at it.
// A reading counts only when the scratch render, tokens and sentinels taken back out, writes the
// same pod spec as the user's own render: then both renders took the same branches.
import { FIELDS_NEVER_READ } from '../../../rules/findPodSpecs.js';
import type { JsonPath } from '../../../types.js';
import { tokenIn, withoutTokens } from './proofEdits.js';

/** `spec.template.spec.containers[0].ports[1].hostPort` -> its segments. */
export function parseFindingPath(dotted: string): JsonPath {
  const path: (string | number)[] = [];
  for (const match of dotted.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)) {
    if (match[1] !== undefined) path.push(Number(match[1]));
    else if (match[2] !== undefined) path.push(JSON.parse(`"${match[2]}"`) as string);
    else path.push(match[3]!);
  }
  return path;
}

/** The pod spec a finding's path runs through: up to its last `spec` (a pod's, a template's). */
export function podSpecPath(path: JsonPath): JsonPath | null {
  const last = path.lastIndexOf('spec');
  return last === -1 ? null : path.slice(0, last + 1);
}

/** Sentinel text -> the value it stands for, to take sentinels back out of a render. */
export type SentinelValues = ReadonlyMap<string, unknown>;

/** A scratch value with the tokens and sentinels taken out: what the user's render would hold. */
export function restore(value: unknown, sentinels: SentinelValues): unknown {
  if (Array.isArray(value)) return value.map((item) => restore(item, sentinels));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[withoutTokens(key)] = restore(item, sentinels);
    return out;
  }
  if (typeof value === 'number' && sentinels.has(String(value))) return sentinels.get(String(value));
  if (typeof value === 'string') {
    if (sentinels.has(value)) return sentinels.get(value);
    let text = withoutTokens(value);
    // Longest first: `hnsproofv1` is the start of `hnsproofv10`.
    const longestFirst = [...sentinels].sort(([a], [b]) => b.length - a.length);
    for (const [sentinel, original] of longestFirst) if (text.includes(sentinel)) text = text.split(sentinel).join(String(original));
    return text;
  }
  return value;
}

/**
 * Deep equality of plain data, key order aside. A falsy code (`false` where the user's render has
 * 0) is the one difference allowed: it is how 0s are told apart (see proofEdits.ts). Keys the
 * checks never read are not compared: the user's render was parsed without them.
 */
export function samePodData(scratch: unknown, original: unknown, ignored: ReadonlySet<string> = FIELDS_NEVER_READ): boolean {
  if (scratch === original) return true;
  if (scratch === false && original === 0) return true;
  if (Array.isArray(scratch) || Array.isArray(original)) {
    if (!Array.isArray(scratch) || !Array.isArray(original) || scratch.length !== original.length) return false;
    return scratch.every((item, i) => samePodData(item, original[i], ignored));
  }
  if (scratch === null || original === null || typeof scratch !== 'object' || typeof original !== 'object') return false;
  const a = scratch as Record<string, unknown>;
  const b = original as Record<string, unknown>;
  const keys = Object.keys(a).filter((key) => !ignored.has(key));
  if (keys.length !== Object.keys(b).filter((key) => !ignored.has(key)).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && samePodData(a[key], b[key], ignored));
}

/** Where two values first differ (a dotted path), or null when samePodData holds. */
export function firstDifference(scratch: unknown, original: unknown, at = ''): string | null {
  if (samePodData(scratch, original)) return null;
  if (Array.isArray(scratch) && Array.isArray(original) && scratch.length === original.length) {
    for (let i = 0; i < scratch.length; i++) {
      const inner = firstDifference(scratch[i], original[i], `${at}[${i}]`);
      if (inner !== null) return inner;
    }
  }
  if (scratch !== null && original !== null && typeof scratch === 'object' && typeof original === 'object' && !Array.isArray(scratch) && !Array.isArray(original)) {
    const a = scratch as Record<string, unknown>;
    const b = original as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (FIELDS_NEVER_READ.has(key)) continue;
      const inner = firstDifference(a[key], b[key], at ? `${at}.${key}` : key);
      if (inner !== null) return inner;
    }
  }
  return at || '(the whole resource)';
}

/** The key of an object that is `name` once its token is taken off, and that token. */
function keyNamed(object: Record<string, unknown>, name: string): { key: string; token: { file: number; line: number } | null } | 'ambiguous' | null {
  let found: string | null = null;
  for (const key of Object.keys(object)) {
    if (key !== name && withoutTokens(key) !== name) continue;
    if (found !== null) return 'ambiguous';
    found = key;
  }
  return found === null ? null : { key: found, token: tokenIn(found) };
}

/** Where a finding's path leads in a scratch render. */
export interface PathReading {
  /** The offending key exists: its value, and the token its key carries (null: no template line renamed it). */
  key: { value: unknown; token: { file: number; line: number } | null } | null;
  /** The key is missing: the token on the `name` of the deepest list item the path went through. */
  item: { token: { file: number; line: number } | null } | null;
  /** The path as the scratch render spells it (renamed keys and all), to the key or the list item. */
  actual: JsonPath;
  /** Why the path could not be followed. */
  problem: string | null;
}

export function readPath(resource: unknown, path: JsonPath): PathReading {
  let node: unknown = resource;
  let item: { at: JsonPath; value: Record<string, unknown> } | null = null;
  const actual: (string | number)[] = [];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (typeof segment === 'number') {
      if (!Array.isArray(node) || segment >= node.length) return missing(item);
      node = node[segment];
      actual.push(segment);
      if (node !== null && typeof node === 'object' && !Array.isArray(node)) item = { at: [...actual], value: node as Record<string, unknown> };
      continue;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return missing(item);
    const found = keyNamed(node as Record<string, unknown>, segment);
    if (found === 'ambiguous') return { key: null, item: null, actual, problem: `two keys of the scratch render are both ${segment}` };
    if (!found) return missing(item);
    const value = (node as Record<string, unknown>)[found.key];
    actual.push(found.key);
    if (i === path.length - 1) return { key: { value, token: found.token }, item: null, actual, problem: null };
    node = value;
  }
  return { key: null, item: null, actual, problem: 'the path is empty' };
}

function missing(item: { at: JsonPath; value: Record<string, unknown> } | null): PathReading {
  if (!item) return { key: null, item: null, actual: [], problem: 'the path is not in the scratch render' };
  const name = keyNamed(item.value, 'name');
  return { key: null, item: { token: name && name !== 'ambiguous' ? name.token : null }, actual: item.at, problem: null };
}
