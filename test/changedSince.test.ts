// `run --changed-since REF` on a git repository the test creates: a library chart used by two
// charts, a shared values file used by two targets, overlays with a base and a component, and a
// manifests glob. Each change (committed, uncommitted, untracked, deleted) selects exactly the
// targets whose inputs it touches; the configuration file changing selects every target.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Report } from '../src/types.js';
import { globPattern } from '../src/targets/targetInputs.js';
import { gitIn } from './support/git.js';
import { assertNoStackTrace, runCli } from './support/runCli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hostns-changed-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function git(...args: string[]): void {
  gitIn(dir, dir, ...args);
}

function write(files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (text === null) rmSync(file, { force: true, recursive: true });
    else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
}

const pod = (name: string, hostNetwork = false) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  hostNetwork: ${hostNetwork}\n  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        runAsUser: 20000\n`;
const chartUsingLib = (name: string) => ({
  [`charts/${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://../lib\n`,
  [`charts/${name}/values.yaml`]: 'hostNetwork: false\n',
  [`charts/${name}/templates/pod.yaml`]: '{{ include "lib.pod" . }}\n',
});

write({
  'charts/lib/Chart.yaml': 'apiVersion: v2\nname: lib\ntype: library\nversion: 0.1.0\n',
  'charts/lib/templates/_pod.tpl': '{{- define "lib.pod" -}}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n    - name: c\n      image: nginx\n{{- end }}\n',
  ...chartUsingLib('a'),
  ...chartUsingLib('b'),
  'charts/c/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
  'charts/c/charts/vendored/Chart.yaml': 'apiVersion: v2\nname: vendored\nversion: 0.1.0\n',
  'charts/c/templates/pod.yaml': pod('c'),
  'values/shared.yaml': 'hostNetwork: false\n',
  'values/b.yaml': 'hostNetwork: false\n',
  'k/base/kustomization.yaml': 'resources:\n  - pod.yaml\n',
  'k/base/pod.yaml': pod('k'),
  'k/components/extra/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: ../../patches/extra.yaml\n',
  'k/patches/extra.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: k\nspec:\n  hostPID: false\n',
  'k/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\ncomponents:\n  - ../../components/extra\npatches:\n  - path: patch.yaml\n',
  'k/overlays/prod/patch.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: k\nspec:\n  hostIPC: false\n',
  'k/overlays/dev/kustomization.yaml': 'resources:\n  - ../../base\n',
  'm/one.yaml': pod('one'),
  'README.md': 'a repository\n',
  '.gitignore': 'ignored/\n',
  '.hostns-check.yaml': `targets:
  - helm: charts/a
    name: a
    values: [values/shared.yaml]
  - helm: charts/b
    name: b
    values: [values/b.yaml]
  - helm: charts/c
    name: c
    values: [values/shared.yaml]
  - kustomize: k/overlays/prod
    name: prod
  - kustomize: k/overlays/dev
    name: dev
  - manifests: "m/*.yaml"
    name: plain
`,
});
git('init', '-q');
git('add', '-A');
git('commit', '-q', '-m', 'base');
git('tag', 'base');

function selected(ref = 'base'): string[] {
  const result = runCli(['run', '--list', '--format', 'json', '--changed-since', ref], { cwd: dir });
  assertNoStackTrace(result.stderr);
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { name: string }[]).map((t) => t.name);
}

function reset(): void {
  git('reset', '-q', '--hard', 'base');
  git('clean', '-q', '-fdx');
}

const CASES: [string, Record<string, string | null>, string[], boolean?][] = [
  ['no change', {}, []],
  ['the library chart both charts depend on (file://)', { 'charts/lib/templates/_pod.tpl': '{{- define "lib.pod" -}}\n{{- end }}\n' }, ['a', 'b']],
  ['the shared values file', { 'values/shared.yaml': 'hostNetwork: true\n' }, ['a', 'c']],
  ["one target's own values file", { 'values/b.yaml': 'hostNetwork: true\n' }, ['b']],
  ["a chart's template", { 'charts/a/templates/pod.yaml': '{{ include "lib.pod" . }}\n# changed\n' }, ['a']],
  ['a subchart vendored under charts/', { 'charts/c/charts/vendored/values.yaml': 'x: 1\n' }, ['c']],
  ['the base both overlays use', { 'k/base/pod.yaml': pod('k', true) }, ['prod', 'dev']],
  ["the component's patch outside its folder", { 'k/patches/extra.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: k\n' }, ['prod']],
  ["an overlay's own patch", { 'k/overlays/prod/patch.yaml': pod('k', true) }, ['prod']],
  ['the component deleted', { 'k/components/extra/kustomization.yaml': null }, ['prod']],
  ['a new untracked file the glob matches', { 'm/two.yaml': pod('two') }, ['plain']],
  ['a file the glob does not match', { 'm/notes.txt': 'x\n' }, []],
  ['an ignored file', { 'ignored/x.yaml': pod('x') }, []],
  ['a file no target reads', { 'README.md': 'changed\n' }, []],
  ['the configuration file', { '.hostns-check.yaml': '# a comment\n' }, ['a', 'b', 'c', 'prod', 'dev', 'plain'], true],
  ['a committed change', { 'charts/b/values.yaml': 'hostNetwork: true\n' }, ['b'], false],
];

test('--changed-since selects exactly the targets whose inputs changed', () => {
  for (const [what, files, expected, append] of CASES) {
    try {
      if (append) writeFileSync(path.join(dir, '.hostns-check.yaml'), `# a comment\n${execFileSync('git', ['show', 'base:.hostns-check.yaml'], { cwd: dir, encoding: 'utf8' })}`);
      else write(files);
      if (what === 'a committed change') {
        git('add', '-A');
        git('commit', '-q', '-m', 'change');
        assert.deepEqual(selected('HEAD'), [], 'nothing changed since HEAD');
      }
      assert.deepEqual(selected().sort(), [...expected].sort(), what);
    } finally {
      reset();
    }
  }
});

test('run --changed-since checks only the selected targets; nothing selected is an empty report, exit 0', () => {
  try {
    write({ 'm/one.yaml': pod('one', true) });
    const result = runCli(['run', '--format', 'json', '--changed-since', 'base'], { cwd: dir });
    assertNoStackTrace(result.stderr);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(report.targets.map((t) => t.name), ['plain']);
    assert.deepEqual(report.findings.map((f) => f.check), ['host-network']);
    assert.match(result.stderr, /--changed-since base: 1 of 6 targets have changed inputs/);
    // With --base, the base side checks the same targets: the others are not reported as removed.
    const compared = JSON.parse(runCli(['run', '--format', 'json', '--changed-since', 'base', '--base', 'base'], { cwd: dir }).stdout) as Report;
    assert.deepEqual(compared.targets.map((t) => t.name), ['plain']);
    assert.deepEqual([compared.comparison?.new, compared.comparison?.fixed], [1, 0]);
  } finally {
    reset();
  }
  const none = runCli(['run', '--format', 'json', '--changed-since', 'base'], { cwd: dir });
  assert.equal(none.status, 0, none.stderr);
  assert.deepEqual((JSON.parse(none.stdout) as Report).targets, []);
  const bad = runCli(['run', '--list', '--changed-since', 'no-such-ref'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--changed-since no-such-ref: no such commit/);
  assertNoStackTrace(bad.stderr);
});

test('manifests globs as --changed-since matches them', () => {
  assert.ok(globPattern('/r/m/*.yaml').test('/r/m/a.yaml'));
  assert.ok(!globPattern('/r/m/*.yaml').test('/r/m/x/a.yaml'));
  assert.ok(globPattern('/r/m/**/*.yaml').test('/r/m/a.yaml'));
  assert.ok(globPattern('/r/m/**/*.yaml').test('/r/m/x/y/a.yaml'));
  assert.ok(globPattern('/r/{a,b}/?.yml').test('/r/b/c.yml'));
  assert.ok(!globPattern('/r/{a,b}/?.yml').test('/r/c/c.yml'));
  assert.ok(!globPattern('/r/a.b').test('/r/axb'));
});
