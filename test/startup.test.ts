// Start-up: the CLI is one bundle compiled with V8's code cache (bin/run.js), and `hostns-check
// helm` starts Helm before it evaluates the later stages and reads the configuration, so that work
// overlaps Helm's render. These tests pin the cache's use and safety, and what happens to a
// configuration mistake that is only found once Helm is already running.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT, assertNoStackTrace, runCli } from './support/runCli.js';
import { processesWith } from './support/processes.js';
import { HELM_VERSIONS } from './support/tools.js';

/** What bin/run.js's loader reports for the install at `root`, asked by a fresh Node. */
function loaderReport(root: string): { cacheUsed: boolean; id: string | null; version: string } {
  const probe = `import(${JSON.stringify(pathToFileURL(path.join(root, 'bin/run.js')).href)}).then(({ loadBundle }) => {
    const { cacheUsed, id, exports } = loadBundle();
    let version = '';
    const out = { write: (text) => { version += text; } };
    return exports.main(['--version'], { cwd: process.cwd(), env: {}, stdin: [], stdout: out, stderr: out })
      .then(() => console.log(JSON.stringify({ cacheUsed, id: id ?? null, version: version.trim() })));
  })`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-startup-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the code cache', () => {
  test('the build leaves a cache this Node accepts, made from this very bundle', () => {
    const report = loaderReport(PROJECT_ROOT);
    assert.match(report.id ?? '', /^[0-9a-f]{32}$/);
    assert.equal(report.cacheUsed, true);
    assert.equal(report.version, version);
    const cache = readFileSync(path.join(PROJECT_ROOT, 'dist/src/cli/bundle.cache'));
    assert.equal(cache.subarray(0, 33).toString('latin1'), `${report.id}\n`, 'the cache names the build it was made from');
  });

  /** A copy of the installed tool (bin/, package.json, the bundle), with `cache` as its code cache. */
  function installWithCache(name: string, cache: Buffer | null): string {
    const root = path.join(scratch, name);
    mkdirSync(path.join(root, 'dist/src/cli'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
    copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(root, 'package.json'));
    copyFileSync(path.join(PROJECT_ROOT, 'dist/src/cli/bundle.cjs'), path.join(root, 'dist/src/cli/bundle.cjs'));
    if (cache) writeFileSync(path.join(root, 'dist/src/cli/bundle.cache'), cache);
    return root;
  }

  test('a cache made for another build is never used: the bundle is compiled from source and runs', () => {
    const real = readFileSync(path.join(PROJECT_ROOT, 'dist/src/cli/bundle.cache'));
    // The same V8 data under another build's id: what a cache left from an earlier build looks like.
    const stale = Buffer.concat([Buffer.from(`${'0'.repeat(32)}\n`, 'latin1'), real.subarray(33)]);
    for (const [name, cache] of [['stale', stale], ['garbage', Buffer.from('not a cache at all')], ['none', null]] as const) {
      const report = loaderReport(installWithCache(name, cache));
      assert.equal(report.cacheUsed, false, name);
      assert.equal(report.version, version, `${name}: the CLI still runs`);
    }
  });

  test('run() lowers V8\'s inlining budget after loading the bundle: only a load after it no longer matches the cache', () => {
    // V8 accepts a code cache only under the flags it was made with, so the changed flag shows
    // as a cache the next load rejects, while loads before run() (as run's own) accept it.
    const probe = `const { loadBundle, run } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'bin/run.js'))});
      const before = loadBundle().cacheUsed;
      const sink = { write: () => true };
      run(['--version'], { stdout: sink, stderr: sink }).then((code) => console.log(JSON.stringify({ before, code, after: loadBundle().cacheUsed })));`;
    const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { before: true, code: 0, after: false });
  });

  test('with the cache in place, the copied install uses it too (the copy itself is sound)', () => {
    const report = loaderReport(installWithCache('copied', readFileSync(path.join(PROJECT_ROOT, 'dist/src/cli/bundle.cache'))));
    assert.equal(report.cacheUsed, true);
  });
});


for (const tools of HELM_VERSIONS) {
  test(`${tools.label}: a configuration mistake found while Helm renders exits 2 with its line, and Helm is stopped`, () => {
    // A render that would take minutes: the mistake must end it, not wait for it.
    const slow = path.join(scratch, `slow-${tools.label}`);
    mkdirSync(path.join(slow, 'templates'), { recursive: true });
    writeFileSync(path.join(slow, 'Chart.yaml'), 'apiVersion: v2\nname: slow\nversion: 0.1.0\n');
    writeFileSync(path.join(slow, 'templates/slow.yaml'), '{{- range until 100000 }}{{- range until 3000 }}{{- end }}{{- end }}\n');
    const config = path.join(scratch, `bad-${tools.label}.yaml`);
    writeFileSync(config, '# our cluster\nminUid: -5\n');
    // With a values override, the chart's defaults are rendered alongside: both renders must stop.
    for (const overrides of [[], ['--set', 'anything=1']]) {
      const started = Date.now();
      const result = runCli(['helm', slow, '--helm', tools.helm, '--config', config, ...overrides]);
      assert.equal(result.status, 2, `${overrides.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`bad-${tools.label}\\.yaml:2: minUid must be a whole number`));
      assert.equal(result.stdout, '', 'no report: nothing was checked');
      assertNoStackTrace(result.stderr);
      assert.ok(Date.now() - started < 20_000, 'ended long before the render would');
      assert.deepEqual(processesWith(slow), [], 'Helm is not left running');
    }
  });
}

describe('the npm command', () => {
  test('bin/hostns-check.js and bin/helm-plugin.js are plain Node scripts: a node shebang, no shell line', () => {
    for (const entry of ['bin/hostns-check.js', 'bin/helm-plugin.js']) {
      const [shebang, ...rest] = readFileSync(path.join(PROJECT_ROOT, entry), 'utf8').split('\n');
      assert.equal(shebang, '#!/usr/bin/env node', entry);
      assert.ok(!rest.some((line) => /exec node|^':'/.test(line)), `${entry} has no shell in it`);
    }
  });

  test('the command `npm link` installs runs from any folder', (t) => {
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'hostns-link-'));
    try {
      // A prefix of its own: the link goes there, not into the machine's global folder.
      const npm = spawnSync('npm', ['link', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, npm_config_prefix: prefix },
        encoding: 'utf8',
        shell: process.platform === 'win32',
      });
      if (npm.error) return t.skip(`npm cannot be run here (${npm.error.message})`);
      assert.equal(npm.status, 0, npm.stderr);
      const command = process.platform === 'win32' ? path.join(prefix, 'hostns-check.cmd') : path.join(prefix, 'bin', 'hostns-check');
      const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'hostns-cwd-'));
      writeFileSync(path.join(elsewhere, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]\n');
      const version = spawnSync(command, ['--version'], { cwd: elsewhere, encoding: 'utf8', shell: process.platform === 'win32' });
      assert.equal(version.status, 0, version.stderr);
      assert.equal(version.stdout.trim(), JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
      const scan = spawnSync(command, ['scan', 'pod.yaml', '--format', 'json'], { cwd: elsewhere, encoding: 'utf8', shell: process.platform === 'win32' });
      assert.equal(scan.status, 1, scan.stderr);
      assert.deepEqual(JSON.parse(scan.stdout).findings.map((f: { check: string }) => f.check), ['host-network']);
      rmSync(elsewhere, { recursive: true, force: true });
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
