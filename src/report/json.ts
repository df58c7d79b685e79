// The JSON report: the plain Report object as it is, for machines.
import type { Report } from '../types.js';
import { safeJson } from './escape.js';

export function formatJson(report: Report): string {
  return safeJson(JSON.stringify(report, null, 2)) + '\n';
}
