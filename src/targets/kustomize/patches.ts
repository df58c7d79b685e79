// Patches: what a kustomization (or component) lists, and whether one of them writes a path.
import path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Node } from 'yaml';
import type { JsonPath, SourceLocation } from '../../types.js';
import { LoadYaml, YamlFile, YamlText, toPosition } from './originAnnotations.js';
import { FinalResource, ResourceNames, Selector, isKnownName, matchesSelector, metadataOf, selectorOf } from './resourceSelectors.js';
import { locationOf, pairOf, scalarValue, startsWith, valueAt, walkYaml } from './yamlPaths.js';

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
