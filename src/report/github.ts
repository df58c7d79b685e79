// GitHub Actions workflow commands: an `::error` annotation per finding on the line to edit (a
// `::notice` for a suppressed one), errors and warnings as annotations too, then a summary line.
import type { Finding, Report, ReportError, ReportWarning } from '../types.js';
import { verdictOf, type FailOn } from './buildReport.js';
import { breakLegacyCommands, visibleLines } from './escape.js';
import { describeIntroducedBy } from './introducedByText.js';
import { describeSuppression } from './suppressionText.js';
import { TargetPaths } from './targetPaths.js';

/**
 * The escaping the runner undoes in a command's data (the message), after control characters
 * (ANSI sequences, a bare carriage return, which the runner reads as a line break) are made
 * visible and `##[` can no longer start a legacy command.
 */
function data(value: string): string {
  return breakLegacyCommands(visibleLines(value)).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The escaping the runner undoes in a command's properties (file, title). */
function property(value: string): string {
  return data(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(level: 'error' | 'warning' | 'notice', properties: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(properties)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${property(String(value))}`)
    .join(',');
  return `::${level}${list ? ` ${list}` : ''}::${data(message)}`;
}

function resourceOf(finding: Finding): string {
  const { kind, name } = finding.resource;
  return `${kind ?? '?'}/${name ?? '?'}${finding.container ? ` ${finding.container}` : ''}`;
}

/** file, line and column: the source to edit; annotations need a file in the repository. */
function placeOf(finding: Finding, paths: TargetPaths): Record<string, string | number | undefined> {
  const source = finding.source;
  if (source) return { file: source.file, line: source.line, col: source.exact ? source.column : undefined };
  const rendered = paths.renderedFile(finding.target);
  if (finding.rendered && rendered) return { file: rendered };
  return {};
}

function findingCommand(finding: Finding, paths: TargetPaths): string {
  const title = `hostns-check ${finding.check}: ${resourceOf(finding)}`;
  if (finding.suppressed && finding.suppression) {
    return command('notice', { ...placeOf(finding, paths), title: `${title} (suppressed)` }, describeSuppression(finding.suppression));
  }
  // With a base, only what the change adds is an error; what was already there is a notice.
  if (finding.baseline === 'existing') {
    return command('notice', { ...placeOf(finding, paths), title: `${title} (already there before this change)` }, finding.message);
  }
  const lines = [finding.message];
  const [effective] = finding.values;
  if (effective) lines.push(`set by ${effective.file}${effective.line !== null ? `:${effective.line}` : ''} (${effective.key})`);
  const introduced = describeIntroducedBy(finding);
  if (introduced) lines.push(introduced);
  lines.push(...finding.notes.map((note) => `note: ${note}`));
  return command('error', { ...placeOf(finding, paths), title }, lines.join('\n'));
}

function problemCommand(problem: ReportError | ReportWarning, level: 'error' | 'warning'): string {
  const file = problem.file && problem.file !== '<stdin>' ? problem.file : undefined;
  return command(level, { file, line: file ? (problem.line ?? undefined) : undefined, title: `hostns-check ${level}: ${problem.target}` }, problem.message);
}

export function formatGithub(report: Report, failOn: FailOn = 'error'): string {
  const paths = new TargetPaths(report.targets);
  const lines = [
    ...report.findings.map((finding) => findingCommand(finding, paths)),
    ...report.errors.map((error) => problemCommand(error, 'error')),
    ...report.warnings.map((warning) => problemCommand(warning, 'warning')),
  ];
  const { summary } = report;
  const verdict = verdictOf(report, failOn);
  const { comparison } = report;
  if (comparison) lines.push(`hostns-check compared with ${comparison.base}: ${comparison.new} new, ${comparison.existing} existing, ${comparison.fixed} fixed`);
  lines.push(
    `hostns-check ${verdict}: ${summary.findings} finding(s), ${summary.suppressed} suppressed, ${summary.errors} error(s), ` +
      `${summary.resources} resource(s) (${summary.podSpecs} pod spec(s)) in ${report.targets.length} target(s)`,
  );
  return lines.join('\n') + '\n';
}
