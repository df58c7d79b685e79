// A pod spec with its containers listed once, shapes checked once, for every check to read.
import type { JsonPath, MalformedField } from '../types.js';
import type { FieldReads } from './fieldReads.js';
import { isObject } from './shape.js';

export interface ContainerSite {
  name: string | null;
  /** Absolute path of the container item, e.g. [..., 'spec', 'initContainers', 0]. */
  path: JsonPath;
  container: Record<string, unknown>;
  /** The container's securityContext, or an empty object when it has none. */
  securityContext: Record<string, unknown>;
  ports: PortSite[];
}

export interface PortSite {
  /** Absolute path of the port item. */
  path: JsonPath;
  port: Record<string, unknown>;
}

export interface PodSpecView {
  /** Absolute path of the pod spec in the document. */
  path: JsonPath;
  spec: Record<string, unknown>;
  /** The pod's securityContext, or an empty object when it has none. */
  securityContext: Record<string, unknown>;
  containers: ContainerSite[];
  malformed: MalformedField[];
}

export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/** What viewPodSpec reads for every check, whether or not a check reads further. */
export const POD_SPEC_VIEW_READS: FieldReads = {
  pod: ['securityContext', ...CONTAINER_LISTS.map((list) => `${list}[*]`)],
  container: ['name', 'securityContext', 'ports[*]'],
};

export function viewPodSpec(spec: Record<string, unknown>, path: JsonPath): PodSpecView {
  const malformed: MalformedField[] = [];
  const securityContext = mappingOrEmpty(spec.securityContext, path, malformed);
  const containers: ContainerSite[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) {
      malformed.push({ path: [...path, list], message: `${list} must be a list of containers` });
      continue;
    }
    for (let i = 0; i < items.length; i++) {
      const container: unknown = items[i];
      const containerPath = [...path, list, i];
      if (!isObject(container)) {
        malformed.push({ path: containerPath, message: 'a container must be a mapping' });
        continue;
      }
      containers.push({
        name: typeof container.name === 'string' ? container.name : null,
        path: containerPath,
        container,
        securityContext: mappingOrEmpty(container.securityContext, containerPath, malformed),
        ports: portSites(container.ports, containerPath, malformed),
      });
    }
  }
  return { path, spec, securityContext, containers, malformed };
}

/** A securityContext (of the object at `ownerPath`), or an empty one; paths are built only for errors. */
function mappingOrEmpty(value: unknown, ownerPath: JsonPath, malformed: MalformedField[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isObject(value)) return value;
  malformed.push({ path: [...ownerPath, 'securityContext'], message: 'securityContext must be a mapping' });
  return {};
}

/** The ports of the container at `containerPath`. */
function portSites(ports: unknown, containerPath: JsonPath, malformed: MalformedField[]): PortSite[] {
  if (ports === undefined || ports === null) return [];
  if (!Array.isArray(ports)) {
    malformed.push({ path: [...containerPath, 'ports'], message: 'ports must be a list' });
    return [];
  }
  const sites: PortSite[] = [];
  for (let i = 0; i < ports.length; i++) {
    const port: unknown = ports[i];
    if (isObject(port)) sites.push({ path: [...containerPath, 'ports', i], port });
    else malformed.push({ path: [...containerPath, 'ports', i], message: 'a port must be a mapping' });
  }
  return sites;
}
