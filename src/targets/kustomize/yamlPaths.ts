// Walking a JSON path through YAML nodes the way Kubernetes merges lists, and the lines it
// lands on.
import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { JsonPath, SourceLocation } from '../../types.js';
import { YamlText, isRecord } from './originAnnotations.js';

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

export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

export function scalarValue(node: unknown): unknown {
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

export function startsWith(whole: JsonPath, prefix: JsonPath): boolean {
  return prefix.length <= whole.length && prefix.every((segment, i) => segment === whole[i]);
}

export function locationOf(yaml: YamlText, node: Node, exact: boolean): SourceLocation {
  const { line, column } = yaml.position(node.range?.[0] ?? 0);
  const text = yaml.lineText(line);
  return { file: yaml.file, line, column, exact, ...(text !== undefined ? { text } : {}) };
}

/** The first line of a document's content (past `---` and comments). */
export function documentStart(yaml: YamlText, document: Document.Parsed): SourceLocation {
  const contents = document.contents as Node | null;
  const { line, column } = yaml.position(contents?.range?.[0] ?? document.range[0]);
  const text = yaml.lineText(line);
  return { file: yaml.file, line, column, exact: false, ...(text !== undefined ? { text } : {}) };
}
