// The report formats beyond the golden files: --output written whole or not at all, colour only
// on a terminal, SARIF fingerprints that survive line shifts, fallbacks and escaping in every
// format, and clean and failing runs read back as their consumers would.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { buildReport } from '../src/report/buildReport.js';
import { formatReport, FORMATS } from '../src/report/formats.js';
import { fingerprintOf } from '../src/report/sarif.js';
import { targetId, type Finding, type Report } from '../src/types.js';
import { parseJunit, sarifSchemaErrors } from './support/formats.js';
import { BIN, FIXTURES, PROJECT_ROOT, assertNoStackTrace, runCli } from './support/runCli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-reports-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const INSECURE = path.relative(PROJECT_ROOT, path.join(FIXTURES, 'manifests/insecure-pod.yaml'));

function finding(fields: Partial<Finding> = {}): Finding {
  return {
    rule: 'k8s-host-namespace',
    check: 'host-network',
    severity: 'error',
    message: 'hostNetwork is true: the pod shares the node\'s network namespace; remove it or set it to false',
    resource: { apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'web' },
    container: null,
    path: 'spec.hostNetwork',
    value: true,
    rendered: { line: 7, column: 3 },
    source: { file: 'chart/templates/pod.yaml', line: 5, exact: true, column: 3, text: '  hostNetwork: {{ .Values.net }}' },
    values: [],
    suppressed: false,
    suppression: null,
    notes: [],
    target: targetId('chart'),
    ...fields,
  };
}

function report(findings: Finding[], extra: Partial<Parameters<typeof buildReport>[0]> = {}): Report {
  return buildReport({
    version: '1.2.3',
    targets: [{ type: 'helm', path: 'chart', ok: true, error: null }],
    findings,
    errors: [],
    warnings: [],
    resources: 1,
    podSpecs: 1,
    checked: [{ target: targetId('chart'), resource: findings[0]?.resource ?? { apiVersion: 'v1', kind: 'Pod', namespace: null, name: 'ok' }, checks: ['host-ipc', 'host-network'] }],
    ...extra,
  });
}

describe('--output FILE', () => {
  test('writes the same report as standard output, whole, and leaves no temporary file', () => {
    const folder = path.join(scratch, 'out');
    mkdirSync(folder);
    for (const format of FORMATS) {
      const file = path.join(folder, `report.${format}`);
      writeFileSync(file, 'an older report that must be replaced whole\n');
      const written = runCli(['scan', INSECURE, '--format', format, '--output', file]);
      assert.equal(written.status, 1, written.stderr);
      assert.equal(written.stdout, '', 'nothing on standard output');
      const printed = runCli(['scan', INSECURE, '--format', format]);
      assert.equal(readFileSync(file, 'utf8'), printed.stdout, format);
    }
    assert.deepEqual(readdirSync(folder).sort(), FORMATS.map((f) => `report.${f}`).sort(), 'no temporary files left');
  });

  test('a link is written through, a FIFO is written in place: neither is replaced by a file', { timeout: 30_000 }, async () => {
    const folder = path.join(scratch, 'links');
    mkdirSync(folder);
    const real = path.join(folder, 'real.txt');
    writeFileSync(real, 'old\n');
    symlinkSync(real, path.join(folder, 'link.txt'));
    assert.equal(runCli(['scan', INSECURE, '--format', 'json', '--output', path.join(folder, 'link.txt')]).status, 1);
    assert.ok(lstatSync(path.join(folder, 'link.txt')).isSymbolicLink(), 'the link is still a link');
    assert.equal(JSON.parse(readFileSync(real, 'utf8')).summary.findings, 5, 'the report went to the file it points at');
    const fifo = path.join(folder, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve) => {
      let text = '';
      createReadStream(fifo, 'utf8').on('data', (d) => (text += String(d))).on('end', () => resolve(text));
    });
    const result = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'scan', INSECURE, '--format', 'json', '--output', fifo]);
      child.on('close', resolve);
    });
    assert.equal(result, 1);
    assert.equal(JSON.parse(await reader).summary.findings, 5);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  });

  test('a report that cannot be written is exit 2 with a clear message, and nothing is left half-written', () => {
    const missing = runCli(['scan', INSECURE, '--output', path.join(scratch, 'no/such/folder/report.txt')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot write the report to .*no\/such\/folder\/report\.txt: its folder does not exist; nothing was written/);
    assertNoStackTrace(missing.stderr);

    const taken = path.join(scratch, 'a-folder');
    mkdirSync(path.join(taken, 'inside'), { recursive: true });
    const onFolder = runCli(['scan', INSECURE, '--format', 'sarif', '--output', taken]);
    assert.equal(onFolder.status, 2);
    assert.match(onFolder.stderr, /cannot write the report to .*a-folder: /);
    assert.deepEqual(readdirSync(taken), ['inside'], 'the folder is untouched');
    assert.deepEqual(readdirSync(scratch).filter((name) => name.endsWith('.tmp')), [], 'the temporary file is removed');
  });

  test('errors still win: a clean report written to a file is exit 0, an unreadable input exit 2', () => {
    const clean = path.join(scratch, 'clean.yaml');
    writeFileSync(clean, 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n');
    assert.equal(runCli(['scan', clean, '--output', path.join(scratch, 'clean.txt')]).status, 0);
    assert.equal(runCli(['scan', 'no/such.yaml', '--output', path.join(scratch, 'missing.txt'), '--fail-on', 'none']).status, 2);
  });
});

describe('colour', () => {
  async function textOf(args: string[], env: NodeJS.ProcessEnv, isTTY: boolean): Promise<string> {
    let out = '';
    await main(['scan', INSECURE, ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdin: (async function* () {})(),
      stdout: { write: (text: string) => (out += text), isTTY },
      stderr: { write: () => true },
    });
    return out;
  }

  test('on a terminal only, never with NO_COLOR or --no-color', async () => {
    assert.match(await textOf([], {}, true), /\u001b\[31mhost-ipc\u001b\[0m/);
    assert.doesNotMatch(await textOf([], {}, false), /\u001b\[/);
    assert.doesNotMatch(await textOf([], { NO_COLOR: '1' }, true), /\u001b\[/);
    assert.doesNotMatch(await textOf(['--no-color'], {}, true), /\u001b\[/);
    assert.doesNotMatch(await textOf(['--format', 'github'], {}, true), /\u001b\[/, 'machine formats never');
  });
});

describe('SARIF', () => {
  test('fingerprints stay across runs and line shifts, and change with the resource, container or field', () => {
    const file = path.join(scratch, 'shifting.yaml');
    const pod = (padding: string, container: string) =>
      `${padding}apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers:\n    - name: ${container}\n      image: i\n      ports: [{containerPort: 80, hostPort: 80}]\n      securityContext: {runAsUser: 10001}\n`;
    const fingerprints = (text: string) => {
      writeFileSync(file, text);
      const result = runCli(['scan', path.relative(PROJECT_ROOT, file), '--format', 'sarif']);
      const log = JSON.parse(result.stdout);
      assert.deepEqual(sarifSchemaErrors(log), []);
      return log.runs[0].results.map((r: { ruleId: string; partialFingerprints: Record<string, string>; locations: { physicalLocation: { region: { startLine: number } } }[] }) => ({
        rule: r.ruleId,
        fingerprint: r.partialFingerprints['hostnsCheckFinding/v1'],
        line: r.locations[0]!.physicalLocation.region.startLine,
      }));
    };
    const first = fingerprints(pod('', 'app'));
    const again = fingerprints(pod('', 'app'));
    const shifted = fingerprints(pod('# a comment\n# and another\n\n', 'app'));
    const renamed = fingerprints(pod('', 'sidecar'));
    assert.deepEqual(again, first, 'the same on a second run');
    assert.deepEqual(shifted.map((r: { line: number }) => r.line), first.map((r: { line: number }) => r.line + 3), 'the lines moved');
    assert.deepEqual(shifted.map((r: { fingerprint: string }) => r.fingerprint), first.map((r: { fingerprint: string }) => r.fingerprint), 'the fingerprints did not');
    assert.equal(renamed[0].fingerprint, first[0].fingerprint, 'host-network is the pod\'s: the container does not matter');
    assert.notEqual(renamed[1].fingerprint, first[1].fingerprint, 'host-port is the container\'s');
    const base = finding();
    assert.notEqual(fingerprintOf({ ...base, resource: { ...base.resource, namespace: 'team-b' } }), fingerprintOf(base));
    assert.notEqual(fingerprintOf({ ...base, path: 'spec.template.spec.hostNetwork' }), fingerprintOf(base));
    assert.equal(fingerprintOf({ ...base, source: { ...base.source!, line: 99 }, rendered: { line: 1, column: 1 } }), fingerprintOf(base));
  });

  test('the rendered location only when no source is known; a stream without one gets a logical location', () => {
    const noSource = finding({ source: null, values: [{ key: 'net', file: '--set', line: null, layer: 'user' }] });
    const stdin = finding({ source: null, target: targetId('-') });
    const withError = report([noSource, stdin], {
      errors: [{ target: targetId('chart'), file: 'chart', line: null, message: 'helm template failed' }],
      warnings: [{ target: targetId('chart'), file: '<stdin>', line: 3, message: 'duplicate key' }],
    });
    const log = JSON.parse(formatReport(withError, 'sarif', { color: false }));
    assert.deepEqual(sarifSchemaErrors(log), []);
    const resultOf = (target: string) => log.runs[0].results.find((r: { properties: { target: string } }) => r.properties.target === target);
    const [rendered, logical] = [resultOf('chart'), resultOf('-')];
    assert.deepEqual(rendered.locations[0].physicalLocation, { artifactLocation: { uri: 'chart', uriBaseId: '%SRCROOT%' }, region: { startLine: 7, startColumn: 3 } });
    assert.match(rendered.locations[0].message.text, /rendered output of chart/);
    assert.deepEqual(rendered.relatedLocations, [{ id: 1, message: { text: 'set by net (user values) with --set' } }]);
    assert.equal(logical.locations[0].physicalLocation, undefined);
    assert.deepEqual(logical.locations[0].logicalLocations, [{ name: 'web', fullyQualifiedName: 'Pod/team-a/web', kind: 'resource' }]);
    const invocation = log.runs[0].invocations[0];
    assert.equal(invocation.executionSuccessful, false);
    assert.deepEqual(invocation.toolExecutionNotifications.map((n: { level: string }) => n.level), ['error', 'warning']);
  });

  test('a value set in a values file: that line is the primary location, the template line the first related one; fingerprints do not move', () => {
    const fromValues = finding({
      values: [
        { key: 'net', file: 'prod.yaml', line: 4, layer: 'user' },
        { key: 'net', file: 'chart/values.yaml', line: 2, layer: 'chart' },
      ],
    });
    const fromSet = finding({ check: 'host-pid', values: [{ key: 'pid', file: '--set', line: null, layer: 'user' }] });
    const log = JSON.parse(formatReport(report([fromValues, fromSet]), 'sarif', { color: false }));
    assert.deepEqual(sarifSchemaErrors(log), []);
    const [valuesResult, setResult] = log.runs[0].results;
    assert.deepEqual(valuesResult.locations[0].physicalLocation, { artifactLocation: { uri: 'prod.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 4 } });
    assert.deepEqual(
      valuesResult.relatedLocations.map((l: { id: number; physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; message: { text: string } }) => [
        l.id,
        l.physicalLocation.artifactLocation.uri,
        l.physicalLocation.region.startLine,
        l.message.text,
      ]),
      [
        [1, 'chart/templates/pod.yaml', 5, 'template line that writes the key'],
        [2, 'chart/values.yaml', 2, 'set by net (chart values)'],
      ],
    );
    assert.deepEqual(valuesResult.relatedLocations[0].physicalLocation.region, { startLine: 5, startColumn: 3, snippet: { text: '  hostNetwork: {{ .Values.net }}' } });
    assert.match(valuesResult.message.text, /Set here \(net, user values\); the template line that writes the key is \[chart\/templates\/pod\.yaml:5\]\(1\)\.$/);
    // A --set has no line to point at: the template line stays the primary location.
    assert.equal(setResult.locations[0].physicalLocation.artifactLocation.uri, 'chart/templates/pod.yaml');
    assert.deepEqual(setResult.relatedLocations, [{ id: 1, message: { text: 'set by pid (user values) with --set' } }]);
    // Where the alert is shown is not what identifies it: the same finding keeps its fingerprint.
    assert.equal(valuesResult.partialFingerprints['hostnsCheckFinding/v1'], fingerprintOf(finding()));
  });

  test("run: a named target's finding with no source file points at the target's path, not its name (SARIF and GitHub)", () => {
    const named = finding({ source: null, target: targetId('agent[prod]') });
    const runReport = report([named], { targets: [{ type: 'helm', path: 'charts/agent', ok: true, error: null, name: 'agent[prod]' }] });
    const log = JSON.parse(formatReport(runReport, 'sarif', { color: false }));
    assert.equal(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'charts/agent');
    assert.equal(log.runs[0].results[0].properties.target, 'agent[prod]');
    const github = formatReport(runReport, 'github', { color: false });
    assert.match(github, /^::error file=charts\/agent,title=/m);
    const junit = parseJunit(formatReport(runReport, 'junit', { color: false }));
    assert.deepEqual(junit.suites.map((suite) => [suite.name, suite.failures]), [['agent[prod]', 1]]);
  });

  test('suppressions: in source for comments and annotations, external for exemptions', () => {
    const suppressed = [
      finding({ suppressed: true, suppression: { kind: 'inline', reason: 'needed', file: 'chart/templates/pod.yaml', line: 4 } }),
      finding({ check: 'host-pid', suppressed: true, suppression: { kind: 'exemption', reason: 'vendor', file: '.hostns-check.yaml', line: 2, expires: '2030-01-01' } }),
    ];
    const log = JSON.parse(formatReport(report(suppressed), 'sarif', { color: false }));
    assert.deepEqual(sarifSchemaErrors(log), []);
    assert.deepEqual(
      log.runs[0].results.map((r: { suppressions: { kind: string; justification: string }[] }) => `${r.suppressions[0]!.kind} ${r.suppressions[0]!.justification}`),
      ['inSource needed', 'external vendor'],
    );
  });

  test('the schema check is not vacuous', () => {
    const log = JSON.parse(formatReport(report([finding()]), 'sarif', { color: false }));
    log.runs[0].results[0].level = 'fatal';
    delete log.runs[0].tool.driver.name;
    assert.equal(sarifSchemaErrors(log).length, 2);
  });

  test('--help-base moves every help link; it must be an absolute URL', () => {
    const result = runCli(['scan', INSECURE, '--format', 'sarif', '--help-base', 'https://docs.example.org/hostns-check/README.md#old']);
    const rules = JSON.parse(result.stdout).runs[0].tool.driver.rules;
    assert.deepEqual(rules.map((r: { helpUri: string }) => r.helpUri).slice(0, 2), [
      'https://docs.example.org/hostns-check/README.md#host-ipc',
      'https://docs.example.org/hostns-check/README.md#host-network',
    ]);
    const bad = runCli(['scan', INSECURE, '--format', 'sarif', '--help-base', 'README.md']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--help-base must be an absolute URL/);
  });
});

describe('escaping and edge cases', () => {
  const awkward = finding({
    message: 'value "100%" <&> on\nnew line',
    resource: { apiVersion: 'v1', kind: 'Pod', namespace: null, name: 'a,b:c' },
    source: { file: 'dir, with: comma/pod.yaml', line: 2, exact: false },
    notes: ['control \u0001 character'],
  });

  test('GitHub workflow commands escape %, newlines, and , and : in properties', () => {
    const lines = formatReport(report([awkward]), 'github', { color: false }).trimEnd().split('\n');
    assert.equal(lines.length, 2, 'one command and the summary line: a newline in a message never starts a new command');
    assert.equal(
      lines[0],
      '::error file=dir%2C with%3A comma/pod.yaml,line=2,title=hostns-check host-network%3A Pod/a%2Cb%3Ac::value "100%25" <&> on%0Anew line%0Anote: control \\x01 character',
    );
  });

  test('JUnit escapes markup and shows characters XML cannot carry as escapes; a parser reads it back', () => {
    const junit = parseJunit(formatReport(report([awkward]), 'junit', { color: false }));
    const suite = junit.suites[0]!;
    assert.equal(suite.name, 'chart');
    assert.deepEqual(suite.properties, { type: 'helm' });
    const failed = suite.cases.find((c) => c.failure);
    assert.equal(failed?.failure?.message, 'value "100%" <&> on\nnew line');
    assert.match(failed?.failure?.text ?? '', /note: control \\x01 character/);
    assert.equal(failed?.classname, 'Pod/a,b:c');
  });

  test('a clean run and a failed render in every format: exit codes, valid SARIF, a JUnit error case', () => {
    const clean = path.join(scratch, 'all-clean.yaml');
    writeFileSync(clean, 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n');
    for (const format of FORMATS) {
      const ok = runCli(['scan', clean, '--format', format]);
      assert.equal(ok.status, 0, format);
      const broken = runCli(['scan', path.relative(PROJECT_ROOT, path.join(FIXTURES, 'manifests/broken.yaml')), '--format', format]);
      assert.equal(broken.status, 2, format);
      if (format === 'sarif') {
        for (const output of [ok.stdout, broken.stdout]) assert.deepEqual(sarifSchemaErrors(JSON.parse(output)), []);
        assert.equal(JSON.parse(broken.stdout).runs[0].invocations[0].executionSuccessful, false);
      }
      if (format === 'junit') {
        const passing = parseJunit(ok.stdout);
        assert.deepEqual([passing.tests, passing.failures, passing.errors], [5, 0, 0], 'five passing checks on the one pod');
        const failing = parseJunit(broken.stdout);
        assert.equal(failing.errors, 1);
        assert.match(failing.suites[0]!.cases.find((c) => c.error)?.error?.message ?? '', /YAML syntax error/);
      }
      if (format === 'github') assert.match(broken.stdout, /^::error file=test\/fixtures\/manifests\/broken\.yaml,line=1[12],title=hostns-check error%3A .*::YAML syntax error/m);
    }
  });
});
