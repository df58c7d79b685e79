// `hostns-check scan` as a user runs it: real process, exit codes, formats, configuration.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, FIXTURES, PROJECT_ROOT, assertNoStackTrace, runCli, runJson } from './support/runCli.js';
import { formatText } from '../src/report/text.js';

const manifests = path.join(FIXTURES, 'manifests');
const rel = (file: string) => path.relative(PROJECT_ROOT, path.join(manifests, file));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('scan', () => {
  test('the insecure pod: five findings grouped under their file, each with message and code frame, exit 1', () => {
    const result = runCli(['scan', rel('insecure-pod.yaml')]);
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    const file = rel('insecure-pod.yaml');
    assert.equal(lines[0], file, 'the file heading');
    // Finding lines: `  line:col  check  Kind/name[ container]`; details are indented further.
    const heads = lines.filter((l) => /^ {2}\d/.test(l));
    assert.deepEqual(heads, [
      '  6:3  host-ipc  Pod/default',
      '  7:3  host-network  Pod/default',
      '  8:3  host-pid  Pod/default',
      '  15:9  host-port  Pod/default app',
      '  17:5  run-as-user  Pod/default app',
    ]);
    const port = lines.indexOf('  15:9  host-port  Pod/default app');
    assert.deepEqual(lines.slice(port + 1, port + 4), [
      '    hostPort 443 binds port 443 on the node and ties the pod to it (none are allowed); expose it through a Service or allow the port',
      '    15 |         hostPort: 443',
      '       |         ^',
    ]);
    assert.deepEqual(lines.slice(-2), [
      'fail: 5 findings, 0 suppressed, 0 errors, 1 resource (1 pod spec) in 1 target',
      '  by check: host-ipc 1, host-network 1, host-pid 1, host-port 1, run-as-user 1',
    ]);
    assert.doesNotMatch(result.stdout, /\u001b\[/, 'no colour when stdout is not a terminal');
  });

  test('the JSON report has exactly the documented shape', () => {
    const { status, report } = runJson(['scan', rel('insecure-pod.yaml')]);
    assert.equal(status, 1);
    assert.deepEqual(Object.keys(report), ['tool', 'targets', 'findings', 'errors', 'warnings', 'checked', 'summary']);
    assert.equal(report.tool.name, 'hostns-check');
    assert.equal(report.tool.version, JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
    assert.deepEqual(report.targets, [{ type: 'manifests', path: rel('insecure-pod.yaml'), ok: true, error: null }]);
    const port = report.findings.find((f: { check: string }) => f.check === 'host-port');
    assert.deepEqual(port, {
      rule: 'k8s-host-namespace',
      check: 'host-port',
      severity: 'error',
      message: port.message,
      resource: { apiVersion: 'v1', kind: 'Pod', namespace: null, name: 'default' },
      container: 'app',
      path: 'spec.containers[0].ports[1].hostPort',
      value: 443,
      rendered: { line: 15, column: 9 },
      source: { file: rel('insecure-pod.yaml'), line: 15, exact: true, column: 9, text: '        hostPort: 443' },
      values: [],
      suppressed: false,
      suppression: null,
      notes: [],
      target: rel('insecure-pod.yaml'),
    });
    assert.deepEqual(report.checked, [
      {
        target: rel('insecure-pod.yaml'),
        resource: { apiVersion: 'v1', kind: 'Pod', namespace: null, name: 'default' },
        checks: ['host-ipc', 'host-network', 'host-pid', 'host-port', 'run-as-user'],
      },
    ]);
    assert.deepEqual(report.summary, { resources: 1, podSpecs: 1, findings: 5, suppressed: 0, errors: 0 });
  });

  test('a folder is read recursively (*.yaml, *.yml only), findings sorted by file and line', () => {
    const { status, report } = runJson(['scan', rel('folder')]);
    assert.equal(status, 1);
    assert.deepEqual(
      report.findings.map((f: { source: { file: string; line: number }; check: string }) => `${f.source.file}:${f.source.line} ${f.check}`),
      [`${rel('folder/daemonset.yml')}:9 host-network`, `${rel('folder/nested/deployment.yaml')}:13 host-port`],
    );
    assert.equal(report.findings[0].resource.namespace, 'monitoring');
    assert.equal(report.summary.resources, 2);
  });

  test('standard input with # Source: headers points at the template, not exact', () => {
    const input = readFileSync(path.join(manifests, 'helm-rendered.yaml'));
    const { status, report } = runJson(['scan', '-'], { input });
    assert.equal(status, 1);
    const { reason, ...source } = report.findings[0].source;
    assert.deepEqual(source, { file: 'app/templates/pod.yaml', line: 1, exact: false });
    assert.match(reason, /only the template file is known/);
    assert.deepEqual(report.findings[0].rendered, { line: 8, column: 3 });
    assert.equal(report.targets[0].path, '-');
  });

  test('standard input without headers has no source', () => {
    const input = readFileSync(path.join(manifests, 'insecure-pod.yaml'));
    const { report } = runJson(['scan', '-'], { input });
    assert.equal(report.findings.length, 5);
    assert.ok(report.findings.every((f: { source: unknown }) => f.source === null));
  });

  test('a document that does not parse: error with file and line, the rest still checked, exit 2', () => {
    const { status, report } = runJson(['scan', rel('broken.yaml')]);
    assert.equal(status, 2);
    assert.deepEqual(report.findings.map((f: { resource: { name: string } }) => f.resource.name), ['fine']);
    assert.equal(report.errors[0].file, rel('broken.yaml'));
    assert.ok(report.errors[0].line >= 11 && report.errors[0].line <= 12, `line ${report.errors[0].line}`);
    assert.equal(report.targets[0].ok, false);
    assert.equal(report.summary.resources, 2, 'the Pod before and the ConfigMap after the broken document');
    const text = runCli(['scan', rel('broken.yaml')]);
    assert.equal(text.status, 2);
    assert.match(text.stdout, new RegExp(`${rel('broken.yaml')}:1[12]  error  YAML syntax error`));
    assertNoStackTrace(text.stdout + text.stderr);
  });

  test('exit 0 on a clean manifest', () => {
    const input = 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n';
    const result = runCli(['scan', '-'], { input });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^pass: 0 findings, 0 suppressed, 0 errors, 1 resource \(1 pod spec\) in 1 target$/m);
  });

  test('unreadable input is exit 2, never a pass', () => {
    const empty = path.join(scratch, 'empty-folder');
    mkdirSync(empty);
    for (const args of [['scan', 'no/such/file.yaml'], ['scan', empty], ['scan']]) {
      const result = runCli(args);
      assert.equal(result.status, 2, args.join(' '));
      assertNoStackTrace(result.stdout + result.stderr);
    }
    assert.match(runCli(['scan', 'no/such/file.yaml']).stdout, /no\/such\/file.yaml  error  cannot read no\/such\/file.yaml: no such file or folder/);
    assert.match(runCli(['scan', empty]).stdout, /no \*\.yaml, \*\.yml or \*\.json files/);
    assert.match(runCli(['scan']).stderr, /give one or more files or folders, or -/);
  });

  test('bad arguments are exit 2; --help and --version are exit 0', () => {
    assert.equal(runCli(['scan', '--format', 'xml', '-']).status, 2);
    assert.equal(runCli(['scan', '--no-such-flag']).status, 2);
    assert.equal(runCli(['frobnicate']).status, 2);
    assert.equal(runCli(['--help']).status, 0);
    const version = runCli(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });
});

describe('configuration', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers:\n    - name: c\n      image: i\n      ports: [{containerPort: 80, hostPort: 8080}]\n      securityContext: {runAsUser: 5000}\n';
  const checks = (report: { findings: { check: string }[] }) => report.findings.map((f) => f.check);

  test('.hostns-check.yaml is found upward from the working directory', () => {
    const project = path.join(scratch, 'upward');
    mkdirSync(path.join(project, 'deep/er'), { recursive: true });
    writeFileSync(path.join(project, '.hostns-check.yaml'), 'minUid: 5000\nallowHostPorts: ["8000-8100"]\nchecks:\n  host-network: false\n');
    const { status, report } = runJson(['scan', '-'], { input: pod, cwd: path.join(project, 'deep/er') });
    assert.equal(status, 0, JSON.stringify(report));
    assert.deepEqual(checks(report), []);
  });

  test('--config names the file; flags override it', () => {
    const file = path.join(scratch, 'explicit.yaml');
    writeFileSync(file, 'minUid: 5000\nallowHostPorts:\n  - {min: 8080, max: 8080}\n');
    assert.deepEqual(checks(runJson(['scan', '-', '--config', file], { input: pod }).report), ['host-network']);
    assert.deepEqual(checks(runJson(['scan', '-', '--config', file, '--min-uid', '6000'], { input: pod }).report), ['host-network', 'run-as-user']);
    const ports = runJson(['scan', '-', '--allow-host-ports', '80', '--allow-host-ports', '8000-8079,8081'], { input: pod }).report;
    assert.deepEqual(checks(ports), ['host-network', 'host-port', 'run-as-user']);
    const allowed = runJson(['scan', '-', '--allow-host-ports', '80', '--allow-host-ports', '8000-8100'], { input: pod }).report;
    assert.deepEqual(checks(allowed), ['host-network', 'run-as-user']);
  });

  test('bad configuration is exit 2 naming the file and line', () => {
    const cases: [string, RegExp][] = [
      ['minUid: 10000\nchecks:\n  host-netwrok: false\n', /bad.yaml:3: unknown check "host-netwrok"/],
      ['minUid: lots\n', /bad.yaml:1: minUid must be a whole number/],
      ['allowHostPorts:\n  - 80\n  - 9000-8000\n', /bad.yaml:3: range 9000-8000 has its minimum above its maximum/],
      ['checks:\n  host-pid: maybe\n', /bad.yaml:2: checks.host-pid must be true or false/],
      ['minUid: 1\nfoo: bar\n', /bad.yaml:2: unknown setting "foo"/],
      ['minUid: [1\n', /bad.yaml:\d+: Flow sequence .* must .* end with a \]$/m],
    ];
    const file = path.join(scratch, 'bad.yaml');
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      const result = runCli(['scan', '-', '--config', file], { input: pod });
      assert.equal(result.status, 2, text);
      assert.match(result.stderr, message);
      assertNoStackTrace(result.stderr);
    }
    const missing = runCli(['scan', '-', '--config', path.join(scratch, 'absent.yaml')], { input: pod });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /absent.yaml: cannot read the configuration file: no such file$/m);
    assert.equal(runCli(['scan', '-', '--min-uid', 'ten'], { input: pod }).status, 2);
  });
});

describe('the rule page examples', () => {
  const seed = path.resolve(PROJECT_ROOT, '../shared/seed/k8s-host-namespace.txt');
  const skip = existsSync(seed) ? false : '../shared is absent (a user clone): the rule page examples live there';
  const example = (heading: string, next: string) => {
    const text = readFileSync(seed, 'utf8');
    return text.slice(text.indexOf(heading) + heading.length, text.indexOf(next));
  };

  test('the insecure example: host-ipc, host-network, host-pid, host-port 443, run-as-user', { skip }, () => {
    const { status, report } = runJson(['scan', '-'], { input: example('Insecure Example', 'Secure Example') });
    assert.equal(status, 1);
    assert.deepEqual(
      report.findings.map((f: { check: string; value: unknown }) => `${f.check}=${String(f.value)}`),
      ['host-ipc=true', 'host-network=true', 'host-pid=true', 'host-port=443', 'run-as-user=0'],
    );
  });

  test('the secure example: nothing, exit 0', { skip }, () => {
    const { status, report } = runJson(['scan', '-'], { input: example('Secure Example', 'More information') });
    assert.equal(status, 0);
    assert.deepEqual(report.findings, []);
    assert.equal(report.summary.podSpecs, 1);
  });
});

describe('text report colour', () => {
  const report = runJson(['scan', rel('insecure-pod.yaml')]).report;
  test('colour codes only when asked for', () => {
    assert.match(formatText(report, { color: true }), /\u001b\[31mhost-ipc\u001b\[0m/);
    assert.doesNotMatch(formatText(report, { color: false }), /\u001b\[/);
  });
});

describe('a reader that stops reading early (`| head`)', () => {
  // Far more report than a pipe holds (megabytes), so writes surely go on after the reader has gone:
  // with 400 pods the text report sometimes finished first, and the test passed without the guard.
  const many = path.join(scratch, 'many-pods.yaml');
  writeFileSync(
    many,
    Array.from({ length: 3000 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-${i}\nspec:\n  hostNetwork: true\n  containers:\n    - name: c\n      image: i\n`).join('---\n'),
  );

  for (const format of ['json', 'text']) {
    test(`${format}: no stack trace, and the exit code the check earned`, async () => {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [BIN, 'scan', many, '--format', format], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let received = 0;
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.stdout.once('data', (chunk: Buffer) => {
        received = chunk.length;
        child.stdout.destroy(); // what `head -c` does once it has its bytes
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.ok(received > 0, 'the report started');
      assert.equal(code, 1, stderr);
      assertNoStackTrace(stderr);
      assert.doesNotMatch(stderr, /EPIPE/);
    });
  }
});

test('standard output that cannot be written (a full disk) is exit 2 with the reason, never a pass', async (t) => {
  if (!existsSync('/dev/full')) return t.skip('no /dev/full on this system');
  const { spawnSync } = await import('node:child_process');
  const { openSync, closeSync } = await import('node:fs');
  const full = openSync('/dev/full', 'w');
  try {
    // A clean manifest: the check passes, but nobody got to read that, so it must not say 0.
    const clean = path.join(scratch, 'clean.yaml');
    writeFileSync(clean, 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n');
    const result = spawnSync(process.execPath, [BIN, 'scan', clean], { cwd: PROJECT_ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /cannot write to standard output: ENOSPC/);
    assertNoStackTrace(result.stderr);
  } finally {
    closeSync(full);
  }
});
