// JUnit XML for CI test dashboards (GitLab, Jenkins, Azure DevOps): a test suite per target and a
// test case per resource and check; findings are failures, suppressed findings skipped, and what
// could not be read or rendered an error case of its target.
import { CHECK_IDS, targetIdOf, type CheckId, type Finding, type Report, type ReportError, type ResourceRef } from '../types.js';
import { neutraliseCommands, visibleLines } from './escape.js';
import { describeSuppression } from './suppressionText.js';

/** XML 1.0 forbids these control characters even when escaped (escape.ts has made them visible already). */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return visibleLines(value).replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${attribute(String(value))}"`)
    .join('');
}

function resourceName(resource: ResourceRef): string {
  return [resource.kind ?? '?', ...(resource.namespace ? [resource.namespace] : []), resource.name ?? '?'].join('/');
}

function locationOf(finding: Finding): string {
  if (finding.source) {
    const column = finding.source.exact && finding.source.column ? `:${finding.source.column}` : '';
    return `${finding.source.file}:${finding.source.line}${column}`;
  }
  return finding.rendered ? `${finding.target} (rendered) line ${finding.rendered.line}` : finding.target;
}

/** The failure body: every finding of the case, as a person reads it in a CI log. */
function details(findings: Finding[]): string {
  return findings
    .map((finding) => {
      const lines = [`${locationOf(finding)}: ${finding.message}`, `  resource: ${resourceName(finding.resource)}${finding.container ? ` container ${finding.container}` : ''}`, `  path: ${finding.path}`];
      if (finding.source?.text !== undefined) lines.push(`  line: ${finding.source.text.trim()}`);
      for (const origin of finding.values) lines.push(`  set by ${origin.file}${origin.line !== null ? `:${origin.line}` : ''} (${origin.key})`);
      if (finding.suppression) lines.push(`  ${describeSuppression(finding.suppression)}`);
      for (const note of finding.notes) lines.push(`  note: ${note}`);
      return lines.join('\n');
    })
    .join('\n\n');
}

interface Case {
  xml: string;
  outcome: 'passed' | 'failed' | 'skipped' | 'error';
}

function resourceKey(target: string, resource: ResourceRef): string {
  return JSON.stringify([target, resource.kind, resource.namespace, resource.name]);
}

function checkCase(resource: ResourceRef, check: CheckId, findings: Finding[]): Case {
  // With a base, a case fails only for what the change adds; findings already there skip it.
  const open = findings.filter((f) => !f.suppressed && f.baseline !== 'existing');
  const file = (open[0] ?? findings[0])?.source?.file;
  const head = `    <testcase${attributes({ name: check, classname: resourceName(resource), file })}`;
  const first = open[0];
  if (first) {
    const more = open.length > 1 ? ` (and ${open.length - 1} more)` : '';
    const failure = `<failure${attributes({ message: `${first.message}${more}`, type: check })}>${text(details(findings))}</failure>`;
    return { xml: `${head}>\n      ${failure}\n    </testcase>`, outcome: 'failed' };
  }
  if (findings.length > 0) {
    const reasons = [...new Set(findings.flatMap((f) => (f.suppression ? [describeSuppression(f.suppression)] : !f.suppressed ? [`already there before this change: ${f.message}`] : [])))];
    return { xml: `${head}>\n      <skipped${attributes({ message: reasons.join('; ') })}/>\n    </testcase>`, outcome: 'skipped' };
  }
  return { xml: `${head}/>`, outcome: 'passed' };
}

function errorCase(error: ReportError, target: string): Case {
  const where = error.file ? `${error.file}${error.line ? `:${error.line}` : ''}` : target;
  const head = `    <testcase${attributes({ name: `cannot check ${where}`, classname: target, file: error.file ?? undefined })}>`;
  return { xml: `${head}\n      <error${attributes({ message: error.message, type: 'error' })}>${text(`${where}: ${error.message}`)}</error>\n    </testcase>`, outcome: 'error' };
}

function counts(cases: Case[]): Record<string, number> {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome === 'failed').length,
    errors: cases.filter((c) => c.outcome === 'error').length,
    skipped: cases.filter((c) => c.outcome === 'skipped').length,
  };
}

export function formatJunit(report: Report): string {
  const suites: string[] = [];
  const all: Case[] = [];
  for (const target of report.targets) {
    const id = targetIdOf(target);
    // Every resource with a pod spec, and any a finding names (a report built without the list).
    const resources = new Map<string, { resource: ResourceRef; checks: CheckId[] }>();
    for (const entry of report.checked.filter((c) => c.target === id)) {
      resources.set(resourceKey(id, entry.resource), { resource: entry.resource, checks: entry.checks });
    }
    const findings = report.findings.filter((f) => f.target === id);
    for (const finding of findings) {
      const key = resourceKey(id, finding.resource);
      const known = resources.get(key);
      if (!known) resources.set(key, { resource: finding.resource, checks: [finding.check] });
      else if (!known.checks.includes(finding.check)) known.checks = [...known.checks, finding.check];
    }
    const cases: Case[] = [];
    for (const [key, { resource, checks }] of resources) {
      for (const check of CHECK_IDS.filter((id) => checks.includes(id))) {
        cases.push(checkCase(resource, check, findings.filter((f) => f.check === check && resourceKey(id, f.resource) === key)));
      }
    }
    for (const error of report.errors.filter((e) => e.target === id)) cases.push(errorCase(error, id));
    all.push(...cases);
    const properties = `    <properties>\n      <property name="type" value="${attribute(target.type)}"/>\n    </properties>`;
    const body = [properties, ...cases.map((c) => c.xml)].join('\n');
    suites.push(`  <testsuite${attributes({ name: id, ...counts(cases) })}>\n${body}\n  </testsuite>`);
  }
  const head = `<testsuites${attributes({ name: `${report.tool.name} k8s-host-namespace`, ...counts(all) })}>`;
  // A report printed into a CI log must not carry a workflow command on a line of its own.
  return neutraliseCommands(['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n'));
}
