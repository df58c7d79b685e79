// host-ipc, host-network, host-pid: one pod-level boolean each.
import type { CheckId, Violation } from '../../types.js';
import { isTrueLookingString, typeNote, type Check } from '../check.js';

function hostNamespaceCheck<Id extends CheckId>(id: Id, field: string, rationale: string): Check<Id> {
  return {
    id,
    title: `${field} must not be true`,
    rationale,
    remediation: `Remove ${field} or set it to false; if the workload truly needs it, suppress this finding with a reason.`,
    reads: { pod: [field] },
    evaluate(pod) {
      const value = pod.spec[field];
      if (value !== true && !isTrueLookingString(value)) return [];
      const notes = value === true ? [] : [typeNote(field, 'a boolean', value)];
      const violation: Violation = {
        check: id,
        message: `${field} is true: ${rationale}; remove it or set it to false`,
        path: [...pod.path, field],
        container: null,
        value,
        notes,
      };
      return [violation];
    },
  };
}

export const hostIpc = hostNamespaceCheck(
  'host-ipc',
  'hostIPC',
  "the pod shares the node's IPC namespace and can read other processes' shared memory",
);

export const hostNetwork = hostNamespaceCheck(
  'host-network',
  'hostNetwork',
  "the pod shares the node's network namespace and can reach services on the node's loopback and snoop on traffic",
);

export const hostPid = hostNamespaceCheck(
  'host-pid',
  'hostPID',
  "the pod shares the node's process ID namespace and can see and signal every process on the node",
);
