// Where pod specs live in a manifest. Kept apart from the checks so a new workload kind is one
// line here, and so CRD schemas (which name hostPort and runAsUser as fields) are never read.
import type { JsonPath, ResourceRef } from '../types.js';
import type { Check } from './check.js';
import { RULE_CHECKS } from './checks/index.js';
import { BULKY_KEYS, skippableKeys, type FieldReads } from './fieldReads.js';
import { POD_SPEC_VIEW_READS } from './podSpec.js';
import { isObject } from './shape.js';

export { isObject };

export interface PodSpecSite {
  /** The object that owns the pod spec (a List item's own resource, not the List). */
  resource: ResourceRef;
  /** Path of that object from the document root ([] unless it is a List item). */
  resourcePath: JsonPath;
  /** Path of the pod spec from the document root. */
  path: JsonPath;
  spec: Record<string, unknown>;
}

export interface ResourceSite {
  resource: ResourceRef;
  path: JsonPath;
}

export interface PodSpecScan {
  resources: ResourceSite[];
  podSpecs: PodSpecSite[];
  /** Shapes that stop us from knowing whether there is a pod spec: never read as a pass. */
  malformed: { path: JsonPath; message: string }[];
}

/** Nested `kind: List` deeper than this is refused rather than recursed into. */
const MAX_LIST_DEPTH = 32;

export function resourceRef(object: Record<string, unknown>): ResourceRef {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return {
    apiVersion: stringOrNull(object.apiVersion),
    kind: stringOrNull(object.kind),
    namespace: stringOrNull(metadata.namespace),
    name: stringOrNull(metadata.name) ?? stringOrNull(metadata.generateName),
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/** Finds every pod spec in one parsed document (which may be a `kind: List`). */
export function findPodSpecs(root: unknown): PodSpecScan {
  const scan: PodSpecScan = { resources: [], podSpecs: [], malformed: [] };
  visit(root, [], 0, scan);
  return scan;
}

function visit(object: unknown, path: JsonPath, depth: number, scan: PodSpecScan): void {
  if (!isObject(object)) return;
  const kind = object.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && 'items' in object) {
    if (depth >= MAX_LIST_DEPTH) {
      scan.malformed.push({ path, message: `List nested more than ${MAX_LIST_DEPTH} levels deep` });
      return;
    }
    if (!Array.isArray(object.items)) {
      if (object.items !== null && object.items !== undefined) {
        scan.malformed.push({ path: [...path, 'items'], message: `${kind}.items must be a list` });
      }
      return;
    }
    object.items.forEach((item, i) => visit(item, [...path, 'items', i], depth + 1, scan));
    return;
  }
  const resource = resourceRef(object);
  scan.resources.push({ resource, path });
  if (kind === 'CustomResourceDefinition') return;
  for (const specPath of podSpecPaths(object)) {
    const broken = firstNonMapping(object, specPath);
    if (broken) {
      scan.malformed.push({ path: [...path, ...broken], message: `${broken.join('.')} must be a mapping` });
      continue;
    }
    const spec = valueAt(object, specPath);
    if (isObject(spec)) scan.podSpecs.push({ resource, resourcePath: path, path: [...path, ...specPath], spec });
  }
}

const POD_SPEC_PATHS: Readonly<Record<string, readonly JsonPath[]>> = {
  Pod: [['spec']],
  PodTemplate: [['template', 'spec']],
  CronJob: [['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  Deployment: [['spec', 'template', 'spec']],
  StatefulSet: [['spec', 'template', 'spec']],
  DaemonSet: [['spec', 'template', 'spec']],
  ReplicaSet: [['spec', 'template', 'spec']],
  ReplicationController: [['spec', 'template', 'spec']],
  Job: [['spec', 'template', 'spec']],
};
const TEMPLATE_SPEC_PATH: JsonPath = ['spec', 'template', 'spec'];
const TEMPLATE_SPEC: readonly JsonPath[] = [TEMPLATE_SPEC_PATH];
const NONE: readonly JsonPath[] = [];

/** Candidate pod-spec paths for one object, by kind; anything with spec.template.spec.containers counts. */
function podSpecPaths(object: Record<string, unknown>): readonly JsonPath[] {
  const kind = object.kind;
  const byKind = typeof kind === 'string' && Object.prototype.hasOwnProperty.call(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined;
  if (byKind) return byKind;
  // Argo Rollouts, OpenKruise and the like: recognised by shape, not by name.
  const spec = valueAt(object, TEMPLATE_SPEC_PATH);
  return isObject(spec) && Array.isArray(spec.containers) ? TEMPLATE_SPEC : NONE;
}

/** The first prefix of a path whose value is present but not a mapping, if any. */
function firstNonMapping(root: Record<string, unknown>, path: JsonPath): JsonPath | null {
  let node: unknown = root;
  for (let length = 1; length <= path.length; length++) {
    const key = path[length - 1]!;
    node = isObject(node) && Object.prototype.hasOwnProperty.call(node, key) ? node[key as string] : undefined;
    if (node === undefined || node === null) return null;
    if (!isObject(node)) return path.slice(0, length);
  }
  return null;
}

export function valueAt(root: unknown, path: JsonPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[segment];
    } else {
      if (!isObject(node)) return undefined;
      node = Object.prototype.hasOwnProperty.call(node, segment) ? node[segment] : undefined;
    }
  }
  return node;
}

/**
 * Core kinds that never carry a pod spec, so a document of one of them need not be opened.
 * Custom kinds are never on this list: any of them may carry spec.template.spec.containers.
 */
const KINDS_WITHOUT_PODS = new Set([
  'APIService', 'CSIDriver', 'CSINode', 'CSIStorageCapacity', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap',
  'CustomResourceDefinition', 'Endpoints', 'EndpointSlice', 'Event', 'HorizontalPodAutoscaler', 'Ingress',
  'IngressClass', 'Lease', 'LimitRange', 'MutatingWebhookConfiguration', 'Namespace', 'NetworkPolicy',
  'PersistentVolume', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'PriorityClass', 'ResourceQuota', 'Role',
  'RoleBinding', 'RuntimeClass', 'Secret', 'Service', 'ServiceAccount', 'StorageClass',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment',
]);

export function kindNeverHoldsPods(kind: string): boolean {
  return KINDS_WITHOUT_PODS.has(kind);
}

/**
 * What is read of each resource before any check runs: the finder's List walk, resource reference
 * and pod-spec paths (taken from the tables above, so a new kind is declared once), and the
 * metadata that suppressions and source mapping read (annotations, labels such as helm.sh/chart).
 */
export const RESOURCE_READS: FieldReads = {
  resource: [
    'kind',
    'items[*]',
    ...['apiVersion', 'metadata.namespace', 'metadata.name', 'metadata.generateName'],
    ...[...Object.values(POD_SPEC_PATHS), TEMPLATE_SPEC].flat().map((path) => path.join('.')),
    `${TEMPLATE_SPEC_PATH.join('.')}.containers`,
    'metadata.annotations',
    'metadata.labels',
  ],
};

/** The keys the parser may pass over when these checks run: bulky keys that no read path names. */
export function fieldsNeverRead(checks: readonly Pick<Check, 'reads'>[]): ReadonlySet<string> {
  return skippableKeys(BULKY_KEYS, [RESOURCE_READS, POD_SPEC_VIEW_READS, ...checks.map((check) => check.reads)]);
}

/**
 * Keys whose values the rule never reads, at any depth: the manifest parser may pass them over
 * unread (they are most of a workload's lines). Derived: a check that declares a read of one of
 * them takes it off this set.
 */
export const FIELDS_NEVER_READ: ReadonlySet<string> = fieldsNeverRead(RULE_CHECKS);
