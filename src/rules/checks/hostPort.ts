// host-port: every hostPort of every container kind, outside the allowed ranges.
import type { HostPortRange, Violation } from '../../types.js';
import type { Check } from '../check.js';

export function isAllowedHostPort(port: number, ranges: readonly HostPortRange[]): boolean {
  return ranges.some((range) => port >= range.min && port <= range.max);
}

export function describeRanges(ranges: readonly HostPortRange[]): string {
  if (ranges.length === 0) return 'none are allowed';
  return 'allowed: ' + ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(', ');
}

export const hostPort: Check<'host-port'> = {
  id: 'host-port',
  title: 'hostPort must be unset or within the allowed ranges',
  rationale: "a hostPort binds a port on the node's own network interfaces and ties the pod to that node",
  remediation: 'Remove hostPort and expose the port through a Service, or add its range to allowHostPorts in the configuration.',
  // The name is for the finding's message; the view reads the ports list itself.
  reads: { container: ['name', 'ports[*].hostPort'] },
  evaluate(pod, config) {
    const violations: Violation[] = [];
    for (const site of pod.containers) {
      for (const { path: portPath, port } of site.ports) {
        const value = port.hostPort;
        if (value === undefined || value === null || value === 0) continue;
        const notes: string[] = [];
        let number: number | null = null;
        if (typeof value === 'number' && Number.isInteger(value)) number = value;
        else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) {
          number = Number(value);
          notes.push(`the API server would reject this manifest: hostPort must be an integer, not the string ${JSON.stringify(value)}`);
        } else {
          notes.push(`hostPort ${JSON.stringify(value)} is not a port number; the API server would reject it`);
        }
        if (number === 0) continue;
        if (number !== null && isAllowedHostPort(number, config.hostPortRanges)) continue;
        const shown = number ?? JSON.stringify(value);
        violations.push({
          check: 'host-port',
          message: `hostPort ${shown} binds port ${shown} on the node and ties the pod to it (${describeRanges(config.hostPortRanges)}); expose it through a Service or allow the port`,
          path: [...portPath, 'hostPort'],
          container: site.name,
          value,
          notes,
        });
      }
    }
    return violations;
  },
};
