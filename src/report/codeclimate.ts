// GitLab Code Quality (a subset of the Code Climate issue format), for merge-request widgets: a
// JSON array with one issue per unsuppressed finding, each with the fields GitLab requires
// (description, check_name, fingerprint, severity, location.path, location.lines.begin).
// Suppressed findings are left out (Code Quality has no notion of a dismissed issue). What could
// not be read or rendered is an issue too (a blocker): a widget must never show such a run as clean.
import { createHash } from 'node:crypto';
import type { Finding, Report, ReportError } from '../types.js';
import { safeJson } from './escape.js';
import { TargetPaths } from './targetPaths.js';

export interface CodeClimateIssue {
  type: 'issue';
  check_name: string;
  description: string;
  categories: string[];
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  fingerprint: string;
  location: { path: string; lines: { begin: number } };
}

/** A repository-relative path as GitLab matches it: forward slashes, no leading `./`. */
function repositoryPath(file: string): string {
  return file.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function resourceName(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  return [kind ?? '?', ...(namespace ? [namespace] : []), name ?? '?'].join('/');
}

/** The file and line to edit: the source, else the target's rendered output, else the target itself. */
function locationOf(finding: Finding, paths: TargetPaths): CodeClimateIssue['location'] {
  if (finding.source) return { path: repositoryPath(finding.source.file), lines: { begin: Math.max(1, finding.source.line) } };
  const rendered = paths.renderedFile(finding.target);
  return { path: repositoryPath(rendered ?? finding.target), lines: { begin: Math.max(1, finding.rendered?.line ?? 1) } };
}

function descriptionOf(finding: Finding): string {
  const container = finding.container ? ` container ${finding.container}` : '';
  const [effective] = finding.values;
  const setBy = effective ? `; set by ${effective.file}${effective.line !== null ? `:${effective.line}` : ''} (${effective.key})` : '';
  return `${finding.message} (${resourceName(finding)}${container})${setBy}`;
}

/**
 * What is wrong and where, never a line number, so an issue keeps its identity when lines move
 * (GitLab compares fingerprints between the base and the merge request). The target is part of
 * it: one chart rendered with two value sets gives two issues.
 */
function baseFingerprint(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  const facts = [finding.rule, finding.check, kind, namespace, name, finding.container, finding.path, finding.source?.file ?? null, finding.target];
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

export function codeClimateIssues(report: Report): CodeClimateIssue[] {
  const paths = new TargetPaths(report.targets);
  const seen = new Map<string, number>();
  return report.findings
    .filter((finding) => !finding.suppressed)
    .map((finding) => {
      // GitLab shows one issue per fingerprint: the same facts twice (two documents of one target
      // alike) get an occurrence number, in report order, which is stable.
      let fingerprint = baseFingerprint(finding);
      const count = seen.get(fingerprint) ?? 0;
      seen.set(fingerprint, count + 1);
      if (count > 0) fingerprint = createHash('sha256').update(`${fingerprint}#${count}`).digest('hex');
      return {
        type: 'issue',
        check_name: `${finding.rule}/${finding.check}`,
        description: descriptionOf(finding),
        categories: ['Security'],
        severity: 'critical',
        fingerprint,
        location: locationOf(finding, paths),
      };
    });
}

/** An error as a blocker issue, at its file and line, else at its target. */
function errorIssue(error: ReportError, paths: TargetPaths): CodeClimateIssue {
  const file = error.file && error.file !== '<stdin>' ? error.file : (paths.renderedFile(error.target) ?? error.target);
  const facts = ['error', error.target, error.file, error.line, error.message];
  return {
    type: 'issue',
    check_name: 'k8s-host-namespace/error',
    description: `hostns-check could not check this: ${error.message}`,
    categories: ['Bug Risk'],
    severity: 'blocker',
    fingerprint: createHash('sha256').update(JSON.stringify(facts)).digest('hex'),
    location: { path: repositoryPath(file), lines: { begin: Math.max(1, error.line ?? 1) } },
  };
}

export function formatCodeClimate(report: Report): string {
  const paths = new TargetPaths(report.targets);
  const issues = [...codeClimateIssues(report), ...report.errors.map((error) => errorIssue(error, paths))];
  return safeJson(JSON.stringify(issues, null, 2)) + '\n';
}
