// `--base REF` and `--baseline FILE` on real git repositories the tests create, with the real Helm
// 3.17.2 and 4.1.4 and kubectl kustomize: new, existing and fixed findings, `--fail-on new`, a base
// that does not render, targets added and removed, and the user's work tree, index and stash
// left exactly as they were.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Finding, Report } from '../src/types.js';
import { parseJunit, sarifSchemaErrors } from './support/formats.js';
import { assertNoStackTrace, runCli } from './support/runCli.js';
import { HELM_VERSIONS } from './support/tools.js';
import { treeDigest } from './support/treeDigest.js';
import { gitIn } from './support/git.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-review-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function git(dir: string, ...args: string[]): string {
  return gitIn(dir, scratch, ...args);
}

function write(dir: string, files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (text === null) {
      rmSync(file, { force: true });
      continue;
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

function commit(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
}

let repos = 0;
/** A repository whose first commit (tagged `base`) holds these files. */
function repo(files: Record<string, string | null>): string {
  const dir = path.join(scratch, `repo-${++repos}`);
  mkdirSync(dir);
  git(dir, 'init', '-q');
  write(dir, files);
  commit(dir, 'base');
  git(dir, 'tag', 'base');
  return dir;
}

const CHART = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'chart/values.yaml': 'hostNetwork: false\nhostPID: true\n',
  'chart/templates/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: {{ .Values.hostNetwork }}
      hostPID: {{ .Values.hostPID }}
      containers:
        - name: app
          image: nginx
          securityContext:
            runAsUser: 20000
`,
  'README.md': 'a chart\n',
};

type Compared = Report & { comparison: NonNullable<Report['comparison']>; fixed: Finding[] };

function states(report: Report): string[] {
  return report.findings.map((f) => `${f.check}:${f.baseline ?? '-'}`).sort();
}

for (const tools of HELM_VERSIONS) {
  describe(`--base with ${tools.label}`, () => {
    const cli = (dir: string, args: string[]) => {
      const result = runCli([...args, '--helm', tools.helm], { cwd: dir });
      assertNoStackTrace(result.stdout + result.stderr);
      return result;
    };
    const json = (dir: string, args: string[]) => {
      const result = cli(dir, [...args, '--format', 'json']);
      return { ...result, report: JSON.parse(result.stdout) as Compared };
    };

    test('a values change that turns on hostNetwork is new, with its values line; the rest is existing', () => {
      const dir = repo(CHART);
      write(dir, { 'chart/values.yaml': 'hostNetwork: true\nhostPID: true\n' });
      const { status, report } = json(dir, ['helm', 'chart', '--base', 'base']);
      assert.equal(status, 1);
      assert.deepEqual(states(report), ['host-network:new', 'host-pid:existing']);
      const added = report.findings.find((f) => f.check === 'host-network')!;
      assert.deepEqual(added.values.map((v) => `${v.file}:${v.line}`), ['chart/values.yaml:1']);
      assert.equal(added.source?.file, 'chart/templates/web.yaml');
      assert.deepEqual({ ...report.comparison, base: report.comparison.base.replace(/\(\w+\)/, '(C)') }, { base: 'base (C)', new: 1, existing: 1, fixed: 0, unavailable: [] });
      assert.deepEqual(report.fixed, []);
      const text = cli(dir, ['helm', 'chart', '--base', 'base']).stdout;
      assert.match(text.split('\n')[0]!, /^Compared with base \([0-9a-f]{12}\): this change adds 1 finding, fixes none; 1 was already there\.$/);
      assert.match(text, /host-network {2}Deployment\/web {2}new/);
      assert.match(text, /host-pid {2}Deployment\/web {2}existing/);
    });

    test('an unrelated change leaves every finding existing; a template moved to other lines too', () => {
      const dir = repo(CHART);
      const template = CHART['chart/templates/web.yaml'];
      write(dir, {
        'README.md': 'a chart, described\n',
        'chart/values.yaml': '# a comment\n\nhostNetwork: false\nhostPID: true\n',
        'chart/templates/web.yaml': `# moved\n\n\n${template.replace('name: web\n', 'name: web\n  labels:\n    app: web\n')}`,
      });
      const { status, report } = json(dir, ['helm', 'chart', '--base', 'base']);
      assert.equal(status, 1);
      assert.deepEqual(states(report), ['host-pid:existing']);
      assert.equal(report.findings[0]!.source?.line, 14, 'the finding is on another line than at the base');
      assert.deepEqual([report.comparison.new, report.comparison.existing, report.comparison.fixed], [0, 1, 0]);
      assert.equal(cli(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']).status, 0, 'nothing new: --fail-on new passes');
      assert.equal(cli(dir, ['helm', 'chart', '--base', 'base']).status, 1, 'the default --fail-on error still fails on existing findings');
    });

    test('a fix is fixed, and shown in every format', () => {
      const dir = repo(CHART);
      write(dir, { 'chart/values.yaml': 'hostNetwork: false\nhostPID: false\n' });
      const { status, report } = json(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']);
      assert.equal(status, 0);
      assert.deepEqual(states(report), []);
      assert.deepEqual(report.fixed.map((f) => `${f.check}:${f.source?.file}:${f.source?.line}`), ['host-pid:chart/templates/web.yaml:9']);
      assert.match(cli(dir, ['helm', 'chart', '--base', 'base']).stdout, /this change adds no findings, fixes 1\.[\s\S]*fixed since base \(\w+\)\n {2}chart\/templates\/web\.yaml:9 {2}host-pid {2}Deployment\/web/);
      const sarif = JSON.parse(cli(dir, ['helm', 'chart', '--base', 'base', '--format', 'sarif']).stdout);
      assert.deepEqual(sarifSchemaErrors(sarif), []);
      assert.deepEqual(sarif.runs[0].results.map((r: { baselineState: string; kind: string }) => `${r.baselineState}:${r.kind}`), ['absent:pass']);
    });

    test('--fail-on new: 1 for a new finding, 0 for existing ones, 2 for a head that does not render', () => {
      const dir = repo(CHART);
      assert.equal(cli(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']).status, 0, 'the base itself: all existing');
      write(dir, { 'chart/values.yaml': 'hostNetwork: true\nhostPID: true\n' });
      assert.equal(cli(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']).status, 1);
      write(dir, { 'chart/templates/web.yaml': '{{ .Values.nope.nope }}\n' });
      assert.equal(cli(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']).status, 2);
      const without = cli(dir, ['helm', 'chart', '--fail-on', 'new']);
      assert.equal(without.status, 2);
      assert.match(without.stderr, /--fail-on new needs something to compare with/);
    });

    test('every format marks new and existing findings', () => {
      const dir = repo(CHART);
      write(dir, { 'chart/values.yaml': 'hostNetwork: true\nhostPID: true\n' });
      const sarif = JSON.parse(cli(dir, ['helm', 'chart', '--base', 'base', '--format', 'sarif']).stdout);
      assert.deepEqual(sarifSchemaErrors(sarif), []);
      assert.deepEqual(sarif.runs[0].results.map((r: { ruleId: string; baselineState: string }) => `${r.ruleId}:${r.baselineState}`).sort(), ['host-network:new', 'host-pid:unchanged']);
      const github = cli(dir, ['helm', 'chart', '--base', 'base', '--format', 'github']).stdout;
      assert.match(github, /^::error .*host-network/m);
      assert.match(github, /^::notice .*host-pid.*already there before this change/m);
      assert.match(github, /compared with base \(\w+\): 1 new, 1 existing, 0 fixed/);
      const junit = parseJunit(cli(dir, ['helm', 'chart', '--base', 'base', '--format', 'junit']).stdout);
      const outcomes = junit.suites.flatMap((s) => s.cases).filter((c) => c.name !== 'run-as-user').map((c) => `${c.name}:${c.failure ? 'failed' : c.skipped ? 'skipped' : 'passed'}`).sort();
      assert.deepEqual(outcomes, ['host-ipc:passed', 'host-network:failed', 'host-pid:skipped', 'host-port:passed']);
    });

    test('a base that does not render is a warning; the head is still checked and every finding is new', () => {
      const dir = repo({ ...CHART, 'chart/templates/web.yaml': '{{ .Values.nope.nope }}\n' });
      write(dir, { 'chart/templates/web.yaml': CHART['chart/templates/web.yaml'] });
      const { status, report } = json(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']);
      assert.equal(status, 1);
      assert.deepEqual(states(report), ['host-pid:new']);
      assert.deepEqual(report.errors, []);
      assert.deepEqual(report.comparison.unavailable, ['chart']);
      assert.match(report.warnings.map((w) => w.message).join('\n'), /at the base base \(\w+\) this target could not be rendered/);
      assert.doesNotMatch(JSON.stringify(report), /hostns-check-base-/, 'no scratch path reaches the report');
    });

    test('a chart the base does not have is all new', () => {
      const dir = repo({ 'README.md': 'empty\n' });
      write(dir, CHART);
      const { status, report } = json(dir, ['helm', 'chart', '--base', 'base', '--fail-on', 'new']);
      assert.equal(status, 1);
      assert.deepEqual(states(report), ['host-pid:new']);
      assert.deepEqual(report.warnings, []);
    });

    test('run: a target added is all new, one removed all fixed, a changed one compared', () => {
      const other = Object.fromEntries(Object.entries(CHART).filter(([name]) => name.startsWith('chart/')).map(([name, text]) => [name.replace('chart/', 'other/'), text]));
      const dir = repo({
        ...CHART,
        ...other,
        '.hostns-check.yaml': 'targets:\n  - helm: chart\n    name: web\n  - helm: other\n    name: old\n',
      });
      write(dir, {
        '.hostns-check.yaml': 'targets:\n  - helm: chart\n    name: web\n  - helm: other\n    name: fresh\n    set:\n      hostNetwork: true\n',
        'chart/values.yaml': 'hostNetwork: true\nhostPID: true\n',
      });
      const { status, report } = json(dir, ['run', '--base', 'base', '--fail-on', 'new']);
      assert.equal(status, 1);
      assert.deepEqual(
        report.findings.map((f) => `${f.target}:${f.check}:${f.baseline}`).sort(),
        ['fresh:host-network:new', 'fresh:host-pid:new', 'web:host-network:new', 'web:host-pid:existing'],
      );
      assert.deepEqual(report.fixed.map((f) => `${f.target}:${f.check}`), ['old:host-pid']);
      assert.deepEqual([report.comparison.new, report.comparison.existing, report.comparison.fixed], [3, 1, 1]);
    });

    test('the work tree, index and stash are left exactly as they were', () => {
      const dir = repo(CHART);
      write(dir, { 'chart/values.yaml': 'hostNetwork: true\nhostPID: true\n' });
      git(dir, 'stash', '-q');
      write(dir, { 'chart/values.yaml': 'hostNetwork: true\nhostPID: false\n', 'staged.txt': 'staged\n' });
      git(dir, 'add', 'staged.txt');
      write(dir, { 'untracked.txt': 'untracked\n', 'README.md': 'edited\n' });
      // The digest first, and git's own reads without their optional index refresh.
      const snapshot = () => ({
        files: treeDigest(dir, { mtimes: true }),
        status: git(dir, '--no-optional-locks', 'status', '--porcelain', '--untracked-files=all'),
        stash: git(dir, 'stash', 'list'),
        cached: git(dir, 'diff', '--cached'),
        head: git(dir, 'rev-parse', 'HEAD'),
        refs: git(dir, 'for-each-ref'),
        index: readFileSync(path.join(dir, '.git', 'index')).toString('base64'),
      });
      const before = snapshot();
      const { status, report } = json(dir, ['helm', 'chart', '--base', 'base']);
      assert.equal(status, 1);
      assert.deepEqual(states(report), ['host-network:new']);
      assert.deepEqual(report.fixed.map((f) => f.check), ['host-pid']);
      assert.deepEqual(snapshot(), before);
      assert.deepEqual(readdirSync(os.tmpdir()).filter((name) => name.startsWith(`hostns-check-base-`) && name.includes(`-${process.pid}-`)), []);
    });

    test('--base outside a git work tree, or naming no commit, is exit 2 with a message', () => {
      const plain = path.join(scratch, `plain-${tools.label}`);
      write(plain, CHART);
      const outside = cli(plain, ['helm', 'chart', '--base', 'main']);
      // The scratch folder may sit inside some repository; only a real work tree would be wrong here.
      if (!/inside a git work tree/.test(outside.stderr)) assert.match(outside.stderr, /no such commit/);
      assert.equal(outside.status, 2);
      const dir = repo(CHART);
      const unknown = cli(dir, ['helm', 'chart', '--base', 'no-such-branch']);
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /--base no-such-branch: no such commit/);
      assert.equal(cli(dir, ['helm', 'chart', '--base', '--upload-pack=x']).status, 2);
    });
  });
}

describe('--base with kubectl kustomize', () => {
  const [tools] = HELM_VERSIONS;
  const BASE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: app
          image: nginx
          securityContext:
            runAsUser: 20000
`;
  test('an overlay change that adds hostNetwork is new; the base resource\'s finding existing', () => {
    const dir = repo({
      'deploy/base/kustomization.yaml': 'resources: [api.yaml]\n',
      'deploy/base/api.yaml': BASE,
      'deploy/prod/kustomization.yaml': 'resources: [../base]\nnamespace: prod\n',
    });
    write(dir, {
      'deploy/prod/kustomization.yaml': 'resources: [../base]\nnamespace: prod\npatches:\n  - path: net.yaml\n',
      'deploy/prod/net.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      hostNetwork: true\n',
    });
    const result = runCli(['kustomize', 'deploy/prod', '--kustomize', tools.kubectl, '--base', 'base', '--format', 'json', '--fail-on', 'new'], { cwd: dir });
    assertNoStackTrace(result.stderr);
    const report = JSON.parse(result.stdout) as Compared;
    assert.equal(result.status, 1, result.stderr);
    assert.deepEqual(states(report), ['host-network:new', 'host-pid:existing']);
    assert.equal(report.findings.find((f) => f.check === 'host-network')!.source?.file, 'deploy/prod/net.yaml');
  });
});

describe('--baseline FILE', () => {
  const [tools] = HELM_VERSIONS;
  const cli = (dir: string, args: string[]) => {
    const result = runCli([...args, '--helm', tools.helm], { cwd: dir });
    assertNoStackTrace(result.stdout + result.stderr);
    return result;
  };

  test('written and read back: the same state is all existing; a new finding is new; one suppressed since is not new', () => {
    const dir = path.join(scratch, 'baseline');
    write(dir, CHART);
    const written = cli(dir, ['helm', 'chart', '--write-baseline', 'hostns-baseline.json']);
    assert.equal(written.status, 1);
    const saved = JSON.parse(readFileSync(path.join(dir, 'hostns-baseline.json'), 'utf8')) as Report;
    assert.deepEqual(saved.findings.map((f) => f.check), ['host-pid']);
    assert.equal(saved.comparison, undefined);

    assert.equal(cli(dir, ['helm', 'chart', '--baseline', 'hostns-baseline.json', '--fail-on', 'new']).status, 0);
    write(dir, {
      'chart/values.yaml': 'hostNetwork: true\nhostPID: true\n',
      'chart/templates/web.yaml': CHART['chart/templates/web.yaml'].replace('      hostPID:', '      # hostns-check:ignore host-pid the agent lists node processes\n      hostPID:'),
    });
    const result = cli(dir, ['helm', 'chart', '--baseline', 'hostns-baseline.json', '--fail-on', 'new', '--format', 'json']);
    const report = JSON.parse(result.stdout) as Compared;
    assert.equal(result.status, 1);
    assert.deepEqual(states(report), ['host-network:new', 'host-pid:existing']);
    assert.equal(report.findings.find((f) => f.check === 'host-pid')!.suppressed, true);
    assert.deepEqual([report.comparison.new, report.comparison.existing, report.comparison.fixed], [1, 0, 0]);
    assert.equal(report.comparison.base, 'hostns-baseline.json');

    // Only the suppression changed: nothing new.
    write(dir, { 'chart/values.yaml': 'hostNetwork: false\nhostPID: true\n' });
    assert.equal(cli(dir, ['helm', 'chart', '--baseline', 'hostns-baseline.json', '--fail-on', 'new']).status, 0);
  });

  test('a baseline that is not a report is exit 2 naming the file; --base with --baseline too', () => {
    const dir = path.join(scratch, 'bad-baseline');
    write(dir, { ...CHART, 'bad.json': '{"findings": 3}', 'text.json': 'nope' });
    for (const [file, message] of [
      ['bad.json', /--baseline bad\.json: is not a hostns-check JSON report/],
      ['text.json', /--baseline text\.json: is not JSON/],
      ['missing.json', /--baseline missing\.json: no such file/],
    ] as const) {
      const result = cli(dir, ['helm', 'chart', '--baseline', file]);
      assert.equal(result.status, 2);
      assert.match(result.stderr, message);
    }
    const both = cli(dir, ['helm', 'chart', '--baseline', 'bad.json', '--base', 'main']);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /not both/);
  });
});
