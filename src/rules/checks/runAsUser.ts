// run-as-user: every container must run with an explicit UID at or above the floor, so it
// never shares a UID with the node's own users.
import type { Violation } from '../../types.js';
import type { Check } from '../check.js';
import type { PodSpecView } from '../podSpec.js';
import { isObject } from '../shape.js';

/** Pods whose UIDs are not the node's: Windows pods and pods in their own user namespace. */
export function runAsUserExemption(pod: PodSpecView): string | null {
  const os = pod.spec.os;
  if (isObject(os) && typeof os.name === 'string' && os.name.toLowerCase() === 'windows') return 'a Windows pod';
  if (pod.spec.hostUsers === false) return 'hostUsers is false';
  if (isHostProcess(pod.securityContext)) return 'a Windows HostProcess pod';
  for (const container of pod.containers) if (isHostProcess(container.securityContext)) return 'a Windows HostProcess pod';
  return null;
}

function isHostProcess(securityContext: Record<string, unknown>): boolean {
  const windows = securityContext.windowsOptions;
  return isObject(windows) && windows.hostProcess === true;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export const runAsUser: Check<'run-as-user'> = {
  id: 'run-as-user',
  title: 'every container must set runAsUser to a UID at or above the minimum',
  rationale: "a container without a high, explicit UID can run as a user that also exists on the node, root included",
  remediation:
    'Set securityContext.runAsUser to a UID of at least the minimum (10000 by default) on the pod or on each container.',
  // The pod's runAsUser is the default for its containers; os, hostUsers and hostProcess exempt a pod.
  reads: {
    pod: ['securityContext.runAsUser', 'securityContext.windowsOptions.hostProcess', 'os.name', 'hostUsers'],
    container: ['name', 'securityContext.runAsUser', 'securityContext.windowsOptions.hostProcess'],
  },
  evaluate(pod, config) {
    if (runAsUserExemption(pod)) return [];
    const violations: Violation[] = [];
    for (const site of pod.containers) {
      const own = site.securityContext.runAsUser;
      const fromContainer = isSet(own);
      const value = fromContainer ? own : pod.securityContext.runAsUser;
      if (typeof value === 'number' && Number.isInteger(value) && value >= config.minUid) continue; // the common case, first
      const label = site.name ? `container "${site.name}"` : 'the container';
      if (!isSet(value)) {
        violations.push({
          check: 'run-as-user',
          message: `${label} sets no runAsUser, so it runs as the image's user (often root); set runAsUser >= ${config.minUid}`,
          path: [...site.path, 'securityContext', 'runAsUser'],
          anchorPath: site.path,
          container: site.name,
          value: null,
          notes: [],
        });
        continue;
      }
      const notes: string[] = [];
      let uid: number | null = null;
      if (typeof value === 'number' && Number.isInteger(value)) uid = value;
      else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
        notes.push(`the API server would reject this manifest: runAsUser must be an integer, not the string ${JSON.stringify(value)}`);
      } else {
        notes.push(`runAsUser ${JSON.stringify(value)} is not an integer UID`);
      }
      if (uid !== null && uid >= config.minUid) continue;
      const inherited = fromContainer ? '' : ' (from the pod securityContext)';
      violations.push({
        check: 'run-as-user',
        message: `${label} runs as UID ${uid ?? JSON.stringify(value)}${inherited}, below the minimum ${config.minUid}, so it can share a UID with a user on the node; set runAsUser >= ${config.minUid}`,
        path: [...(fromContainer ? site.path : pod.path), 'securityContext', 'runAsUser'],
        container: site.name,
        value,
        notes,
      });
    }
    return violations;
  },
};
