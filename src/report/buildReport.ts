// Assembles the one result object every format prints, in a stable order.
import type { CheckedResource, Finding, Report, ReportError, ReportWarning, TargetResult } from '../types.js';

export interface ReportParts {
  version: string;
  targets: TargetResult[];
  findings: Finding[];
  errors: ReportError[];
  warnings: ReportWarning[];
  resources: number;
  podSpecs: number;
  /** Resources with pod specs (for JUnit's passing cases); none when not given. */
  checked?: CheckedResource[];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by source file, line and check; findings without a source sort by target after them. */
export function compareFindings(a: Finding, b: Finding): number {
  const fileA = a.source?.file ?? `\uffff${a.target}`;
  const fileB = b.source?.file ?? `\uffff${b.target}`;
  return (
    compareText(fileA, fileB) ||
    (a.source?.line ?? a.rendered?.line ?? 0) - (b.source?.line ?? b.rendered?.line ?? 0) ||
    compareText(a.check, b.check) ||
    compareText(a.target, b.target) ||
    (a.rendered?.line ?? 0) - (b.rendered?.line ?? 0) ||
    compareText(a.path, b.path) ||
    compareText(a.container ?? '', b.container ?? '')
  );
}

function compareProblems(a: ReportError | ReportWarning, b: ReportError | ReportWarning): number {
  return compareText(a.target, b.target) || compareText(a.file ?? '', b.file ?? '') || (a.line ?? 0) - (b.line ?? 0);
}

/** The same warning said once per target (an expired exemption is seen by every document it covers). */
function distinct<T extends ReportError | ReportWarning>(problems: T[]): T[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = JSON.stringify([problem.target, problem.file, problem.line, problem.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Warnings as every report lists them: sorted, each said once. */
export function orderWarnings(warnings: readonly ReportWarning[]): ReportWarning[] {
  return distinct([...warnings].sort(compareProblems));
}

function compareChecked(a: CheckedResource, b: CheckedResource): number {
  const { resource: x } = a;
  const { resource: y } = b;
  return (
    compareText(a.target, b.target) ||
    compareText(x.kind ?? '', y.kind ?? '') ||
    compareText(x.namespace ?? '', y.namespace ?? '') ||
    compareText(x.name ?? '', y.name ?? '')
  );
}

export function buildReport(parts: ReportParts): Report {
  const findings = [...parts.findings].sort(compareFindings);
  const suppressed = findings.filter((f) => f.suppressed).length;
  return {
    tool: { name: 'hostns-check', version: parts.version },
    targets: parts.targets,
    findings,
    errors: [...parts.errors].sort(compareProblems),
    warnings: distinct([...parts.warnings].sort(compareProblems)),
    checked: [...(parts.checked ?? [])].sort(compareChecked),
    summary: {
      resources: parts.resources,
      podSpecs: parts.podSpecs,
      findings: findings.length - suppressed,
      suppressed,
      errors: parts.errors.length,
    },
  };
}

/** What makes findings fail the run: `error` (the default), `new` (only findings new against --base or --baseline) or `none`, which only reports them. */
export const FAIL_ON_LEVELS = ['error', 'new', 'none'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

/**
 * 0 clean, 1 unsuppressed findings, 2 anything that could not be read or rendered. Errors win
 * over `--fail-on none`: what could not be checked is never reported as a pass.
 */
export function exitCodeOf(report: Report, failOn: FailOn = 'error'): 0 | 1 | 2 {
  if (report.errors.length > 0 || report.targets.some((t) => !t.ok)) return 2;
  // With `new`, a finding the comparison did not call existing counts (all of them without one).
  const counted = failOn === 'new' ? report.findings.filter((f) => !f.suppressed && f.baseline !== 'existing').length : report.summary.findings;
  return counted > 0 && failOn !== 'none' ? 1 : 0;
}

/**
 * The one-word verdict the reports for people lead their summary with: `findings` where
 * `--fail-on none` lets findings through, so it never reads as a failure the exit code denies.
 */
export function verdictOf(report: Report, failOn: FailOn = 'error'): 'error' | 'fail' | 'findings' | 'pass' {
  const code = exitCodeOf(report, failOn);
  if (code === 2) return 'error';
  if (code === 1) return 'fail';
  return report.summary.findings > 0 ? 'findings' : 'pass';
}
