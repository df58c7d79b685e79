// The formatter registry: each format a module that receives the plain Report (and, for SARIF,
// the rule's documentation as plain data). None of them knows about YAML.
import { describeRule } from '../rules/hostNamespaceRule.js';
import type { Report, RuleDescription } from '../types.js';
import type { FailOn } from './buildReport.js';
import { FORMATS, isFormatName, type FormatName } from './formatNames.js';
import { formatCodeClimate } from './codeclimate.js';
import { formatGithub } from './github.js';
import { DEFAULT_HELP_BASE } from './helpLinks.js';
import { formatJson, jsonReportPieces } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export { FORMATS, isFormatName, type FormatName };

export interface FormatOptions {
  color: boolean;
  /** The rule and its checks (SARIF's rules); the rule's own documentation by default. */
  rule?: RuleDescription;
  /** Absolute base URI of the help links (SARIF's helpUri); the checks page of the project docs by default. */
  helpBase?: string;
  /** `--fail-on`: the reports for people say `findings:`, not `fail:`, under `none`. */
  failOn?: FailOn;
  /** `--sarif-category`: SARIF's runAutomationDetails.id. */
  sarifCategory?: string;
}

export function formatReport(report: Report, format: FormatName, options: FormatOptions): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'text':
      return formatText(report, options);
    case 'sarif':
      return formatSarif(report, { rule: options.rule ?? describeRule(), helpBase: options.helpBase ?? DEFAULT_HELP_BASE, category: options.sarifCategory });
    case 'junit':
      return formatJunit(report);
    case 'github':
      return formatGithub(report, options.failOn);
    case 'codeclimate':
      return formatCodeClimate(report);
    case 'markdown':
      return formatMarkdown(report);
  }
}

/**
 * The report in pieces to write one after another: the JSON report item by item (a large run's
 * report is tens of megabytes, and written whole it is copied twice more on its way out), any
 * other format whole.
 */
export function formatReportPieces(report: Report, format: FormatName, options: FormatOptions): Iterable<string> {
  return format === 'json' ? jsonReportPieces(report) : [formatReport(report, format, options)];
}
