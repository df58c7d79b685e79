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

export function resourceRef(object: Record<string, unknown>, type: ResourceType = typeOf(object)): ResourceRef {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    namespace: stringOrNull(metadata.namespace),
    name: stringOrNull(metadata.name) ?? stringOrNull(metadata.generateName),
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/** An object's apiVersion and kind as written (null when absent or not a string). */
interface ResourceType {
  apiVersion: string | null;
  kind: string | null;
}

function typeOf(object: Record<string, unknown>): ResourceType {
  return { apiVersion: stringOrNull(object.apiVersion), kind: stringOrNull(object.kind) };
}

/**
 * The type kubectl gives a list item. Kubernetes' decoder reads any object with an `items` list as
 * a list, whatever its kind, and gives an item that states neither kind nor apiVersion the list's
 * apiVersion and the list's kind without its `List` suffix (a PodList's items are Pods); an item
 * that states either keeps what it states.
 */
export function listItemType(list: ResourceType, item: Record<string, unknown>): ResourceType {
  const own = typeOf(item);
  if ((own.kind ?? '') !== '' || (own.apiVersion ?? '') !== '' || list.kind === null) return own;
  const kind = list.kind.endsWith('List') ? list.kind.slice(0, -'List'.length) : list.kind;
  return kind === '' ? own : { apiVersion: list.apiVersion, kind };
}

/** A kind that only wraps items (`List`, `PodList`...): kubectl applies its items, never the object itself. */
function isListKind(kind: string | null): boolean {
  return kind !== null && kind.endsWith('List');
}

/** Finds every pod spec in one parsed document (which may be a list: `kind: List`, `PodList`, any object with `items`). */
export function findPodSpecs(root: unknown): PodSpecScan {
  const scan: PodSpecScan = { resources: [], podSpecs: [], malformed: [] };
  if (isObject(root)) visit(root, typeOf(root), [], 0, scan);
  return scan;
}

function visit(object: Record<string, unknown>, type: ResourceType, path: JsonPath, depth: number, scan: PodSpecScan): void {
  if ('items' in object) {
    const items = object.items;
    if (depth >= MAX_LIST_DEPTH) {
      scan.malformed.push({ path, message: `List nested more than ${MAX_LIST_DEPTH} levels deep` });
      return;
    }
    if (Array.isArray(items)) {
      // kubectl applies the items of any object with an `items` list (a PodList, or a Pod that
      // carries one); each item is checked as the type kubectl gives it.
      items.forEach((item, i) => {
        if (isObject(item)) visit(item, listItemType(type, item), [...path, 'items', i], depth + 1, scan);
      });
    } else if (items !== null && items !== undefined) {
      // kubectl refuses to read such an object at all.
      scan.malformed.push({ path: [...path, 'items'], message: `${type.kind ?? 'the object'}.items must be a list` });
    }
    // A List kind is only a wrapper. Any other kind is also checked as itself: a client that does
    // not flatten lists would send it as it is.
    if (isListKind(type.kind)) return;
  }
  const resource = resourceRef(object, type);
  scan.resources.push({ resource, path });
  if (type.kind === 'CustomResourceDefinition' && groupOf(type.apiVersion) === 'apiextensions.k8s.io') return;
  for (const specPath of podSpecPaths(object, type)) {
    const broken = firstNonMapping(object, specPath);
    if (broken) {
      scan.malformed.push({ path: [...path, ...broken], message: `${broken.join('.')} must be a mapping` });
      continue;
    }
    const spec = valueAt(object, specPath);
    if (isObject(spec)) scan.podSpecs.push({ resource, resourcePath: path, path: [...path, ...specPath], spec });
  }
}

/** Built-in workload kinds: the API groups they belong to and where their pod spec is. */
const POD_SPEC_PATHS: Readonly<Record<string, { groups: readonly string[]; paths: readonly JsonPath[] }>> = {
  Pod: { groups: [''], paths: [['spec']] },
  PodTemplate: { groups: [''], paths: [['template', 'spec']] },
  ReplicationController: { groups: [''], paths: [['spec', 'template', 'spec']] },
  CronJob: { groups: ['batch'], paths: [['spec', 'jobTemplate', 'spec', 'template', 'spec']] },
  Job: { groups: ['batch'], paths: [['spec', 'template', 'spec']] },
  Deployment: { groups: ['apps', 'extensions'], paths: [['spec', 'template', 'spec']] },
  StatefulSet: { groups: ['apps'], paths: [['spec', 'template', 'spec']] },
  DaemonSet: { groups: ['apps', 'extensions'], paths: [['spec', 'template', 'spec']] },
  ReplicaSet: { groups: ['apps', 'extensions'], paths: [['spec', 'template', 'spec']] },
};
const TEMPLATE_SPEC_PATH: JsonPath = ['spec', 'template', 'spec'];
const TEMPLATE_SPEC: readonly JsonPath[] = [TEMPLATE_SPEC_PATH];
const NONE: readonly JsonPath[] = [];

/** The API group of an apiVersion (`apps/v1` is apps, `v1` the core group ''); null when there is none. */
export function groupOf(apiVersion: string | null): string | null {
  if (apiVersion === null) return null;
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * Candidate pod-spec paths for one object. A built-in workload in its own group has its known
 * path; anything else with spec.template.spec.containers counts, and a custom kind that borrows a
 * built-in name (a Pod or CronJob of another group) is read both ways.
 */
function podSpecPaths(object: Record<string, unknown>, type: ResourceType): readonly JsonPath[] {
  const kind = type.kind;
  const builtIn = kind !== null && Object.prototype.hasOwnProperty.call(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined;
  const group = groupOf(type.apiVersion);
  if (builtIn && group !== null && builtIn.groups.includes(group)) return builtIn.paths;
  // Argo Rollouts, OpenKruise, Knative Services and the like: recognised by shape, not by name.
  const spec = valueAt(object, TEMPLATE_SPEC_PATH);
  const byShape = isObject(spec) && Array.isArray(spec.containers) ? TEMPLATE_SPEC : NONE;
  if (!builtIn) return byShape;
  return builtIn.paths.some((p) => p.join('.') === TEMPLATE_SPEC_PATH.join('.')) ? builtIn.paths : [...builtIn.paths, ...byShape];
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
 * Built-in kinds that never carry a pod spec, by API group, so a document of one of them need not
 * be opened. A kind name alone says nothing: Knative's serving.knative.dev `Service` runs pods, so
 * only these groups' kinds are passed over, and custom kinds never.
 */
const KINDS_WITHOUT_PODS: Readonly<Record<string, readonly string[]>> = {
  '': [
    'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace', 'PersistentVolume', 'PersistentVolumeClaim',
    'ResourceQuota', 'Secret', 'Service', 'ServiceAccount',
  ],
  'admissionregistration.k8s.io': [
    'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration',
  ],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  autoscaling: ['HorizontalPodAutoscaler'],
  'coordination.k8s.io': ['Lease'],
  'discovery.k8s.io': ['EndpointSlice'],
  'events.k8s.io': ['Event'],
  extensions: ['Ingress', 'NetworkPolicy'],
  'networking.k8s.io': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'node.k8s.io': ['RuntimeClass'],
  policy: ['PodDisruptionBudget'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'scheduling.k8s.io': ['PriorityClass'],
  'storage.k8s.io': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
};
const KINDS_WITHOUT_PODS_BY_GROUP = new Map(Object.entries(KINDS_WITHOUT_PODS).map(([group, kinds]) => [group, new Set(kinds)]));

/** A plain apiVersion: `v1`, or `group/version` with a Kubernetes version name (v1, v2beta1...). */
const API_VERSION = /^(?:([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)\/)?v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?$/;

/** True only for a built-in kind of a built-in group that never carries a pod spec (`v1` Service, not Knative's). */
export function kindNeverHoldsPods(apiVersion: string | null, kind: string): boolean {
  if (apiVersion === null) return false;
  const match = API_VERSION.exec(apiVersion);
  if (!match) return false;
  return KINDS_WITHOUT_PODS_BY_GROUP.get(match[1] ?? '')?.has(kind) ?? false;
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
    ...[...Object.values(POD_SPEC_PATHS).map((kind) => kind.paths), TEMPLATE_SPEC].flat().map((path) => path.join('.')),
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
