// The pre-commit hooks of .pre-commit-hooks.yaml with the real `pre-commit`: `pre-commit try-repo`
// of a scratch repository holding the hooks file, on a project repository the test makes (a chart,
// an overlay, plain manifests), then the README's configuration installed as a git hook, where a
// commit that turns on hostNetwork is refused with the report and a clean one goes in. The hooks
// run `hostns-check-pre-commit` from PATH (language: system); here PATH gets one that starts
// this checkout's bin/pre-commit.js. Skipped, with the reason printed, without pre-commit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS, KUBECTL_133, PROJECT_ROOT } from './support/tools.js';
import { cleanEnv, runSync, type RunResult } from './support/helmHome.js';

const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = hasPreCommit ? false : 'pre-commit is not installed (Debian package pre-commit; .ci/run installs it)';
if (skip) console.log(`# preCommit.test: skipped: ${skip}`);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-pre-commit-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const hooksRepo = path.join(scratch, 'hooks');
const binDir = path.join(scratch, 'bin');

/** Git and pre-commit without the developer's configuration, with the shim first on PATH. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
    PRE_COMMIT_HOME: path.join(scratch, 'pre-commit-home'),
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    KUSTOMIZE_BIN: KUBECTL_133,
    ...extra,
  });
}

function git(cwd: string, ...args: string[]): RunResult {
  const result = runSync('git', args, { cwd, env: env() });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result;
}

function newRepo(name: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

const SECURE_VALUES = 'hostIPC: false\nhostNetwork: false\nhostPID: false\nimage: registry/image:tag\nports:\n  - containerPort: 80\nsecurityContext:\n  runAsUser: 12000\n';
const CLEAN_POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n';

function addChart(repo: string): void {
  cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), path.join(repo, 'charts/app'), { recursive: true });
  rmSync(path.join(repo, 'charts/app/values-secure.yaml'));
  writeFileSync(path.join(repo, 'charts/app/values.yaml'), SECURE_VALUES);
}

function tryRepo(repo: string, hook: string, helm: string): RunResult {
  return runSync('pre-commit', ['try-repo', hooksRepo, hook, '--color', 'never'], { cwd: repo, env: env({ HELM_BIN: helm }) });
}

before(() => {
  if (skip) return;
  mkdirSync(hooksRepo);
  git(hooksRepo, 'init', '-q', '-b', 'main');
  cpSync(path.join(PROJECT_ROOT, '.pre-commit-hooks.yaml'), path.join(hooksRepo, '.pre-commit-hooks.yaml'));
  git(hooksRepo, 'add', '.pre-commit-hooks.yaml');
  git(hooksRepo, 'commit', '-q', '-m', 'hooks');
  mkdirSync(binDir);
  const shim = path.join(binDir, 'hostns-check-pre-commit');
  writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${path.join(PROJECT_ROOT, 'bin/pre-commit.js')}' "$@"\n`);
  chmodSync(shim, 0o755);
});

describe('pre-commit hooks', { skip }, () => {
  for (const tools of HELM_VERSIONS) {
    test(`hostns-check-charts on ${tools.label}: a clean chart passes, turning on hostNetwork is refused with the report`, () => {
      const repo = newRepo(`charts-${tools.label}`);
      addChart(repo);
      git(repo, 'add', '.');
      const clean = tryRepo(repo, 'hostns-check-charts', tools.helm);
      assert.equal(clean.status, 0, clean.stdout + clean.stderr);
      assert.match(clean.stdout, /hostns-check \(Helm charts\)\.+Passed/);
      git(repo, 'commit', '-q', '-m', 'chart');
      writeFileSync(path.join(repo, 'charts/app/values.yaml'), SECURE_VALUES.replace('hostNetwork: false', 'hostNetwork: true'));
      git(repo, 'add', '.');
      const dirty = tryRepo(repo, 'hostns-check-charts', tools.helm);
      assert.equal(dirty.status, 1, dirty.stdout + dirty.stderr);
      assert.match(dirty.stdout, /hostns-check \(Helm charts\)\.+Failed/);
      assert.match(dirty.stdout, /host-network/);
      assert.match(dirty.stdout, /charts\/app\/values\.yaml:2/, 'the report points at the values line');
    });
  }

  test('hostns-check-overlays builds the overlay of a changed file; hostns-check-manifests checks changed manifests', () => {
    const repo = newRepo('overlays');
    mkdirSync(path.join(repo, 'overlay'));
    writeFileSync(path.join(repo, 'overlay/kustomization.yaml'), 'resources:\n  - pod.yaml\n');
    writeFileSync(path.join(repo, 'overlay/pod.yaml'), CLEAN_POD);
    mkdirSync(path.join(repo, 'rendered'));
    writeFileSync(path.join(repo, 'rendered/app.yaml'), CLEAN_POD);
    git(repo, 'add', '.');
    const helm = HELM_VERSIONS[1].helm;
    assert.equal(tryRepo(repo, 'hostns-check-overlays', helm).status, 0);
    git(repo, 'commit', '-q', '-m', 'clean');
    writeFileSync(path.join(repo, 'overlay/pod.yaml'), CLEAN_POD.replace('spec:\n', 'spec:\n  hostPID: true\n'));
    git(repo, 'add', '.');
    const overlay = tryRepo(repo, 'hostns-check-overlays', helm);
    assert.equal(overlay.status, 1, overlay.stdout + overlay.stderr);
    assert.match(overlay.stdout, /overlay\/pod\.yaml\n\s+5:3\s+host-pid/);
    git(repo, 'commit', '-q', '--no-verify', '-m', 'overlay');
    writeFileSync(path.join(repo, 'rendered/app.yaml'), CLEAN_POD.replace('spec:\n', 'spec:\n  hostIPC: true\n'));
    git(repo, 'add', '.');
    const manifests = runSync('pre-commit', ['try-repo', hooksRepo, 'hostns-check-manifests', '--color', 'never', '--files', 'rendered/app.yaml'], { cwd: repo, env: env() });
    assert.equal(manifests.status, 1, manifests.stdout + manifests.stderr);
    assert.match(manifests.stdout, /rendered\/app\.yaml\n\s+5:3\s+host-ipc/);
  });

  test("the README's configuration as a git hook: a commit that turns on hostNetwork is refused, a clean one goes in", () => {
    const repo = newRepo('installed');
    addChart(repo);
    const rev = git(hooksRepo, 'rev-parse', 'HEAD').stdout.trim();
    // The README block, with this scratch hooks repository for the project's URL and its commit for the tag.
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /```yaml\n(# \.pre-commit-config\.yaml\n[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'README has a .pre-commit-config.yaml block');
    const config = block.replace(/repo: \S+/, `repo: ${hooksRepo}`).replace(/rev: \S+/, `rev: ${rev}`);
    writeFileSync(path.join(repo, '.pre-commit-config.yaml'), config);
    const install = runSync('pre-commit', ['install'], { cwd: repo, env: env() });
    assert.equal(install.status, 0, install.stderr);
    git(repo, 'add', '.');
    const clean = runSync('git', ['commit', '-m', 'clean chart'], { cwd: repo, env: env({ HELM_BIN: HELM_VERSIONS[1].helm }) });
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    writeFileSync(path.join(repo, 'charts/app/values.yaml'), SECURE_VALUES.replace('hostNetwork: false', 'hostNetwork: true'));
    git(repo, 'add', '.');
    const refused = runSync('git', ['commit', '-m', 'host network'], { cwd: repo, env: env({ HELM_BIN: HELM_VERSIONS[1].helm }) });
    assert.notEqual(refused.status, 0, 'the commit is refused');
    assert.match(refused.stdout + refused.stderr, /host-network/);
    assert.equal(git(repo, 'rev-list', '--count', 'HEAD').stdout.trim(), '1', 'only the clean commit went in');
  });
});
