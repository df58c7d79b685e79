// The shape of one check, and small helpers the checks share.
import type { CheckId, RuleConfig, Violation } from '../types.js';
import type { FieldReads } from './fieldReads.js';
import type { PodSpecView } from './podSpec.js';

/** One check of the rule: its documentation beside its logic, as an ESLint rule keeps its meta. */
export interface Check<Id extends CheckId = CheckId> {
  /** One of CHECK_IDS; the literal type lets the rule's check list prove it covers every id. */
  id: Id;
  title: string;
  /** Why it matters, in one sentence a reviewer can act on. */
  rationale: string;
  remediation: string;
  /**
   * Every field the check reads. The manifest parser passes over bulky keys nobody reads, so a
   * field missing here may arrive empty; the docs list these too.
   */
  reads: FieldReads;
  evaluate(pod: PodSpecView, config: RuleConfig): Violation[];
}

/** Strings that YAML 1.1 would have read as true had they not been quoted. */
export function isTrueLookingString(value: unknown): value is string {
  return typeof value === 'string' && /^(y|yes|true|on)$/i.test(value.trim());
}

export function typeNote(field: string, expected: string, value: unknown): string {
  return `the API server would reject this manifest: ${field} must be ${expected}, not the string ${JSON.stringify(value)}`;
}
