// The JSON report: the plain Report object as it is, for machines.
import type { Report } from '../types.js';

export function formatJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
