// The pure parts of fetching a remote chart before the render: which charts Helm would fetch, the
// `helm pull` arguments (the request's own and the fetching flags after `--`), how a failed pull is
// told, and a pulled archive's files shown by Helm's names. Pulls with real Helm: helmRemote.test.ts.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRemoteChart, pullChart } from '../src/targets/helm/chartPull.js';
import { loadChartTree } from '../src/targets/helm/chartTree.js';
import { describePullFailure } from '../src/targets/helm/helmFailure.js';
import { emptyHelmRequest, helmPullArgs, pullFlagsOf, type HelmStepExit } from '../src/targets/helm/helmTemplate.js';

const exit = (fields: Partial<HelmStepExit>): HelmStepExit => ({ exitCode: 1, signal: null, timedOut: false, stderr: '', spawnError: null, progress: '', ...fields });

test('a chart is remote unless it exists here; missing absolute and ./ paths are local (Helm fails on them without fetching)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostns-pull-unit-'));
  try {
    mkdirSync(path.join(dir, 'mychart'));
    assert.equal(isRemoteChart('mychart', dir), false);
    assert.equal(isRemoteChart('repo/name', dir), true);
    assert.equal(isRemoteChart('oci://registry.example/charts/app', dir), true);
    assert.equal(isRemoteChart('https://charts.example/app-1.0.0.tgz', dir), true);
    assert.equal(isRemoteChart('./missing', dir), false);
    assert.equal(isRemoteChart(path.join(dir, 'missing'), dir), false);
    assert.equal(isRemoteChart('', dir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pullFlagsOf keeps the fetching flags after -- with their arguments, in order, and nothing else', () => {
  const extra = ['--username', 'me', '--post-renderer', 'x', '--password=secret', '--plain-http', '--ca-file', 'ca.pem', '--show-only', 'templates/a.yaml', '--verify'];
  assert.deepEqual(pullFlagsOf(extra), ['--username', 'me', '--password=secret', '--plain-http', '--ca-file', 'ca.pem', '--verify']);
});

test('helmPullArgs: the chart, the destination, --version/--repo/--devel and the fetching flags', () => {
  const request = { ...emptyHelmRequest('hello'), version: '^1.0.0', repo: 'http://127.0.0.1:1', devel: true, values: ['v.yaml'], extraArgs: ['--insecure-skip-tls-verify', '--show-only', 'x'] };
  assert.deepEqual(helmPullArgs(request, '/scratch'), ['pull', 'hello', '--destination', '/scratch', '--version', '^1.0.0', '--repo', 'http://127.0.0.1:1', '--devel', '--insecure-skip-tls-verify']);
  assert.deepEqual(helmPullArgs(emptyHelmRequest('repo/name'), '/s'), ['pull', 'repo/name', '--destination', '/s']);
});

test("describePullFailure names the chart and keeps Helm's reason; an unknown chart says what to give", () => {
  const unauthorized = describePullFailure(exit({ stderr: 'Error: failed to fetch https://x/app-1.tgz : 401 Unauthorized\n' }), 'repo/app', 300);
  assert.equal(unauthorized.message, 'could not fetch chart repo/app (helm pull): exit 1: failed to fetch https://x/app-1.tgz : 401 Unauthorized');
  const unknown = describePullFailure(exit({ stderr: 'Error: chart "app" not found in http://127.0.0.1:1 repository\n' }), 'app', 300);
  assert.match(unknown.message, /^chart app could not be found: give a chart folder, .* Helm said: chart "app" not found in http:\/\/127\.0\.0\.1:1 repository$/);
  const keyring = describePullFailure(exit({ stderr: 'Error: open /nokeyring: permission denied\n' }), 'repo/app', 300);
  assert.equal(keyring.message, 'could not fetch chart repo/app (helm pull): exit 1: open /nokeyring: permission denied');
  const slow = describePullFailure(exit({ exitCode: null, timedOut: true }), 'repo/app', 7);
  assert.match(slow.message, /^could not fetch chart repo\/app \(helm pull\): it did not finish within 7 seconds/);
  assert.equal(describePullFailure(exit({ spawnError: 'ENOENT' }), 'repo/app', 7).message, 'could not run Helm: ENOENT');
});

test("a pulled archive's files are shown as Helm's # Source: names them, not by the scratch path", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostns-pull-unit-'));
  try {
    const chart = path.join(dir, 'src', 'hello');
    mkdirSync(path.join(chart, 'templates'), { recursive: true });
    writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: hello\nversion: 1.0.0\n');
    writeFileSync(path.join(chart, 'templates', 'pod.yaml'), 'kind: Pod\n');
    const tar = spawnSync('tar', ['-czf', path.join(dir, 'hello-1.0.0.tgz'), '-C', path.join(dir, 'src'), 'hello']);
    assert.equal(tar.status, 0, String(tar.stderr));
    const byName = loadChartTree(path.join(dir, 'hello-1.0.0.tgz'), os.tmpdir(), { byChartName: true });
    assert.equal(byName?.display('templates/pod.yaml'), 'hello/templates/pod.yaml');
    const byPath = loadChartTree(path.join(dir, 'hello-1.0.0.tgz'), dir);
    assert.equal(byPath?.display('templates/pod.yaml'), 'hello-1.0.0.tgz!/hello/templates/pod.yaml');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pullChart: the archive Helm wrote, in a scratch folder that remove() deletes; a failed pull leaves no folder', { skip: process.platform === 'win32' ? 'a POSIX shell script stands in for Helm' : false }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostns-pull-unit-'));
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  // A stand-in for Helm: writes an archive into --destination, or fails as Helm does.
  const fakeHelm = path.join(dir, 'helm');
  writeFileSync(
    fakeHelm,
    '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = --destination ] && dest=$2; shift; done\n' +
      'if [ -n "$FAIL" ]; then echo "Error: looks like \\"http://127.0.0.1:9\\" is not a valid chart repository or cannot be reached" >&2; exit 1; fi\n' +
      'echo gz > "$dest/hello-1.0.0.tgz"\n',
  );
  chmodSync(fakeHelm, 0o755);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp; // where makeScratchDir puts its folders
  try {
    const options = { helm: fakeHelm, cwd: dir, env: { PATH: process.env.PATH }, timeoutSeconds: 30 };
    const pulled = await pullChart(emptyHelmRequest('repo/hello'), options);
    assert.ok('pulled' in pulled, JSON.stringify(pulled));
    assert.equal(path.basename(pulled.pulled.chart), 'hello-1.0.0.tgz');
    assert.ok(pulled.pulled.chart.startsWith(tmp + path.sep) && existsSync(pulled.pulled.chart));
    pulled.pulled.remove();
    assert.deepEqual(readdirSync(tmp), [], 'remove() deletes the scratch folder');

    const failed = await pullChart(emptyHelmRequest('repo/hello'), { ...options, env: { ...options.env, FAIL: '1' } });
    assert.ok('failure' in failed);
    assert.match(failed.failure.message, /^chart repo\/hello could not be found: .* is not a valid chart repository or cannot be reached$/);
    assert.deepEqual(readdirSync(tmp), [], 'a failed pull leaves no folder');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
