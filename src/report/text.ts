// The default report for people: findings grouped by the file to edit, each with its check,
// resource, message, the line as a code frame and the values line behind it; then a summary.
import { CHECK_IDS, type Finding, type Report, type Suppression } from '../types.js';
import { verdictOf, type FailOn } from './buildReport.js';
import { neutraliseCommands, visibleInline as one, visibleLines as many } from './escape.js';
import { describeIntroducedBy } from './introducedByText.js';
import { SUPPRESSION_NAMES, describeSuppression } from './suppressionText.js';

export interface TextOptions {
  color: boolean;
  /** `--fail-on`: with `none`, findings are reported as `findings:`, not `fail:`. */
  failOn?: FailOn;
}

const paint = (on: boolean, code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

const DETAIL = '    ';

/** The file a finding is grouped under: its source, else the rendered output of its target. */
function groupOf(finding: Finding): string {
  if (finding.source) return one(finding.source.file);
  return finding.target === '-' ? 'standard input (rendered, no source file)' : `${one(finding.target)} (rendered, no source file)`;
}

/** `line:col` within the group's file. */
function positionOf(finding: Finding): string {
  if (finding.source) {
    // The source's own column when the mapper knows it: the rendered column is another file's.
    const at = finding.source.column ?? finding.rendered?.column;
    return finding.source.exact && at !== undefined ? `${finding.source.line}:${at}` : `${finding.source.line}`;
  }
  if (finding.rendered) return `${finding.rendered.line}:${finding.rendered.column}`;
  return '-';
}

function resourceOf(finding: Finding): string {
  const { kind, name } = finding.resource;
  const container = finding.container ? ` ${one(finding.container)}` : '';
  return `${one(kind ?? '?')}/${one(name ?? '?')}${container}`;
}

/** The source line with its number and a caret under the key. */
function codeFrame(finding: Finding, dim: (text: string) => string): string[] {
  const source = finding.source;
  if (!source || source.text === undefined) return [];
  const number = String(source.line).padStart(6);
  const frame = [`${dim(`${number} |`)} ${one(source.text)}`];
  if (source.column) frame.push(`${' '.repeat(6)} ${dim('|')} ${' '.repeat(source.column - 1)}^`);
  return frame;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The summary line's counts: `2 findings, 0 suppressed, 0 errors, 1 resource (1 pod spec) in 1 target`. */
function counts(report: Report): string {
  const { summary } = report;
  return [
    plural(summary.findings, 'finding'),
    `${summary.suppressed} suppressed`,
    plural(summary.errors, 'error'),
    `${plural(summary.resources, 'resource')} (${plural(summary.podSpecs, 'pod spec')}) in ${plural(report.targets.length, 'target')}`,
  ].join(', ');
}

/** The verdict and counts on one line, without colour: what `--output` still says on standard error. */
export function summaryLine(report: Report, failOn: FailOn = 'error'): string {
  return `${verdictOf(report, failOn)}: ${counts(report)}`;
}

/** "Compared with main (1a2b3c): this change adds 2 findings, fixes 1; 3 were already there." */
function comparisonLines(report: Report, bold: (text: string) => string): string[] {
  const comparison = report.comparison!;
  const adds = comparison.new === 0 ? 'adds no findings' : `adds ${plural(comparison.new, 'finding')}`;
  const fixes = comparison.fixed === 0 ? 'fixes none' : `fixes ${comparison.fixed}`;
  const already = comparison.existing === 0 ? '' : `; ${comparison.existing} ${comparison.existing === 1 ? 'was' : 'were'} already there`;
  const lines = [bold(`Compared with ${comparison.base}: this change ${adds}, ${fixes}${already}.`)];
  if (comparison.unavailable.length > 0) {
    lines.push(`  the base of ${comparison.unavailable.join(', ')} could not be checked: every finding there counts as new`);
  }
  return lines;
}

export function formatText(report: Report, options: TextOptions): string {
  const red = paint(options.color, '31');
  const yellow = paint(options.color, '33');
  const dim = paint(options.color, '2');
  const bold = paint(options.color, '1');
  const lines: string[] = [];
  // With --base or --baseline: the sentence a reviewer needs first (src/review).
  if (report.comparison) lines.push(...comparisonLines(report, bold), '');

  let group: string | null = null;
  for (const finding of report.findings) {
    const heading = groupOf(finding);
    if (heading !== group) {
      if (group !== null) lines.push('');
      lines.push(bold(heading));
      group = heading;
    }
    // With several targets (`run`), say which one the finding came from.
    const from = report.targets.length > 1 ? dim(`  [${one(finding.target)}]`) : '';
    const state = finding.baseline ? `  ${finding.baseline === 'new' ? red('new') : dim('existing')}` : '';
    const head = `  ${positionOf(finding)}  ${finding.suppressed ? dim(finding.check) : red(finding.check)}  ${bold(resourceOf(finding))}${from}${state}`;
    if (finding.suppressed && finding.suppression) {
      lines.push(`${head}  ${dim(one(describeSuppression(finding.suppression)))}`);
      continue;
    }
    lines.push(head);
    lines.push(`${DETAIL}${one(finding.message)}`);
    lines.push(...codeFrame(finding, dim));
    const [effective] = finding.values;
    if (effective) {
      const where = effective.line === null ? one(effective.file) : `${one(effective.file)}:${effective.line}`;
      lines.push(`${DETAIL}set by ${where} (${one(effective.key)})`);
    }
    if (finding.origin) lines.push(`${DETAIL}the resource comes from ${one(finding.origin.file)}:${finding.origin.line}`);
    const introduced = describeIntroducedBy(finding);
    if (introduced) lines.push(`${DETAIL}${one(introduced)}`);
    if (finding.source && !finding.source.exact && finding.source.reason) lines.push(`${DETAIL}${dim('approximate:')} ${one(finding.source.reason)}`);
    for (const note of finding.notes) lines.push(`${DETAIL}${dim('note:')} ${one(note)}`);
  }
  if (report.findings.length > 0) lines.push('');
  if (report.comparison && report.fixed && report.fixed.length > 0) {
    lines.push(bold(`fixed since ${report.comparison.base}`));
    for (const finding of report.fixed) {
      const where = finding.source ? `${finding.source.file}:${finding.source.line}` : `${finding.target} (rendered)`;
      const from = report.targets.length > 1 ? dim(`  [${finding.target}]`) : '';
      lines.push(`  ${where}  ${finding.check}  ${bold(resourceOf(finding))}${from}`);
    }
    lines.push('');
  }

  for (const error of report.errors) {
    const where = one(error.file ? `${error.file}${error.line ? `:${error.line}` : ''}` : error.target);
    lines.push(`${where}  ${red('error')}  ${many(error.message)}`);
  }
  for (const warning of report.warnings) {
    const where = one(warning.file ? `${warning.file}${warning.line ? `:${warning.line}` : ''}` : warning.target);
    lines.push(`${where}  ${yellow('warning')}  ${many(warning.message)}`);
  }

  const word = verdictOf(report, options.failOn);
  const verdict = word === 'error' || word === 'fail' ? red(word) : word === 'findings' ? yellow(word) : word;
  lines.push(`${bold(verdict)}: ${counts(report)}`);
  const counted = (findings: Finding[], key: (finding: Finding) => string, order: readonly string[]) =>
    order.map((name) => [name, findings.filter((f) => key(f) === name).length] as const).filter(([, count]) => count > 0);
  const open = report.findings.filter((f) => !f.suppressed);
  if (open.length > 0) {
    lines.push(`  by check: ${counted(open, (f) => f.check, CHECK_IDS).map(([name, count]) => `${name} ${count}`).join(', ')}`);
  }
  const suppressed = report.findings.filter((f) => f.suppressed && f.suppression);
  if (suppressed.length > 0) {
    const kinds = Object.keys(SUPPRESSION_NAMES) as Suppression['kind'][];
    const byKind = counted(suppressed, (f) => f.suppression!.kind, kinds).map(([kind, count]) => `${count} by ${SUPPRESSION_NAMES[kind as Suppression['kind']]}`);
    lines.push(`  suppressed: ${byKind.join(', ')}`);
  }
  // Input text may still start a line (a file name heading a group, a message's second line).
  return neutraliseCommands(lines.join('\n')) + '\n';
}
