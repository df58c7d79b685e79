// `hostns-check run`: every configured target in one report, valueSets, a failing target among
// good ones, --only, and byte-identical reports whatever the concurrency.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, assertNoStackTrace, runCli } from './support/runCli.js';
import { HELM_VERSIONS } from './support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-run-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

for (const name of ['insecure-pod', 'umbrella', 'failing']) cpSync(path.join(PROJECT_ROOT, 'charts-fixtures', name), path.join(scratch, 'charts', name), { recursive: true });
cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/kustomize'), path.join(scratch, 'kustomize'), { recursive: true });
cpSync(path.join(PROJECT_ROOT, 'test/fixtures/manifests/folder'), path.join(scratch, 'rendered'), { recursive: true });
writeFileSync(
  path.join(scratch, '.hostns-check.yaml'),
  `# every kind of target
targets:
  - helm: charts/insecure-pod
    name: demo
    valueSets:
      - []
      - [charts/insecure-pod/values-secure.yaml]
  - helm: charts/umbrella
    name: umbrella
    set:
      agent.hostNetwork: true
  - helm: charts/failing
    name: failing
  - kustomize: kustomize/overlays/prod
    name: prod
  - manifests: "rendered/**/*.y*ml"
    name: rendered
`,
);

const [tools] = HELM_VERSIONS;
const run = (args: string[]) => runCli(['run', '--helm', tools.helm, '--format', 'json', ...args], { cwd: scratch });

interface Report {
  targets: { name: string; ok: boolean; type: string }[];
  findings: { target: string; check: string; resource: { name: string }; introducedBy?: string; values: { file: string }[] }[];
  errors: { target: string; message: string }[];
}

test('run checks every target, each finding naming its target; a failing target does not stop the others', () => {
  const result = run([]);
  assertNoStackTrace(result.stdout + result.stderr);
  assert.equal(result.status, 2, 'the failing target makes the run exit 2');
  const report: Report = JSON.parse(result.stdout);
  assert.deepEqual(
    report.targets.map((t) => `${t.name}:${t.type}:${t.ok}`),
    ['demo[defaults]:helm:true', 'demo[values-secure.yaml]:helm:true', 'umbrella:helm:true', 'failing:helm:false', 'prod:kustomize:true', 'rendered:manifests:true'],
  );
  const byTarget = (name: string) => report.findings.filter((f) => f.target === name).map((f) => f.check).sort();
  assert.deepEqual(byTarget('demo[defaults]'), ['host-ipc', 'host-network', 'host-pid', 'host-port', 'run-as-user']);
  assert.deepEqual(byTarget('demo[values-secure.yaml]'), []);
  assert.deepEqual(byTarget('umbrella'), ['host-network', 'host-port']);
  assert.ok(byTarget('prod').length > 0);
  assert.deepEqual(byTarget('rendered'), ['host-network', 'host-port']);
  assert.equal(report.errors.length, 1);
  assert.equal(report.errors[0]!.target, 'failing');
  assert.match(report.errors[0]!.message, /image is required/);
  const agent = report.findings.find((f) => f.target === 'umbrella' && f.check === 'host-network');
  assert.equal(agent?.introducedBy, 'overrides', 'set: in a target is an override');
  // Progress in CI: one line per target as it completes.
  assert.equal(result.stderr.split('\n').filter((l) => /^hostns-check: \[\d\/6\] /.test(l)).length, 6, result.stderr);
});

test('--only checks the named targets; a valueSets name covers all its sets', () => {
  const result = run(['--only', 'demo', '--only', 'rendered']);
  assert.equal(result.status, 1);
  const report: Report = JSON.parse(result.stdout);
  assert.deepEqual(report.targets.map((t) => t.name), ['demo[defaults]', 'demo[values-secure.yaml]', 'rendered']);
  const unknown = run(['--only', 'nope']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--only names no configured target: nope/);
});

test('the report is byte-identical whatever the concurrency', () => {
  const one = run(['--concurrency', '1']);
  const four = run(['--concurrency', '4']);
  assert.equal(one.status, four.status);
  assert.equal(four.stdout, one.stdout);
  for (const format of ['text', 'sarif', 'junit']) {
    const a = runCli(['run', '--helm', tools.helm, '--format', format, '--concurrency', '1'], { cwd: scratch });
    const b = runCli(['run', '--helm', tools.helm, '--format', format, '--concurrency', '3'], { cwd: scratch });
    assert.equal(b.stdout, a.stdout, format);
  }
});

test('bad targets configuration: exit 2 with the file and line', () => {
  const dir = mkdtempSync(path.join(scratch, 'bad-'));
  const cases: [string, RegExp][] = [
    ['targets:\n  - helm: a\n    kustomize: b\n', /\.hostns-check\.yaml:2: each target needs exactly one of helm, kustomize or manifests/],
    ['targets:\n  - helm: a\n    valuez: [x]\n', /\.hostns-check\.yaml:3: unknown setting "valuez" for a helm target/],
    ['targets:\n  - helm: a\n  - helm: a\n', /two targets are named "a"/],
    ['targets: {}\n', /\.hostns-check\.yaml:1: targets must be a list/],
    ['minUid: 10000\n', /no targets/],
  ];
  for (const [text, message] of cases) {
    writeFileSync(path.join(dir, '.hostns-check.yaml'), text);
    const result = runCli(['run', '--helm', tools.helm], { cwd: dir });
    assert.equal(result.status, 2, text);
    assert.match(result.stderr, message);
    assertNoStackTrace(result.stderr);
  }
  assert.equal(runCli(['run', '--concurrency', '0', '--helm', tools.helm], { cwd: scratch }).status, 2);
});

// The chart's files are shared between these targets (chartTrees.test.ts counts the reads); their
// values files are not: each finding names the values lines of its own set.
test('value sets of one chart: each finding names the values lines of its own set', () => {
  const dir = path.join(scratch, 'shared-tree');
  cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), path.join(dir, 'chart'), { recursive: true });
  writeFileSync(path.join(dir, 'hostnet.yaml'), '# turns it back on\nhostNetwork: true\n');
  writeFileSync(
    path.join(dir, '.hostns-check.yaml'),
    'targets:\n  - helm: chart\n    name: env\n    valueSets:\n      - []\n      - [chart/values-secure.yaml, hostnet.yaml]\n      - [chart/values-secure.yaml]\n',
  );
  const result = runCli(['run', '--helm', tools.helm, '--format', 'json', '--concurrency', '1'], { cwd: dir });
  assert.equal(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout) as { findings: { target: string; check: string; source: { file: string; line: number }; values: { file: string; line: number }[] }[] };
  const hostNetwork = report.findings.filter((f) => f.check === 'host-network').map((f) => [f.target, f.source.file, f.source.line, f.values.map((v) => `${v.file}:${v.line}`)]);
  assert.deepEqual(hostNetwork, [
    ['env[defaults]', path.join('chart', 'templates', 'pod.yaml'), 9, [`${path.join('chart', 'values.yaml')}:3`]],
    // The line that wins first, then the ones it overrides.
    ['env[values-secure.yaml+hostnet.yaml]', path.join('chart', 'templates', 'pod.yaml'), 9, ['hostnet.yaml:2', `${path.join('chart', 'values-secure.yaml')}:2`, `${path.join('chart', 'values.yaml')}:3`]],
  ]);
  assert.deepEqual(report.findings.filter((f) => f.target === 'env[values-secure.yaml]'), []);
});
