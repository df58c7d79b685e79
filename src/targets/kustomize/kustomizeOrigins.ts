// How Kustomize's build metadata leads back to the line a person edits. Kustomize records, per
// resource, the file or generator it came from (`config.kubernetes.io/origin`) and every
// transformer that ran over it (`alpha.config.kubernetes.io/transformations`), but not which field
// a transformer changed: each patch's own content decides whether it wrote the offending value.
// Everything here is pure; files come in through `load`.
import path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parse, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { JsonPath, SourceLocation } from '../../types.js';

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';
export const TRANSFORMATIONS_ANNOTATION = 'alpha.config.kubernetes.io/transformations';

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

function toPosition(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Reads a file relative to the built folder; null when it cannot be read or parsed. */
export type LoadYaml = (absolute: string) => YamlFile | null;

// ---------------------------------------------------------------------------------------------
// Walking a path through YAML nodes the way Kubernetes merges lists.

/** Strategic merge keys of the pod spec lists these checks reach (the others merge by position). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  ports: 'containerPort',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(root: unknown, jsonPath: JsonPath): unknown {
  let node = root;
  for (const segment of jsonPath) {
    if (typeof segment === 'number') node = Array.isArray(node) ? node[segment] : undefined;
    else node = isRecord(node) ? node[segment] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** The longest prefix of a path that exists in a value. */
export function existingPrefix(root: unknown, jsonPath: JsonPath): JsonPath {
  for (let length = jsonPath.length; length > 0; length--) {
    if (valueAt(root, jsonPath.slice(0, length)) !== undefined) return jsonPath.slice(0, length);
  }
  return [];
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

interface NodeStep {
  /** What names the step: the key of a map entry, the item of a list. */
  anchor: Node;
  value: unknown;
}

/**
 * Follows `jsonPath` through a YAML node. List items are matched to the final resource's item by
 * strategic merge key where the list has one (a patch names containers by name, not by position),
 * otherwise by index. Returns every step taken; fewer steps than segments means the path stops.
 */
export function walkYaml(root: unknown, jsonPath: JsonPath, finalResource: unknown, byIndexOnly = false): NodeStep[] {
  const steps: NodeStep[] = [];
  let node = root;
  for (let i = 0; i < jsonPath.length; i++) {
    const segment = jsonPath[i]!;
    if (typeof segment === 'number') {
      if (!isSeq(node)) break;
      const listName = jsonPath[i - 1];
      const mergeKey = !byIndexOnly && typeof listName === 'string' ? MERGE_KEYS[listName] : undefined;
      const finalItem = valueAt(finalResource, jsonPath.slice(0, i + 1));
      let item: unknown;
      if (mergeKey && isRecord(finalItem) && finalItem[mergeKey] !== undefined) {
        const wanted = String(finalItem[mergeKey]);
        item = node.items.find((candidate) => isMap(candidate) && String(scalarValue(pairOf(candidate, mergeKey)?.value)) === wanted);
      } else {
        item = node.items[segment];
      }
      if (!item) break;
      steps.push({ anchor: item as Node, value: item });
      node = item;
    } else {
      if (!isMap(node)) break;
      const pair = pairOf(node, segment);
      if (!pair || !pair.key) break;
      steps.push({ anchor: pair.key as Node, value: pair.value });
      node = pair.value;
    }
  }
  return steps;
}

function locationOf(yaml: YamlText, node: Node, exact: boolean): SourceLocation {
  const { line, column } = yaml.position(node.range?.[0] ?? 0);
  const text = yaml.lineText(line);
  return { file: yaml.file, line, column, exact, ...(text !== undefined ? { text } : {}) };
}

/** The first line of a document's content (past `---` and comments). */
function documentStart(yaml: YamlText, document: Document.Parsed): SourceLocation {
  const contents = document.contents as Node | null;
  const { line, column } = yaml.position(contents?.range?.[0] ?? document.range[0]);
  const text = yaml.lineText(line);
  return { file: yaml.file, line, column, exact: false, ...(text !== undefined ? { text } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Which resource a document, patch or selector means.

/** The resource as the finding sees it, after every transformer. */
export interface FinalResource {
  value: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function finalResourceOf(value: Record<string, unknown>): FinalResource {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const strings = (map: unknown) =>
    Object.fromEntries(Object.entries(isRecord(map) ? map : {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return {
    value,
    apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
    kind: typeof value.kind === 'string' ? value.kind : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : null,
    labels: strings(metadata.labels),
    annotations: strings(metadata.annotations),
  };
}

function metadataOf(value: unknown): { kind: string; name: string; namespace: string | null } | null {
  if (!isRecord(value) || typeof value.kind !== 'string') return null;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  return {
    kind: value.kind,
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : null,
  };
}

/**
 * Prefixes, suffixes and hashes only ever add to a name, so the document a resource came from is
 * the one of the same kind whose name the final name contains (the longest such, exact first).
 */
export function pickByName<T>(candidates: T[], nameOf: (candidate: T) => string, finalName: string): T | null {
  let best: T | null = null;
  let bestLength = -1;
  for (const candidate of candidates) {
    const name = nameOf(candidate);
    if (name === finalName) return candidate;
    if (name !== '' && finalName.includes(name) && name.length > bestLength) {
      best = candidate;
      bestLength = name.length;
    }
  }
  if (best === null && candidates.length === 1) return candidates[0]!;
  return best;
}

/** The document of a resource file that holds the resource. */
export function findResourceDocument(file: YamlText, resource: FinalResource): Document.Parsed | null {
  const sameKind = file.documents.filter((document) => metadataOf(document.toJS())?.kind === resource.kind);
  return pickByName(sameKind, (document) => metadataOf(document.toJS())?.name ?? '', resource.name);
}

/** A patch target (`target:` of a kustomization patch); names and namespaces are regular expressions. */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

function selectorOf(value: unknown): Selector | null {
  if (!isRecord(value)) return null;
  const selector: Selector = {};
  for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
    if (typeof value[key] === 'string') selector[key] = value[key];
  }
  return selector;
}

function anchoredMatch(pattern: string, candidates: Array<string | null>): boolean {
  let regex: RegExp | null = null;
  try {
    regex = new RegExp(`^(?:${pattern})$`);
  } catch {
    regex = null;
  }
  return candidates.some((candidate) => candidate !== null && (regex ? regex.test(candidate) : candidate === pattern));
}

/** `a=b,c!=d,e,!f,g in (x,y),h notin (z)` against a label map. */
export function matchesLabelSelector(selector: string, labels: Record<string, string>): boolean {
  const terms = selector.match(/[^,(]+(?:\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    if (term === '') return true;
    // In both patterns every group always participates.
    let match = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (match) return match[2] === '!=' ? labels[match[1]!] !== match[3] : labels[match[1]!] === match[3];
    match = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (match) {
      const key = match[1]!;
      const values = match[3]!.split(',').map((v) => v.trim());
      const has = key in labels && values.includes(labels[key]!);
      return match[2] === 'in' ? has : !has;
    }
    if (term.startsWith('!')) return !(term.slice(1).trim() in labels);
    return term in labels;
  });
}

/** Names and namespaces the resource has had: the original ones, and the final ones. */
export interface ResourceNames {
  names: string[];
  namespaces: Array<string | null>;
}

/**
 * Whether a patch written against `name` means this resource: its original or final name, or a
 * name between them (an overlay above a base with its own namePrefix sees the prefixed name).
 */
export function isKnownName(name: string, known: ResourceNames): boolean {
  if (known.names.includes(name)) return true;
  const [original, final] = [known.names[known.names.length - 1], known.names[0]];
  return original !== undefined && final !== undefined && name.includes(original) && final.includes(name);
}

export function matchesSelector(selector: Selector, resource: FinalResource, known: ResourceNames): boolean {
  const [group, version] = resource.apiVersion.includes('/') ? resource.apiVersion.split('/', 2) : ['', resource.apiVersion];
  if (selector.kind !== undefined && selector.kind !== resource.kind) return false;
  if (selector.group !== undefined && selector.group !== group) return false;
  if (selector.version !== undefined && selector.version !== version) return false;
  if (selector.name !== undefined && !anchoredMatch(selector.name, known.names)) return false;
  if (selector.namespace !== undefined && !anchoredMatch(selector.namespace, known.namespaces)) return false;
  if (selector.labelSelector !== undefined && !matchesLabelSelector(selector.labelSelector, resource.labels)) return false;
  if (selector.annotationSelector !== undefined && !matchesLabelSelector(selector.annotationSelector, resource.annotations)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Patches: what a kustomization (or component) lists, and whether one writes a path.

export type PatchFormat = 'strategic-merge' | 'json6902';

export interface Patch {
  format: PatchFormat;
  /** The patch text with positions: its own file, or the lines of the kustomization holding it. */
  yaml: YamlText;
  /** Set when the kustomization names the target; otherwise a strategic merge patch names its own. */
  target: Selector | null;
}

/** Transformer kinds that apply a kustomization's patch fields, by field. */
export const PATCH_FIELDS: Record<string, string> = {
  PatchStrategicMergeTransformer: 'patchesStrategicMerge',
  PatchTransformer: 'patches',
  PatchJson6902Transformer: 'patchesJson6902',
};

/**
 * The text of a patch written inside a kustomization, with positions in the kustomization: a
 * literal block scalar keeps its lines, so line k of the patch is k lines below the `|` header.
 * Quoted or folded patches lose their line structure and point at their key instead.
 */
export function inlinePatchText(kustomization: YamlFile, scalar: Node, keyNode: Node): YamlText | null {
  if (!isScalar(scalar) || typeof scalar.value !== 'string') return null;
  const inner = new LineCounter();
  const documents = parseAllDocuments(scalar.value, { version: '1.1', lineCounter: inner, uniqueKeys: false });
  const list = Array.isArray(documents) ? documents : [];
  const header = kustomization.position(scalar.range?.[0] ?? 0);
  if (scalar.type === 'BLOCK_LITERAL') {
    const firstLine = kustomization.text.split('\n')[header.line] ?? '';
    const indent = firstLine.length - firstLine.trimStart().length;
    return {
      file: kustomization.file,
      documents: list,
      position: (offset) => {
        const at = toPosition(inner, offset);
        return { line: header.line + at.line, column: at.column + indent };
      },
      lineText: kustomization.lineText,
    };
  }
  const keyAt = kustomization.position(keyNode.range?.[0] ?? 0);
  return { file: kustomization.file, documents: list, position: () => keyAt, lineText: kustomization.lineText };
}

function patchFormat(yaml: YamlText): PatchFormat {
  return isSeq(yaml.documents[0]?.contents) ? 'json6902' : 'strategic-merge';
}

/** The patches of one patch field of a kustomization, in the order Kustomize applies them. */
export function kustomizationPatches(kustomization: YamlFile, field: string, load: LoadYaml): Patch[] {
  const root = kustomization.documents[0]?.contents;
  if (!isMap(root)) return [];
  const list = pairOf(root, field)?.value;
  if (!isSeq(list)) return [];
  const dir = path.dirname(kustomization.absolute);
  const patches: Patch[] = [];
  for (const entry of list.items) {
    let yaml: YamlText | null = null;
    let target: Selector | null = null;
    if (isScalar(entry) && typeof entry.value === 'string') {
      // patchesStrategicMerge: a file path, or the patch itself when it spans lines.
      yaml = entry.value.includes('\n') ? inlinePatchText(kustomization, entry, entry) : load(path.resolve(dir, entry.value));
    } else if (isMap(entry)) {
      const file = scalarValue(pairOf(entry, 'path')?.value);
      const inline = pairOf(entry, 'patch');
      if (typeof file === 'string') yaml = load(path.resolve(dir, file));
      else if (inline?.value) yaml = inlinePatchText(kustomization, inline.value as Node, inline.key as Node);
      const targetNode = pairOf(entry, 'target')?.value;
      target = targetNode ? selectorOf((targetNode as Node).toJSON()) : null;
    }
    if (!yaml) continue;
    const format = field === 'patchesJson6902' ? 'json6902' : field === 'patchesStrategicMerge' ? 'strategic-merge' : patchFormat(yaml);
    patches.push({ format, yaml, target });
  }
  return patches;
}

/** Where a patch writes the path, with the value it writes there. */
export interface PatchWrite {
  location: SourceLocation;
  /** The written scalar, when it is one (compared with the final value). */
  value: unknown;
}

/** A strategic merge patch writes a path when its own document holds the whole path. */
export function strategicMergeWrite(patch: Patch, resource: FinalResource, known: ResourceNames, jsonPath: JsonPath): PatchWrite | null {
  let found: PatchWrite | null = null;
  for (const document of patch.yaml.documents) {
    const content = document.contents;
    if (!isMap(content)) continue;
    if (patch.target) {
      if (!matchesSelector(patch.target, resource, known)) continue;
    } else {
      const own = metadataOf(content.toJSON());
      if (!own || own.kind !== resource.kind || !isKnownName(own.name, known)) continue;
      if (own.namespace !== null && !known.namespaces.includes(own.namespace)) continue;
    }
    const steps = walkYaml(content, jsonPath, resource.value);
    const last = steps[steps.length - 1];
    if (steps.length !== jsonPath.length || !last) continue;
    found = { location: locationOf(patch.yaml, last.anchor, true), value: scalarValue(last.value) };
  }
  return found;
}

/** A JSON pointer (`/spec/containers/0/name`) as path segments, numbers where the resource has a list. */
export function parsePointer(pointer: string, resource: unknown): JsonPath | null {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return null;
  const segments: Array<string | number> = [];
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const list = valueAt(resource, segments);
    if (Array.isArray(list) && /^(?:\d+|-)$/.test(segment)) {
      // `-` appends: in the final list that item is the last one the op could have added.
      segments.push(segment === '-' ? list.length - 1 : Number(segment));
    } else {
      segments.push(segment);
    }
  }
  return segments;
}

function startsWith(whole: JsonPath, prefix: JsonPath): boolean {
  return prefix.length <= whole.length && prefix.every((segment, i) => segment === whole[i]);
}

/**
 * A JSON 6902 patch writes a path with an `add`/`replace` at that path (its `value:` line), or at
 * a parent whose value holds the rest of the path (that key's line); `copy` and `move` write it
 * from elsewhere (their `path:` line). The last op that writes it wins.
 */
export function json6902Write(patch: Patch, resource: FinalResource, known: ResourceNames, jsonPath: JsonPath): PatchWrite | null {
  // Kustomize requires a target for JSON 6902 patches.
  if (!patch.target || !matchesSelector(patch.target, resource, known)) return null;
  let found: PatchWrite | null = null;
  for (const document of patch.yaml.documents) {
    const ops = document.contents;
    if (!isSeq(ops)) continue;
    for (const op of ops.items) {
      if (!isMap(op)) continue;
      const kind = scalarValue(pairOf(op, 'op')?.value);
      const pathPair = pairOf(op, 'path');
      const pointer = scalarValue(pathPair?.value);
      if (typeof kind !== 'string' || typeof pointer !== 'string' || !pathPair) continue;
      const opPath = parsePointer(pointer, resource.value);
      if (!opPath || !startsWith(jsonPath, opPath)) continue;
      if (kind === 'add' || kind === 'replace') {
        const valuePair = pairOf(op, 'value');
        if (!valuePair) continue;
        if (opPath.length === jsonPath.length) {
          found = { location: locationOf(patch.yaml, valuePair.key as Node, true), value: scalarValue(valuePair.value) };
          continue;
        }
        // The rest of the path inside the written value; a JSON patch value is taken as it is.
        const rest = jsonPath.slice(opPath.length);
        const steps = walkYaml(valuePair.value, rest, valueAt(resource.value, opPath), true);
        const last = steps[steps.length - 1];
        if (steps.length === rest.length && last) {
          found = { location: locationOf(patch.yaml, last.anchor, true), value: scalarValue(last.value) };
        }
      } else if ((kind === 'copy' || kind === 'move') && opPath.length <= jsonPath.length) {
        found = { location: locationOf(patch.yaml, pathPair.value as Node, false), value: undefined };
      }
    }
  }
  return found;
}

export function patchWrite(patch: Patch, resource: FinalResource, known: ResourceNames, jsonPath: JsonPath): PatchWrite | null {
  return patch.format === 'json6902' ? json6902Write(patch, resource, known, jsonPath) : strategicMergeWrite(patch, resource, known, jsonPath);
}

// ---------------------------------------------------------------------------------------------
// Generators: the kustomization entry that configures a generated resource.

const GENERATOR_FIELDS: Record<string, string> = {
  ConfigMapGenerator: 'configMapGenerator',
  SecretGenerator: 'secretGenerator',
  HelmChartInflationGenerator: 'helmCharts',
};

/** A generator's entry in a kustomization: its fields as data, and where it starts. */
export interface GeneratorEntry {
  fields: Record<string, unknown>;
  location: SourceLocation;
}

/**
 * The list item of a generator field that made the resource: by name for ConfigMaps and Secrets,
 * by the `helm.sh/chart` label or release name for charts. `entry` is null when unsure, and
 * `location` is then the field's own line.
 */
export function generatorEntry(
  kustomization: YamlFile,
  generatorKind: string,
  resource: FinalResource,
): { entry: GeneratorEntry | null; location: SourceLocation } | null {
  const root = kustomization.documents[0]?.contents;
  if (!isMap(root)) return null;
  const field = GENERATOR_FIELDS[generatorKind] ?? 'generators';
  const fieldPair = pairOf(root, field) ?? (generatorKind === 'HelmChartInflationGenerator' ? pairOf(root, 'helmChartInflationGenerator') : undefined);
  if (!fieldPair) return null;
  const entries = isSeq(fieldPair.value) ? fieldPair.value.items.filter(isMap) : [];
  const text = (entry: YAMLMap, key: string) => {
    const value = scalarValue(pairOf(entry, key)?.value);
    return typeof value === 'string' ? value : '';
  };
  let entry: YAMLMap | null = null;
  if (generatorKind === 'HelmChartInflationGenerator') {
    const chartLabel = resource.labels['helm.sh/chart'];
    entry =
      entries.find((e) => chartLabel !== undefined && chartLabel.startsWith(`${text(e, 'name')}-`)) ??
      pickByName(entries, (e) => text(e, 'releaseName'), resource.name);
  } else if (field !== 'generators') {
    entry = pickByName(entries, (e) => text(e, 'name'), resource.name);
  }
  if (!entry) return { entry: null, location: locationOf(kustomization, fieldPair.key as Node, false) };
  const location = locationOf(kustomization, entry, false);
  return { entry: { fields: entry.toJSON() as Record<string, unknown>, location }, location };
}

/** The local folder of a `helmCharts` entry: `<chartHome>/<name>` beside the kustomization (Kustomize's default home is `charts`). */
export function helmChartFolder(kustomization: YamlFile, entry: GeneratorEntry): string | null {
  const name = entry.fields.name;
  if (typeof name !== 'string' || name === '') return null;
  const root = kustomization.documents[0]?.toJS() as { helmGlobals?: { chartHome?: unknown } } | null;
  const home = typeof root?.helmGlobals?.chartHome === 'string' ? root.helmGlobals.chartHome : 'charts';
  return path.resolve(path.dirname(kustomization.absolute), home, name);
}

// ---------------------------------------------------------------------------------------------
// Putting it together for one finding.

/** Where the resource came from before any patch, and what it held there. */
export interface OriginalResource {
  /** The name and namespace it had there (patches may use them). */
  name: string | null;
  namespace: string | null;
  /** Where the path (or its deepest existing parent) is, and whether the whole path is there. */
  locate(jsonPath: JsonPath): { location: SourceLocation; has: boolean; value: unknown };
}

export interface OriginQuery {
  /** The resource as built (the offending value is read from it). */
  resource: Record<string, unknown>;
  /** Path of the offending key from the resource's root. */
  path: JsonPath;
  origin: KustomizeOrigin;
  transformations: KustomizeOrigin[];
  /** Absolute folder the annotation paths are relative to. */
  root: string;
  load: LoadYaml;
  /** For resources inflated from a chart: where the chart writes each path (entry: its helmCharts item). */
  helmOriginal?: (resource: FinalResource, kustomization: YamlFile, entry: GeneratorEntry | null) => OriginalResource | null;
}

export interface OriginMapping {
  source: SourceLocation;
  origin?: SourceLocation;
}

/** The resource's own file, found by kind and name among its documents. */
export function fileOriginal(file: YamlFile, resource: FinalResource): OriginalResource | null {
  const document = findResourceDocument(file, resource);
  if (!document) return null;
  const own = metadataOf(document.toJS());
  return {
    name: own?.name ?? null,
    namespace: own?.namespace ?? null,
    locate: (jsonPath) => {
      const steps = walkYaml(document.contents, jsonPath, resource.value);
      const has = steps.length === jsonPath.length;
      const last = steps[steps.length - 1];
      const location = last ? locationOf(file, last.anchor, has) : documentStart(file, document);
      return { location, has, value: last ? scalarValue(last.value) : undefined };
    },
  };
}

/** A generated resource: the generator's entry configures all of it. */
function generatedOriginal(entry: SourceLocation): OriginalResource {
  return { name: null, namespace: null, locate: () => ({ location: entry, has: true, value: undefined }) };
}

/** The same place, as a pointer to the resource rather than to the line that writes the value. */
export function inexact(location: SourceLocation): SourceLocation {
  const { reason: _reason, ...rest } = location;
  return { ...rest, exact: false };
}

function sameLocation(a: SourceLocation, b: SourceLocation): boolean {
  return a.file === b.file && a.line === b.line;
}

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && a !== null && b !== null && String(a) === String(b));
}

/**
 * The line to edit for one finding. A leaf value comes from the last patch that writes it (one
 * that writes the value the resource ends with, when several do), else from the resource's own
 * file or generator. A missing value (no runAsUser at all) is reported where its nearest existing
 * parent was created: the resource's own file when it has that parent, else the first patch that
 * adds it. `origin` is the resource's own place whenever a patch is the source.
 */
export function resolveKustomizeSource(query: OriginQuery): OriginMapping | null {
  const resource = finalResourceOf(query.resource);
  const present = existingPrefix(resource.value, query.path);
  const presentValue = valueAt(resource.value, present);
  const isLeaf = present.length === query.path.length && (typeof presentValue !== 'object' || presentValue === null);

  let original: OriginalResource | null = null;
  const by = query.origin.configuredBy?.kind;
  if (query.origin.path && !query.origin.repo) {
    const file = query.load(path.resolve(query.root, query.origin.path));
    original = file ? fileOriginal(file, resource) : null;
  } else if (query.origin.configuredIn && by) {
    const kustomization = query.load(path.resolve(query.root, query.origin.configuredIn));
    const generator = kustomization ? generatorEntry(kustomization, by, resource) : null;
    if (kustomization && by === 'HelmChartInflationGenerator') original = query.helmOriginal?.(resource, kustomization, generator?.entry ?? null) ?? null;
    if (!original && generator) original = generatedOriginal(generator.location);
  }
  if (!original) return null;

  const known: ResourceNames = {
    names: [resource.name, ...(original.name && original.name !== resource.name ? [original.name] : [])],
    namespaces: [resource.namespace, original.namespace],
  };
  const writes: PatchWrite[] = [];
  const seen = new Set<string>();
  for (const transformation of query.transformations) {
    const field = transformation.configuredBy?.kind ? PATCH_FIELDS[transformation.configuredBy.kind] : undefined;
    if (!field || !transformation.configuredIn) continue;
    // One entry per patch, all alike: read each kustomization's field once, in order.
    const key = `${transformation.configuredIn}\0${field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const kustomization = query.load(path.resolve(query.root, transformation.configuredIn));
    if (!kustomization) continue;
    for (const patch of kustomizationPatches(kustomization, field, query.load)) {
      const write = present.length > 0 ? patchWrite(patch, resource, known, present) : null;
      if (write) writes.push(write);
    }
  }

  const own = original.locate(present);
  let source: SourceLocation;
  if (isLeaf) {
    const matching = writes.filter((write) => write.value === undefined || sameScalar(write.value, presentValue));
    const written = (matching[matching.length - 1] ?? writes[writes.length - 1])?.location;
    // A value that neither a patch nor the resource's own line explains was set by another
    // transformer (replacements, say): point at the resource, but not as the exact line.
    const unexplained = own.has && own.value !== undefined && !sameScalar(own.value, presentValue);
    source = written ?? (unexplained ? inexact(own.location) : own.location);
  } else {
    source = own.has ? inexact(own.location) : writes[0] ? inexact(writes[0].location) : own.location;
  }
  if (sameLocation(source, own.location)) return { source };
  return { source, origin: own.location };
}
