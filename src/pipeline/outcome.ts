// What checking a target produces, before it becomes a report: the stream's findings, errors,
// warnings and counts, how two of them merge, and a target's result with its outcome.
import type { CheckedResource, Finding, ReportError, ReportWarning, TargetResult } from '../types.js';

export interface StreamOutcome {
  findings: Finding[];
  errors: ReportError[];
  warnings: ReportWarning[];
  resources: number;
  podSpecs: number;
  /** Resources with pod specs and the checks that ran on them. */
  checked: CheckedResource[];
}

/** An error or warning as a target kind states it; the driver adds the target's id. */
export type Problem = Omit<ReportError, 'target'>;

/** One target's result: what was checked and what went wrong. */
export interface TargetRun {
  target: TargetResult;
  outcome: StreamOutcome;
  /** Files and folders the target read (absolute; a folder stands for all below it): never a report's file. */
  reads?: string[];
}

export function emptyOutcome(): StreamOutcome {
  return { findings: [], errors: [], warnings: [], resources: 0, podSpecs: 0, checked: [] };
}

/** Adds one outcome's results to another, keeping their order. */
export function mergeOutcome(into: StreamOutcome, from: StreamOutcome): void {
  for (const finding of from.findings) into.findings.push(finding);
  for (const error of from.errors) into.errors.push(error);
  for (const warning of from.warnings) into.warnings.push(warning);
  for (const site of from.checked) into.checked.push(site);
  into.resources += from.resources;
  into.podSpecs += from.podSpecs;
}
