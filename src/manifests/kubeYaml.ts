// Kubernetes' reading of YAML: what go-yaml v2 (through sigs.k8s.io/yaml, which kubectl, Helm and
// the API machinery use) makes of a document the `yaml` package has parsed. Scalars resolve by
// go-yaml's YAML 1.1 rules (no sexagesimals, timestamps stay strings, Go's integer syntax), merge
// keys apply in document order (a `<<` after a key overrides it), tags act as go-yaml lets them,
// keys become JSON keys as sigs.k8s.io/yaml converts them, and duplicate keys are found in
// linear time (the last one wins). Records where each key and item came from for findings.
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Alias, type Document, type Node, type ParsedNode } from 'yaml';

/** What Kubernetes would refuse, or what cannot be read the way it reads it; at an offset of the text. */
export class KubeYamlError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export interface KubeValue {
  value: unknown;
  /** For every object and array built: where each of its keys (or items) was written. */
  positions: WeakMap<object, Map<string | number, number>>;
  /** Offset of the document's root node. */
  rootOffset: number | null;
  /** Keys written twice in one mapping: the offset of each later one (the value used). */
  duplicates: { offset: number; key: string }[];
}

const TAG = 'tag:yaml.org,2002:';
const STR = `${TAG}str`;
const BOOL = `${TAG}bool`;
const INT = `${TAG}int`;
const FLOAT = `${TAG}float`;
const NULL = `${TAG}null`;
const TIMESTAMP = `${TAG}timestamp`;
const BINARY = `${TAG}binary`;
const MERGE = `${TAG}merge`;
/** Tags go-yaml resolves a scalar against; with any other its text is a string. */
const RESOLVABLE = new Set(['', STR, BOOL, INT, FLOAT, NULL, TIMESTAMP]);

/** A resolved scalar: its tag, its value, and for integers the exact value (and whether only uint64 holds it). */
type Resolved = { tag: string; value: unknown; exact?: bigint; unsigned?: boolean };

/** go-yaml's table of whole words (YAML 1.1 booleans and nulls, the float specials). */
const WORDS = new Map<string, Resolved>();
for (const [tag, value, words] of [
  [BOOL, true, 'y Y yes Yes YES true True TRUE on On ON'],
  [BOOL, false, 'n N no No NO false False FALSE off Off OFF'],
  [NULL, null, '~ null Null NULL'],
  [FLOAT, Number.NaN, '.nan .NaN .NAN'],
  [FLOAT, Number.POSITIVE_INFINITY, '.inf .Inf .INF +.inf +.Inf +.INF'],
  [FLOAT, Number.NEGATIVE_INFINITY, '-.inf -.Inf -.INF'],
] as const) {
  for (const word of words.split(' ')) WORDS.set(word, { tag, value });
}
WORDS.set('', { tag: NULL, value: null });

const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt / ParseUint with base 0 (or a given base): the value, or null. */
function parseGoInt(text: string, signed: boolean, base = 0): bigint | null {
  let s = text;
  let negative = false;
  if (signed && (s[0] === '+' || s[0] === '-')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  let digits: RegExp = /^[0-9]+$/;
  let prefix = '';
  if (base === 2) [digits, prefix] = [/^[01]+$/, '0b'];
  else if (s[0] === '0' && s.length > 1) {
    const marker = s[1]!.toLowerCase();
    if (marker === 'x') [digits, prefix, s] = [/^[0-9a-fA-F]+$/, '0x', s.slice(2)];
    else if (marker === 'b') [digits, prefix, s] = [/^[01]+$/, '0b', s.slice(2)];
    else if (marker === 'o') [digits, prefix, s] = [/^[0-7]+$/, '0o', s.slice(2)];
    else [digits, prefix, s] = [/^[0-7]+$/, '0o', s.slice(1)];
  }
  if (!digits.test(s)) return null;
  let value = BigInt(prefix + s);
  if (negative) value = -value;
  if (signed ? value < INT64_MIN || value > INT64_MAX : value > UINT64_MAX) return null;
  return value;
}

/** Go's time.Parse with the layouts go-yaml accepts for a timestamp (the result stays a string). */
function isGoTimestamp(text: string): boolean {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
  if (!match) return false;
  const [, year, month, day, separator, hour, minute, second, zone] = match;
  if (separator !== undefined && (separator === ' ') === (zone !== undefined)) return false;
  const days = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > days) return false;
  return hour === undefined || (Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60);
}

/** go-yaml v2's resolve(): a scalar's text under a tag ('' for a plain scalar without one). */
export function resolveScalar(tag: string, text: string): Resolved {
  if (!RESOLVABLE.has(tag)) return { tag, value: text };
  const found = resolveHinted(tag, text);
  if (tag === '' || tag === found.tag || tag === STR) return found;
  if (tag === FLOAT && found.tag === INT && !found.unsigned) return { tag: FLOAT, value: found.value };
  throw new Error(`cannot decode ${shortTag(found.tag)} \`${text}\` as a ${shortTag(tag)}`);
}

function shortTag(tag: string): string {
  return tag.startsWith(TAG) ? `!!${tag.slice(TAG.length)}` : tag;
}

function resolveHinted(tag: string, text: string): Resolved {
  const first = text === '' ? 'N' : text[0]!;
  const hint = /[0-9]/.test(first) ? 'D' : first === '+' || first === '-' ? 'S' : 'yYnNtTfFoO~N'.includes(first) ? 'M' : first === '.' ? '.' : '';
  if (hint === '' || tag === STR) return { tag: STR, value: text };
  const word = WORDS.get(text);
  if (word) return word;
  if (hint === '.') {
    if (DOT_FLOAT.test(text)) return { tag: FLOAT, value: Number(text) };
  } else if (hint !== 'M') {
    if ((tag === '' || tag === TIMESTAMP) && isGoTimestamp(text)) return { tag: TIMESTAMP, value: text };
    const plain = text.replaceAll('_', '');
    const signed = parseGoInt(plain, true);
    if (signed !== null) return { tag: INT, value: Number(signed), exact: signed };
    const unsigned = parseGoInt(plain, false);
    if (unsigned !== null) return { tag: INT, value: Number(unsigned), exact: unsigned, unsigned: true };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = Number(plain);
      if (Number.isFinite(value)) return { tag: FLOAT, value };
    }
    if (plain.startsWith('0b')) {
      const binary = parseGoInt(plain.slice(2), true, 2);
      if (binary !== null) return { tag: INT, value: Number(binary), exact: binary };
    } else if (plain.startsWith('-0b')) {
      const binary = parseGoInt(`-${plain.slice(3)}`, true, 2);
      if (binary !== null) return { tag: INT, value: Number(binary), exact: binary };
    }
  }
  return { tag: STR, value: text };
}

/** A plain scalar without a tag, as go-yaml reads it (the fast parser's question). */
export function resolvePlainScalar(text: string): unknown {
  const resolved = resolveHinted('', text);
  return resolved.value;
}

/** Go's strconv.FormatFloat(x, 'g', -1, 32), the way sigs.k8s.io/yaml turns a float key into text. */
function formatFloat32(x: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return '.nan';
  if (f === Number.POSITIVE_INFINITY) return '.inf';
  if (f === Number.NEGATIVE_INFINITY) return '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let precision = 1;
  while (precision < 9 && Math.fround(Number(f.toPrecision(precision))) !== f) precision++;
  const [mantissa, exponentText] = Math.abs(f).toExponential(precision - 1).split('e') as [string, string];
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  const exponent = Number(exponentText);
  const sign = f < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 6) {
    const power = Math.abs(exponent);
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent < 0 ? '-' : '+'}${power < 10 ? '0' : ''}${power}`;
  }
  return `${sign}${Math.abs(Number(f.toPrecision(precision))).toFixed(Math.max(digits.length - exponent - 1, 0))}`;
}

/** Go's base64.StdEncoding.DecodeString (it skips CR and LF), then the bytes as a string. */
function decodeBinary(text: string): string {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) {
    throw new Error('!!binary value contains invalid base64 data');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    throw new Error('!!binary value is not UTF-8 text');
  }
}

// go-yaml's guard against alias bombs ("document contains excessive aliasing"), the same numbers.
const ALIAS_RATIO_LOW = 400_000;
const ALIAS_RATIO_HIGH = 4_000_000;
function allowedAliasRatio(decodes: number): number {
  if (decodes <= ALIAS_RATIO_LOW) return 0.99;
  if (decodes >= ALIAS_RATIO_HIGH) return 0.1;
  return 0.99 - 0.89 * ((decodes - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW));
}

/** A key as go-yaml types it: equal keys are duplicates; `json` is the key sigs.k8s.io/yaml writes. */
interface TypedKey {
  identity: string;
  json: string;
}

function offsetOf(node: unknown): number {
  return (node as Node | null | undefined)?.range?.[0] ?? 0;
}

function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

class Decoder {
  readonly positions = new WeakMap<object, Map<string | number, number>>();
  readonly duplicates: { offset: number; key: string }[] = [];
  /** Each alias's anchor as go-yaml resolves it: the last node with that anchor before the alias. */
  private readonly targets = new Map<Alias, Node | null>();
  private readonly expanding = new Set<Alias>();
  private decodes = 0;
  private aliasDecodes = 0;
  private aliasDepth = 0;
  /** For each object built: its keys' identities, to find duplicates and colliding JSON keys. */
  private readonly keyIdentities = new WeakMap<object, Map<string, string>>();

  constructor(root: unknown) {
    this.collectAnchors(root);
  }

  /** Visits the document in text order, as go-yaml's parser does, to pair aliases with anchors. */
  private collectAnchors(root: unknown): void {
    const anchors = new Map<string, Node>();
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === null || node === undefined) continue;
      if (isAlias(node)) {
        this.targets.set(node, anchors.get(node.source) ?? null);
        continue;
      }
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node as Node);
      if (isMap(node)) {
        for (let i = node.items.length - 1; i >= 0; i--) {
          const pair = node.items[i]!;
          stack.push(pair.value, pair.key);
        }
      } else if (isSeq(node)) {
        for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
      } else if (isPair(node)) {
        stack.push(node.value, node.key);
      }
    }
  }

  private count(node: unknown): void {
    this.decodes++;
    if (this.aliasDepth > 0) this.aliasDecodes++;
    if (this.aliasDecodes > 100 && this.decodes > 1000 && this.aliasDecodes / this.decodes > allowedAliasRatio(this.decodes)) {
      throw new KubeYamlError(offsetOf(node), 'document contains excessive aliasing');
    }
  }

  /** The node an alias stands for (aliases of aliases followed). */
  private target(alias: Alias): Node {
    const target = this.targets.get(alias);
    if (!target) throw new KubeYamlError(offsetOf(alias), `unknown anchor '${alias.source}' referenced`);
    return target;
  }

  decode(node: unknown): unknown {
    this.count(node);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.viaAlias(node, (target) => this.decode(target));
    if (isScalar(node)) return this.scalar(node);
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      this.mappingInto(node, out);
      return out;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      const positions = new Map<number, number>();
      this.positions.set(out, positions);
      for (const item of node.items) {
        positions.set(out.length, offsetOf(item));
        out.push(isPair(item) ? this.singlePair(item) : this.decode(item));
      }
      return out;
    }
    if (isPair(node)) return this.singlePair(node);
    throw new KubeYamlError(offsetOf(node), 'unknown YAML node');
  }

  private singlePair(pair: { key: unknown; value: unknown }): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pairsInto([pair], out);
    return out;
  }

  private viaAlias<T>(alias: Alias, then: (target: Node) => T): T {
    if (this.expanding.has(alias)) throw new KubeYamlError(offsetOf(alias), `anchor '${alias.source}' value contains itself`);
    const target = this.target(alias);
    this.expanding.add(alias);
    this.aliasDepth++;
    try {
      return then(target);
    } finally {
      this.aliasDepth--;
      this.expanding.delete(alias);
    }
  }

  /** A scalar as go-yaml resolves it (quoted and block scalars without a tag are strings). */
  private resolved(node: Scalar): Resolved {
    const text = typeof node.source === 'string' ? node.source : String(node.value);
    const tag = node.tag ?? '';
    if (tag === '' && node.type !== Scalar.PLAIN && node.type !== undefined) return { tag: STR, value: text };
    try {
      const resolved = resolveScalar(tag, text);
      return resolved.tag === BINARY ? { tag: STR, value: decodeBinary(text) } : resolved;
    } catch (error) {
      throw new KubeYamlError(offsetOf(node), (error as Error).message);
    }
  }

  private scalar(node: Scalar): unknown {
    return this.resolved(node).value;
  }

  private isMerge(key: unknown): boolean {
    if (!isScalar(key) || key.source !== '<<') return false;
    const tag = key.tag ?? '';
    const implicit = (tag === '' && (key.type === Scalar.PLAIN || key.type === undefined)) || tag === '!';
    return implicit || tag === MERGE;
  }

  /** go-yaml's merge(): a mapping, an alias of one, or a list of them (the earlier winning). */
  private merge(value: unknown, out: Record<string, unknown>): void {
    const wantMap = () => new KubeYamlError(offsetOf(value), 'map merge requires map or sequence of maps as the value');
    this.count(value);
    if (isMap(value)) return this.mappingInto(value, out);
    if (isAlias(value)) {
      const target = this.target(value);
      if (!isMap(target)) throw wantMap();
      return this.viaAlias(value, () => this.mappingInto(target, out));
    }
    if (isSeq(value)) {
      for (let i = value.items.length - 1; i >= 0; i--) {
        const item = value.items[i];
        this.count(item);
        if (isAlias(item)) {
          const target = this.target(item);
          if (!isMap(target)) throw wantMap();
          this.viaAlias(item, () => this.mappingInto(target, out));
        } else if (isMap(item)) this.mappingInto(item, out);
        else throw wantMap();
      }
      return;
    }
    throw wantMap();
  }

  private mappingInto(node: { items: unknown[] }, out: Record<string, unknown>): void {
    this.pairsInto(node.items as { key: unknown; value: unknown }[], out);
  }

  private pairsInto(pairs: readonly { key: unknown; value: unknown }[], out: Record<string, unknown>): void {
    let positions = this.positions.get(out);
    if (!positions) this.positions.set(out, (positions = new Map<string | number, number>()));
    let identities = this.keyIdentities.get(out);
    if (!identities) this.keyIdentities.set(out, (identities = new Map<string, string>()));
    /** Keys written in this very mapping node: a second one is a duplicate. */
    const written = new Set<string>();
    for (const pair of pairs) {
      if (this.isMerge(pair.key)) {
        this.merge(pair.value, out);
        continue;
      }
      const key = this.key(pair.key);
      if (written.has(key.identity)) this.duplicates.push({ offset: offsetOf(pair.key), key: key.json });
      written.add(key.identity);
      const owner = identities.get(key.json);
      if (owner !== undefined && owner !== key.identity) {
        throw new KubeYamlError(offsetOf(pair.key), `keys of different types both become "${key.json}" in JSON; Kubernetes would keep either`);
      }
      identities.set(key.json, key.identity);
      defineKey(out, key.json, this.decode(pair.value));
      positions.set(key.json, offsetOf(pair.key ?? pair.value));
    }
  }

  /** A mapping key as go-yaml types it, and the JSON key sigs.k8s.io/yaml makes of it. */
  private key(node: unknown): TypedKey {
    this.count(node);
    const scalar = isAlias(node) ? this.viaAlias(node, (target) => target) : node;
    if (isMap(scalar) || isSeq(scalar)) throw new KubeYamlError(offsetOf(node), 'invalid map key: a mapping or a list');
    const resolved: Resolved = isScalar(scalar) ? this.resolved(scalar) : { tag: NULL, value: null };
    const { value } = resolved;
    if (typeof value === 'string') return { identity: `s:${value}`, json: value };
    if (typeof value === 'boolean') return { identity: `b:${value}`, json: String(value) };
    if (typeof value === 'number' && !resolved.unsigned) {
      if (resolved.exact !== undefined && resolved.tag === INT) return { identity: `i:${resolved.exact}`, json: String(resolved.exact) };
      return { identity: `f:${value}`, json: formatFloat32(value) };
    }
    throw new KubeYamlError(offsetOf(node), `unsupported map key: ${value === null ? 'null' : 'an unsigned 64-bit number'}`);
  }
}

/** The value Kubernetes reads from a parsed document (go-yaml v2, then sigs.k8s.io/yaml). */
export function kubernetesValue(doc: Document.Parsed | Document): KubeValue {
  const root = doc.contents as ParsedNode | null;
  const decoder = new Decoder(root);
  let value: unknown;
  try {
    value = decoder.decode(root);
  } catch (error) {
    if (error instanceof RangeError) throw new KubeYamlError(offsetOf(root), 'the document nests too deeply to read');
    throw error;
  }
  // .nan and .inf are values go-yaml reads but JSON cannot hold: Kubernetes refuses the document
  // when one is left in it (one a later key or merge replaced does not count).
  const notJson = nonFiniteAt(value, decoder.positions);
  if (notJson !== null) throw new KubeYamlError(notJson.offset, `${notJson.value} is not a number JSON can hold (json: unsupported value)`);
  return { value, positions: decoder.positions, rootOffset: root?.range?.[0] ?? null, duplicates: decoder.duplicates };
}

/** The first NaN or infinity in a value, with where its key was written. */
function nonFiniteAt(root: unknown, positions: WeakMap<object, Map<string | number, number>>): { value: number; offset: number } | null {
  const stack: { node: unknown; offset: number }[] = [{ node: root, offset: 0 }];
  while (stack.length > 0) {
    const { node, offset } = stack.pop()!;
    if (typeof node === 'number' && !Number.isFinite(node)) return { value: node, offset };
    if (typeof node !== 'object' || node === null) continue;
    const where = positions.get(node);
    for (const [key, item] of Object.entries(node)) {
      if (typeof item === 'number' || (typeof item === 'object' && item !== null)) {
        stack.push({ node: item, offset: where?.get(Array.isArray(node) ? Number(key) : key) ?? offset });
      }
    }
  }
  return null;
}
