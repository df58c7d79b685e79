// SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one run, a reporting descriptor
// per check, one result per finding located where a reviewer changes it (the values line that set
// the value, else the template or source line), the other lines as related locations, suppressed
// findings carried as suppressions (shown as dismissed).
import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import {
  RULE_ID,
  type CheckDescription,
  type Finding,
  type Report,
  type ReportError,
  type ReportWarning,
  type RuleDescription,
  type SourceLocation,
  type ValuesOrigin,
} from '../types.js';
import { safeJson } from './escape.js';
import { describeIntroducedBy } from './introducedByText.js';
import { RULE_ANCHOR, helpUri } from './helpLinks.js';
import { TargetPaths } from './targetPaths.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The partialFingerprints key; bump the version if the facts hashed below ever change. */
export const FINGERPRINT_KEY = 'hostnsCheckFinding/v1';

/** Paths are relative to the folder the tool ran in, which in CI is the repository root. */
const SOURCE_ROOT = '%SRCROOT%';

export interface SarifOptions {
  rule: RuleDescription;
  /** Absolute base URI of the documentation; each check's help is an anchor on it. */
  helpBase: string;
  /** The run's runAutomationDetails.id (`category/`): code scanning keeps one analysis per tool and category. */
  category?: string;
}

/** The category of the report's one run unless --sarif-category names another. */
export const DEFAULT_SARIF_CATEGORY = 'hostns-check';

/** `name` becomes `name/`: the part up to the last slash is the category, the rest a run id. */
export function automationId(category: string): string {
  return category.endsWith('/') ? category : `${category}/`;
}

/** A relative path as a URI reference: forward slashes, each segment percent-encoded. */
function uriOf(file: string): string {
  return file.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

/** Capitalised and closed with a period; a leading field name (hostIPC) keeps its case. */
function sentence(text: string): string {
  const capital = /^[a-z]+[A-Z]/.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function physical(file: string, line: number | null, extra: Sarif.Region = {}): Sarif.Location {
  return {
    physicalLocation: {
      artifactLocation: { uri: uriOf(file), uriBaseId: SOURCE_ROOT },
      ...(line !== null && line > 0 ? { region: { startLine: line, ...extra } } : {}),
    },
  };
}

function resourceName(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  return [kind ?? '?', ...(namespace ? [namespace] : []), name ?? '?'].join('/');
}

/**
 * Stable across runs and line shifts: what is wrong (check, field path), where (resource,
 * container) and the file to edit; never a line number.
 */
export function fingerprintOf(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  const facts = [finding.rule, finding.check, kind, namespace, name, finding.container, finding.path, finding.source?.file ?? finding.target];
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

function descriptor(check: CheckDescription, options: SarifOptions): Sarif.ReportingDescriptor {
  const uri = helpUri(options.helpBase, check.id);
  return {
    id: check.id,
    shortDescription: { text: sentence(check.title) },
    fullDescription: { text: sentence(check.rationale) },
    help: {
      text: `${sentence(check.rationale)} ${check.remediation}`,
      markdown: `${sentence(check.rationale)}\n\n**To fix:** ${check.remediation}\n\n[\`${check.id}\` in the hostns-check docs](${uri})`,
    },
    helpUri: uri,
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'kubernetes', RULE_ID], precision: 'very-high', 'problem.severity': 'error' },
  };
}

/**
 * The values line that set the offending value, when a values file set it (`values[0]` is the
 * effective one): that is the line a change to a chart's values touches, and where code scanning
 * shows the alert on a pull request. Null when the value comes from the template or a --set.
 */
function valuesLineOf(finding: Finding): (ValuesOrigin & { line: number }) | null {
  const [effective] = finding.values;
  return effective && effective.line !== null ? { ...effective, line: effective.line } : null;
}

/** The template (or source) line, with its column and text when known. */
function sourceLocation(source: SourceLocation): Sarif.Location {
  const region: Sarif.Region = {};
  if (source.exact && source.column) region.startColumn = source.column;
  if (source.text !== undefined) region.snippet = { text: source.text };
  return physical(source.file, source.line, region);
}

/** The finding's location: the values line, else the file to edit; the rendered output only when no source is known. */
function primaryLocation(finding: Finding, paths: TargetPaths): Sarif.Location {
  const logical = { logicalLocations: [{ name: finding.resource.name ?? '?', fullyQualifiedName: resourceName(finding), kind: 'resource' }] };
  const valuesLine = valuesLineOf(finding);
  if (valuesLine) return { ...physical(valuesLine.file, valuesLine.line), ...logical };
  const source = finding.source;
  if (source) return { ...sourceLocation(source), ...logical };
  const rendered = paths.renderedFile(finding.target);
  if (finding.rendered && rendered) {
    return {
      ...physical(rendered, finding.rendered.line, { startColumn: finding.rendered.column }),
      message: { text: `line ${finding.rendered.line} of the rendered output of ${rendered}; no source file is known` },
      ...logical,
    };
  }
  return logical;
}

/** The template line first when the values line is the primary location, then the (other) values lines, then the resource's definition. */
function relatedLocations(finding: Finding): Sarif.Location[] {
  const related: Sarif.Location[] = [];
  const valuesPrimary = valuesLineOf(finding) !== null;
  if (valuesPrimary && finding.source) {
    related.push({ id: 1, ...sourceLocation(finding.source), message: { text: 'template line that writes the key' } });
  }
  for (const origin of valuesPrimary ? finding.values.slice(1) : finding.values) {
    const text = `set by ${origin.key} (${origin.layer} values)`;
    const location = origin.line !== null ? physical(origin.file, origin.line) : {};
    related.push({ id: related.length + 1, ...location, message: { text: origin.line !== null ? text : `${text} with ${origin.file}` } });
  }
  if (finding.origin) {
    related.push({ id: related.length + 1, ...physical(finding.origin.file, finding.origin.line), message: { text: "the resource's own definition" } });
  }
  return related;
}

/** Self-contained: the resource is named; `[text](1)` links the first related location (the template line). */
function messageOf(finding: Finding): string {
  const container = finding.container ? ` container ${finding.container}` : '';
  let text = `${sentence(finding.message).slice(0, -1)} (${resourceName(finding)}${container}).`;
  const valuesLine = valuesLineOf(finding);
  if (valuesLine) {
    text += ` Set here (${valuesLine.key}, ${valuesLine.layer} values)`;
    text += finding.source ? `; the template line that writes the key is [${finding.source.file}:${finding.source.line}](1).` : '.';
  }
  const introduced = describeIntroducedBy(finding);
  if (introduced) text += ` ${sentence(introduced)}`;
  for (const note of finding.notes) text += ` ${sentence(note)}`;
  return text;
}

function resultOf(finding: Finding, ruleIndex: number, paths: TargetPaths): Sarif.Result {
  const related = relatedLocations(finding);
  const result: Sarif.Result = {
    ruleId: finding.check,
    ruleIndex,
    level: 'error',
    message: { text: messageOf(finding) },
    locations: [primaryLocation(finding, paths)],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf(finding) },
  };
  if (related.length > 0) result.relatedLocations = related;
  if (finding.suppressed && finding.suppression) {
    const { suppression } = finding;
    result.suppressions = [
      {
        kind: suppression.kind === 'exemption' ? 'external' : 'inSource',
        justification: suppression.reason,
        ...(suppression.file ? { location: physical(suppression.file, suppression.line) } : {}),
        properties: { hostnsCheckKind: suppression.kind, ...(suppression.expires ? { expires: suppression.expires } : {}) },
      },
    ];
  }
  // With a base: new, unchanged (existing) or absent (fixed), per SARIF 2.1.0 §3.27.24.
  if (finding.baseline) result.baselineState = finding.baseline === 'new' ? 'new' : 'unchanged';
  result.properties = {
    target: finding.target,
    resource: finding.resource,
    container: finding.container,
    path: finding.path,
    value: finding.value,
    ...(finding.introducedBy ? { introducedBy: finding.introducedBy } : {}),
    ...('chartValue' in finding ? { chartValue: finding.chartValue } : {}),
    ...(finding.introducedByOverrides ? { introducedByOverrides: finding.introducedByOverrides } : {}),
    ...(finding.introducedByOverridesReason ? { introducedByOverridesReason: finding.introducedByOverridesReason } : {}),
  };
  return result;
}

/** A base finding this change removed: `absent`, and a pass (level none), so no alert is raised for it. */
function fixedResultOf(finding: Finding, ruleIndex: number, paths: TargetPaths): Sarif.Result {
  const result = resultOf(finding, ruleIndex, paths);
  delete result.suppressions;
  return { ...result, kind: 'pass', level: 'none', baselineState: 'absent' };
}

function notification(problem: ReportError | ReportWarning, level: 'error' | 'warning'): Sarif.Notification {
  return {
    level,
    message: { text: `${problem.target}: ${problem.message}` },
    ...(problem.file && problem.file !== '<stdin>' ? { locations: [physical(problem.file, problem.line)] } : {}),
  };
}

export function formatSarif(report: Report, options: SarifOptions): string {
  const checks = options.rule.checks;
  const ruleIndex = new Map(checks.map((check, index) => [check.id, index]));
  const paths = new TargetPaths(report.targets);
  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: helpUri(options.helpBase, RULE_ANCHOR),
            rules: checks.map((check) => descriptor(check, options)),
          },
        },
        automationDetails: { id: automationId(options.category ?? DEFAULT_SARIF_CATEGORY) },
        originalUriBaseIds: { [SOURCE_ROOT]: { description: { text: 'The folder hostns-check ran in (the repository root in CI).' } } },
        invocations: [
          {
            executionSuccessful: report.errors.length === 0 && report.targets.every((target) => target.ok),
            toolExecutionNotifications: [
              ...report.errors.map((error) => notification(error, 'error')),
              ...report.warnings.map((warning) => notification(warning, 'warning')),
            ],
          },
        ],
        results: [
          ...report.findings.map((finding) => resultOf(finding, ruleIndex.get(finding.check) ?? 0, paths)),
          ...(report.fixed ?? []).map((finding) => fixedResultOf(finding, ruleIndex.get(finding.check) ?? 0, paths)),
        ],
        columnKind: 'unicodeCodePoints',
        properties: { targets: report.targets, summary: report.summary, ...(report.comparison ? { comparison: report.comparison } : {}) },
      },
    ],
  };
  return safeJson(JSON.stringify(log, null, 2)) + '\n';
}
