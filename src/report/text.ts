// The default report for people: one line per finding, then a summary line.
import type { Finding, Report } from '../types.js';

export interface TextOptions {
  color: boolean;
}

const paint = (on: boolean, code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

function locationOf(finding: Finding): string {
  if (finding.source) {
    // The source's own column when the mapper knows it: the rendered column is another file's.
    const at = finding.source.column ?? finding.rendered?.column;
    const column = finding.source.exact && at !== undefined ? `:${at}` : '';
    return `${finding.source.file}:${finding.source.line}${column}`;
  }
  if (finding.rendered) return `${finding.target}:${finding.rendered.line}:${finding.rendered.column}`;
  return finding.target;
}

function resourceOf(finding: Finding): string {
  const { kind, name } = finding.resource;
  const container = finding.container ? ` ${finding.container}` : '';
  return `${kind ?? '?'}/${name ?? '?'}${container}`;
}

/** The source line with its number and a caret under the key. */
function codeFrame(finding: Finding, dim: (text: string) => string): string[] {
  const source = finding.source;
  if (!source || source.text === undefined) return [];
  const number = String(source.line).padStart(6);
  const caret = source.column ? `\n${' '.repeat(6)} ${dim('|')} ${' '.repeat(source.column - 1)}^` : '';
  return [`${dim(`${number} |`)} ${source.text}${caret}`];
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function formatText(report: Report, options: TextOptions): string {
  const red = paint(options.color, '31');
  const yellow = paint(options.color, '33');
  const dim = paint(options.color, '2');
  const bold = paint(options.color, '1');
  const lines: string[] = [];
  for (const finding of report.findings) {
    const suppressed = finding.suppressed ? dim(' (suppressed)') : '';
    lines.push(`${locationOf(finding)}  ${red(finding.check)}  ${finding.message}  ${bold(resourceOf(finding))}${suppressed}`);
    lines.push(...codeFrame(finding, dim));
    const [effective] = finding.values;
    if (effective) {
      const where = effective.line === null ? effective.file : `${effective.file}:${effective.line}`;
      lines.push(`    set by ${where} (${effective.key})`);
    }
    if (finding.introducedBy === 'overrides') lines.push(`    introduced by your values overrides; the chart's own values do not produce it`);
    if (finding.source && !finding.source.exact && finding.source.reason) lines.push(`    ${dim('approximate:')} ${finding.source.reason}`);
    for (const note of finding.notes) lines.push(`    ${dim('note:')} ${note}`);
  }
  for (const error of report.errors) {
    const where = error.file ? `${error.file}${error.line ? `:${error.line}` : ''}` : error.target;
    lines.push(`${where}  ${red('error')}  ${error.message}`);
  }
  for (const warning of report.warnings) {
    const where = warning.file ? `${warning.file}${warning.line ? `:${warning.line}` : ''}` : warning.target;
    lines.push(`${where}  ${yellow('warning')}  ${warning.message}`);
  }
  const { summary } = report;
  const parts = [
    plural(summary.findings, 'finding'),
    `${summary.suppressed} suppressed`,
    plural(summary.errors, 'error'),
    `${plural(summary.resources, 'resource')} (${plural(summary.podSpecs, 'pod spec')}) in ${plural(report.targets.length, 'target')}`,
  ];
  const verdict = summary.errors > 0 ? red('error') : summary.findings > 0 ? red('fail') : 'pass';
  lines.push(`${bold(verdict)}: ${parts.join(', ')}`);
  return lines.join('\n') + '\n';
}
