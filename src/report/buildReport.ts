// Assembles the one result object every format prints, in a stable order.
import type { Finding, Report, ReportError, ReportWarning, TargetResult } from '../types.js';

export interface ReportParts {
  version: string;
  targets: TargetResult[];
  findings: Finding[];
  errors: ReportError[];
  warnings: ReportWarning[];
  resources: number;
  podSpecs: number;
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

export function buildReport(parts: ReportParts): Report {
  const findings = [...parts.findings].sort(compareFindings);
  const suppressed = findings.filter((f) => f.suppressed).length;
  return {
    tool: { name: 'hostns-check', version: parts.version },
    targets: parts.targets,
    findings,
    errors: [...parts.errors].sort(compareProblems),
    warnings: [...parts.warnings].sort(compareProblems),
    summary: {
      resources: parts.resources,
      podSpecs: parts.podSpecs,
      findings: findings.length - suppressed,
      suppressed,
      errors: parts.errors.length,
    },
  };
}

/** 0 clean, 1 unsuppressed findings, 2 anything that could not be read or rendered. */
export function exitCodeOf(report: Report): 0 | 1 | 2 {
  if (report.errors.length > 0 || report.targets.some((t) => !t.ok)) return 2;
  return report.summary.findings > 0 ? 1 : 0;
}
