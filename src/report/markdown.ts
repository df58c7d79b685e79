// Markdown for job summaries and pull-request comments: a verdict line, the findings table (one
// row per finding, suppressed ones marked) and tables of errors and warnings. Every cell is text
// from charts and overlays, and a table cell holds inline content only, so escaping the inline
// syntax is enough: a backslash before each ASCII punctuation character that can start or end
// one (CommonMark then shows it as itself: no `|` ends a cell, no backtick opens code, no `<`
// opens HTML, no `[` makes a link, no `@` or `#` makes a mention or reference), line breaks as
// `<br>` (the only HTML written) and other control characters dropped. Path characters (`/ . - :`)
// stay as they are, so the source stays readable.
import type { Finding, Report, ReportError, ReportWarning } from '../types.js';
import { describeIntroducedBy } from './introducedByText.js';
import { describeSuppression } from './suppressionText.js';

/** Text as one literal Markdown table cell or list item. */
export function markdownText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '')
    .replace(/[\\`*_{}[\]<>#+!|~&$@]/g, (c) => `\\${c}`)
    .replace(/\n/g, '<br>');
}

function resourceOf(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  const container = finding.container ? ` (container ${finding.container})` : '';
  return `${[kind ?? '?', ...(namespace ? [namespace] : []), name ?? '?'].join('/')}${container}`;
}

function whereOf(finding: Finding): string {
  if (finding.source) return `${finding.source.file}:${finding.source.line}`;
  const target = finding.target === '-' ? 'standard input' : finding.target;
  return finding.rendered ? `${target} (rendered line ${finding.rendered.line})` : target;
}

function detailOf(finding: Finding): string {
  const lines = [finding.message];
  const [effective] = finding.values;
  if (effective) lines.push(`set by ${effective.file}${effective.line !== null ? `:${effective.line}` : ''} (${effective.key})`);
  const introduced = describeIntroducedBy(finding);
  if (introduced) lines.push(introduced);
  if (finding.suppressed && finding.suppression) lines.push(describeSuppression(finding.suppression));
  lines.push(...finding.notes.map((note) => `note: ${note}`));
  return lines.join('\n');
}

function row(cells: string[]): string {
  return `| ${cells.map(markdownText).join(' | ')} |`;
}

function problemRows(title: string, problems: (ReportError | ReportWarning)[]): string[] {
  if (problems.length === 0) return [];
  return [
    '',
    `| ${title} | Target | Where |`,
    '| --- | --- | --- |',
    ...problems.map((p) => row([p.message, p.target, p.file ? `${p.file}${p.line !== null ? `:${p.line}` : ''}` : '-'])),
  ];
}

export function formatMarkdown(report: Report): string {
  const { summary } = report;
  const verdict = summary.errors > 0 ? 'error' : summary.findings > 0 ? 'fail' : 'pass';
  const lines = [
    `### hostns-check: ${verdict}`,
    '',
    `${summary.findings} finding(s), ${summary.suppressed} suppressed, ${summary.errors} error(s); ` +
      `${summary.resources} resource(s) (${summary.podSpecs} pod spec(s)) in ${report.targets.length} target(s).`,
  ];
  if (report.findings.length > 0) {
    lines.push('', '| Status | Check | Resource | Where | Finding |', '| --- | --- | --- | --- | --- |');
    for (const finding of report.findings) {
      lines.push(row([finding.suppressed ? 'suppressed' : 'finding', finding.check, resourceOf(finding), whereOf(finding), detailOf(finding)]));
    }
  }
  lines.push(...problemRows('Error', report.errors), ...problemRows('Warning', report.warnings));
  return lines.join('\n') + '\n';
}
