// What the rule reads of a manifest, declared as data (as a Spectral rule declares its `given`),
// and the parser's skip list derived from it: bulky keys nobody reads may be passed over unread.

/**
 * Dotted paths of the fields something reads. `[*]` stands for every item of a list. Pod paths
 * start at the pod spec; container paths start at each item of containers, initContainers and
 * ephemeralContainers; resource paths start at the object (or a List item).
 */
export interface FieldReads {
  pod?: readonly string[];
  container?: readonly string[];
  resource?: readonly string[];
}

/** Every mapping key named on a path: `ports[*].hostPort` names `ports` and `hostPort`. */
export function keysOfPath(path: string): string[] {
  return path
    .split('.')
    .map((segment) => segment.replace(/\[[^\]]*\]$/, ''))
    .filter((key) => key !== '');
}

/** Every key named on any path of any reader. */
export function keysRead(readers: readonly FieldReads[]): Set<string> {
  const keys = new Set<string>();
  for (const reads of readers) {
    for (const path of [...(reads.pod ?? []), ...(reads.container ?? []), ...(reads.resource ?? [])]) {
      for (const key of keysOfPath(path)) keys.add(key);
    }
  }
  return keys;
}

/**
 * The keys the parser may pass over: the candidates minus every key anyone reads. The parser skips
 * a key at any depth, so a key read anywhere (even deep under another) must never be skipped.
 */
export function skippableKeys(candidates: Iterable<string>, readers: readonly FieldReads[]): ReadonlySet<string> {
  const read = keysRead(readers);
  return new Set([...candidates].filter((key) => !read.has(key)));
}

/**
 * Keys that are most of a workload's lines and that the rule has never needed: the candidates for
 * passing over. Listing a key here never makes a check blind to it; a read removes it.
 */
export const BULKY_KEYS: readonly string[] = [
  'affinity', 'args', 'binaryData', 'command', 'data', 'dnsConfig', 'env', 'envFrom', 'hostAliases', 'imagePullSecrets',
  'lifecycle', 'livenessProbe', 'nodeSelector', 'readinessProbe', 'resources', 'startupProbe', 'stringData',
  'tolerations', 'topologySpreadConstraints', 'volumeDevices', 'volumeMounts', 'volumes',
];
