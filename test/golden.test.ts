// Golden files: every format on the fixture charts (with the real Helm 3.17.2 and 4.1.4) and a
// Kustomize overlay (with the pinned kubectl), byte for byte against test/golden/ once the tool
// version is normalised. Each output is also read back as its consumer would: SARIF against the
// official 2.1.0 schema, JUnit through an XML parser, JSON parsed, workflow commands counted.
//
// Regenerate after a deliberate change: UPDATE_GOLDEN=1 node --test dist/test/golden.test.js
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../src/types.js';
import { parseJunit, sarifSchemaErrors } from './support/formats.js';
import { cleanEnv } from './support/helmHome.js';
import { BIN, PROJECT_ROOT } from './support/runCli.js';
import { HELM_VERSIONS, type HelmToolset } from './support/tools.js';
import { spawnSync } from 'node:child_process';

const GOLDEN_DIR = path.join(PROJECT_ROOT, 'test/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const VERSION_PLACEHOLDER = '0.0.0-golden';

const FORMATS = { text: 'txt', json: 'json', sarif: 'sarif', junit: 'junit.xml', github: 'github.txt', codeclimate: 'codeclimate.json', markdown: 'md' } as const;
type Format = keyof typeof FORMATS;

interface Scenario {
  name: string;
  what: string;
  args(tools: HelmToolset): string[];
  /** The exit code every format must give (default 1: findings). */
  status?: number;
  /** How many targets the report holds (default 1). */
  targets?: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'insecure-pod',
    what: 'the rule page insecure example as a chart: five findings, toYaml blocks',
    args: (tools) => ['helm', 'charts-fixtures/insecure-pod', '--helm', tools.helm],
  },
  {
    name: 'umbrella-overrides',
    what: 'an umbrella chart (folder and .tgz subcharts) with an override file',
    args: (tools) => ['helm', 'charts-fixtures/umbrella', '-f', 'test/fixtures/golden/umbrella-overrides.yaml', '--helm', tools.helm],
  },
  {
    name: 'suppressions',
    what: 'a comment, an annotation, an exemption in force and an expired one',
    args: (tools) => ['helm', 'charts-fixtures/suppressions', '--config', 'test/fixtures/suppressions/config.yaml', '--helm', tools.helm],
  },
  {
    name: 'kustomize-prod',
    what: 'the prod overlay: patches, a component, an inline JSON patch',
    args: (tools) => ['kustomize', 'charts-fixtures/kustomize/overlays/prod', '--kustomize', tools.kubectl],
  },
  {
    name: 'run',
    what: 'run: a named chart, a chart with two value sets, a chart that fails to render, a manifests glob',
    // The manifests target is a sibling fixture folder, outside the configuration's own folder.
    args: (tools) => ['run', '--config', 'test/fixtures/golden/run.yaml', '--allow-outside-config', '--helm', tools.helm, '--concurrency', '2'],
    status: 2,
    targets: 5,
  },
];

/** Runs the CLI from the project root (so every path in the report is relative and stable). */
function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: cleanEnv(),
    input: '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The output with the tool's version replaced, so a release does not change every golden file. */
function normalise(format: Format, output: string): string {
  if (format === 'json') {
    const report = JSON.parse(output) as Report;
    report.tool.version = VERSION_PLACEHOLDER;
    return JSON.stringify(report, null, 2) + '\n';
  }
  if (format === 'sarif') {
    const log = JSON.parse(output) as { runs: { tool: { driver: { version: string; semanticVersion: string } } }[] };
    for (const sarifRun of log.runs) Object.assign(sarifRun.tool.driver, { version: VERSION_PLACEHOLDER, semanticVersion: VERSION_PLACEHOLDER });
    return JSON.stringify(log, null, 2) + '\n';
  }
  return output;
}

/** Compares with the golden file, or writes it under UPDATE_GOLDEN=1 (the first Helm version writes). */
function assertGolden(file: string, actual: string, written: Set<string>): void {
  const golden = path.join(GOLDEN_DIR, file);
  if (UPDATE && !written.has(file)) {
    writeFileSync(golden, actual);
    written.add(file);
  }
  assert.ok(existsSync(golden), `${path.relative(PROJECT_ROOT, golden)} is missing: run UPDATE_GOLDEN=1 node --test dist/test/golden.test.js`);
  const expected = readFileSync(golden, 'utf8');
  if (actual !== expected) {
    // Show the first differing line: the whole files are long.
    const a = actual.split('\n');
    const e = expected.split('\n');
    const at = a.findIndex((line, i) => line !== e[i]);
    assert.fail(`${file} differs from the golden file at line ${at + 1}:\n  golden: ${e[at]}\n  actual: ${a[at]}\n(UPDATE_GOLDEN=1 regenerates it after a deliberate change)`);
  }
}

/** What every format must agree on, read from the JSON report of the same run. */
interface Expected {
  open: Report['findings'];
  suppressed: Report['findings'];
  report: Report;
}

function checkSarif(output: string, expected: Expected): void {
  const log = JSON.parse(output);
  assert.deepEqual(sarifSchemaErrors(log), [], 'valid against the SARIF 2.1.0 schema');
  assert.equal(log.runs.length, 1);
  const [sarifRun] = log.runs;
  assert.deepEqual(sarifRun.tool.driver.rules.map((r: { id: string }) => r.id), ['host-ipc', 'host-network', 'host-pid', 'host-port', 'run-as-user']);
  for (const rule of sarifRun.tool.driver.rules) assert.match(rule.helpUri, new RegExp(`^https://[^#]+#${rule.id}$`));
  assert.equal(sarifRun.results.length, expected.report.findings.length);
  assert.equal(sarifRun.results.filter((r: { suppressions?: unknown[] }) => r.suppressions).length, expected.suppressed.length);
  for (const [index, result] of sarifRun.results.entries()) {
    const finding = expected.report.findings[index]!;
    assert.equal(result.ruleId, finding.check);
    assert.equal(sarifRun.tool.driver.rules[result.ruleIndex].id, finding.check);
    const location = result.locations[0].physicalLocation;
    // A value set in a values file: that line first, the template line as the first related location.
    const [effective] = finding.values;
    const primary = effective && effective.line !== null ? { file: effective.file, line: effective.line } : finding.source;
    assert.equal(decodeURIComponent(location.artifactLocation.uri), primary?.file, 'the values line, else the template or source file, not the render');
    assert.equal(location.region.startLine, primary?.line);
    if (primary !== finding.source && finding.source) {
      const template = result.relatedLocations[0];
      assert.deepEqual([decodeURIComponent(template.physicalLocation.artifactLocation.uri), template.physicalLocation.region.startLine], [finding.source.file, finding.source.line]);
      assert.equal(template.message.text, 'template line that writes the key');
    }
    assert.match(result.partialFingerprints['hostnsCheckFinding/v1'], /^[0-9a-f]{64}$/);
  }
}

function checkJunit(output: string, expected: Expected): void {
  const junit = parseJunit(output);
  const { report } = expected;
  assert.equal(junit.suites.length, report.targets.length, 'one suite per target');
  const pairs = (findings: Report['findings']) => new Set(findings.map((f) => `${f.resource.kind}/${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name} ${f.check}`));
  // Each suite says what the JSON report says of its target: failures, skips, errors and cases.
  for (const [index, target] of report.targets.entries()) {
    const id = target.name ?? target.path;
    const suite = junit.suites[index]!;
    assert.equal(suite.name, id, 'suites in the order of the targets, named by their id');
    const mine = (findings: Report['findings']) => findings.filter((f) => f.target === id);
    const failed = pairs(mine(expected.open));
    const skipped = [...pairs(mine(expected.suppressed))].filter((pair) => !failed.has(pair));
    const cases = suite.cases;
    const checked = report.checked.filter((c) => c.target === id);
    const errors = report.errors.filter((e) => e.target === id);
    assert.equal(cases.filter((c) => !c.error).length, checked.reduce((sum, c) => sum + c.checks.length, 0), `${id}: one case per resource and check`);
    assert.deepEqual(new Set(cases.filter((c) => c.failure).map((c) => `${c.classname} ${c.name}`)), failed, `${id}: failures`);
    assert.deepEqual(new Set(cases.filter((c) => c.skipped).map((c) => `${c.classname} ${c.name}`)), new Set(skipped), `${id}: skipped`);
    assert.equal(cases.filter((c) => c.error).length, errors.length, `${id}: one error case per error`);
    assert.equal(suite.tests, cases.length);
    assert.equal(suite.failures, failed.size);
    assert.equal(suite.errors, errors.length);
    assert.equal(suite.skipped, skipped.length);
  }
  const cases = junit.suites.flatMap((suite) => suite.cases);
  assert.equal(junit.tests, cases.length);
  assert.equal(junit.failures, cases.filter((c) => c.failure).length);
  assert.equal(junit.errors, report.errors.length);
  assert.equal(junit.skipped, cases.filter((c) => c.skipped).length);
  // Every resource with a pod spec, in every target, is a case.
  assert.equal(cases.filter((c) => !c.error).length, report.checked.reduce((sum, c) => sum + c.checks.length, 0), 'checked covers every target');
}

function checkGithub(output: string, expected: Expected): void {
  const lines = output.trimEnd().split('\n');
  const errors = lines.filter((l) => l.startsWith('::error '));
  const notices = lines.filter((l) => l.startsWith('::notice '));
  assert.equal(errors.length, expected.open.length + expected.report.errors.length, 'one ::error per finding');
  assert.equal(notices.length, expected.suppressed.length, 'one ::notice per suppressed finding');
  for (const [index, finding] of expected.open.entries()) {
    assert.ok(errors[index]!.startsWith(`::error file=${finding.source?.file},line=${finding.source?.line},`), errors[index]);
  }
}

for (const tools of HELM_VERSIONS) {
  describe(`golden reports on ${tools.label}`, () => {
    const written = new Set<string>();
    for (const scenario of SCENARIOS) {
      test(`${scenario.name}: ${scenario.what}`, () => {
        const status = scenario.status ?? 1;
        const json = run([...scenario.args(tools), '--format', 'json']);
        assert.equal(json.status, status, json.stderr);
        const report = JSON.parse(json.stdout) as Report;
        const expected: Expected = { report, open: report.findings.filter((f) => !f.suppressed), suppressed: report.findings.filter((f) => f.suppressed) };
        for (const format of Object.keys(FORMATS) as Format[]) {
          const result = format === 'json' ? json : run([...scenario.args(tools), '--format', format]);
          assert.equal(result.status, status, `${format}: ${result.stderr}`);
          const output = normalise(format, result.stdout);
          for (const forbidden of [PROJECT_ROOT, os.tmpdir(), tools.helm]) assert.ok(!output.includes(forbidden), `${format} output names ${forbidden}`);
          assertGolden(`${scenario.name}.${FORMATS[format]}`, output, written);
          if (format === 'sarif') checkSarif(result.stdout, expected);
          if (format === 'junit') checkJunit(result.stdout, expected);
          if (format === 'github') checkGithub(result.stdout, expected);
          if (format === 'codeclimate') {
            const issues = JSON.parse(result.stdout) as { fingerprint: string; severity: string }[];
            assert.equal(issues.filter((issue) => issue.severity !== 'blocker').length, expected.open.length, 'one Code Quality issue per unsuppressed finding');
            assert.equal(issues.filter((issue) => issue.severity === 'blocker').length, report.errors.length, 'one blocker per error');
            assert.equal(new Set(issues.map((issue) => issue.fingerprint)).size, issues.length, 'unique fingerprints');
          }
          if (format === 'text') {
            const verdict = status === 2 ? 'error' : 'fail';
            const targets = scenario.targets ?? 1;
            const errors = report.errors.length;
            assert.match(output, new RegExp(`^${verdict}: \\d+ findings?, \\d+ suppressed, ${errors} errors?, .* in ${targets} targets?\\n {2}by check: `, 'm'));
          }
        }
      });
    }
  });
}
