// A finding's identity across two runs (a base and a head): what is wrong (check, field path),
// where (target, resource, container). Never a line number, a source file or a scratch path, so
// a template that moves, or a base rendered from another folder, keeps its findings' identity.
import type { Finding } from '../types.js';

/** `containers[2]` becomes `containers[name]` when the container is known: a sidecar added ahead of it moves no identity. */
export function stablePath(path: string, container: string | null): string {
  if (container === null) return path;
  return path.replace(/\b(containers|initContainers|ephemeralContainers)\[\d+\]/, (_, list: string) => `${list}[${JSON.stringify(container)}]`);
}

/** The identity as one string: equal for the same finding in two runs of the same target. */
export function findingIdentity(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  return JSON.stringify([finding.target, finding.check, kind, namespace, name, finding.container, stablePath(finding.path, finding.container)]);
}
