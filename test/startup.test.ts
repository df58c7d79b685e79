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
import { KEPT_CA_CERTS, MOVE_CA_CERTS_ASIDE, userEnvironment } from '../src/process/launcherEnvironment.js';

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

describe('the launcher line of bin/hostns-check.js', () => {
  const BIN = path.join(PROJECT_ROOT, 'bin/hostns-check.js');
  // A certificate file that does not exist: Node 20 warns when it tries to read it at start-up,
  // which is how these tests see whether Node read it at all.
  const missingCerts = path.join(scratch, 'no-such-certs.pem');
  const NODE_WARNING = /Ignoring extra certs/;
  // The launcher runs `node` from PATH: the Node running these tests comes first.
  const basePath = [path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, PATH: basePath, NODE_EXTRA_CA_CERTS: undefined, [KEPT_CA_CERTS]: undefined };

  test('both entry points start with the same line, made of the shell that launcherEnvironment.ts describes', () => {
    const expected = `':' //; ${MOVE_CA_CERTS_ASIDE}; exec node "$0" "$@"`;
    for (const entry of ['bin/hostns-check.js', 'bin/helm-plugin.js']) {
      const [shebang, launcher] = readFileSync(path.join(PROJECT_ROOT, entry), 'utf8').split('\n');
      assert.equal(shebang, '#!/bin/sh', entry);
      assert.equal(launcher, expected, entry);
    }
  });

  /** A Helm wrapper that logs its own NODE_EXTRA_CA_CERTS and its parent's (a Node of ours), then runs Helm. */
  function loggingHelm(realHelm: string, log: string): string {
    const wrapper = path.join(scratch, `logging-helm-${path.basename(path.dirname(realHelm))}`);
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        `{ echo "helm=\${NODE_EXTRA_CA_CERTS-unset} kept=\${${KEPT_CA_CERTS}-unset}"`,
        `  echo "parent=$(tr '\\000' '\\n' < /proc/$PPID/environ | sed -n 's/^NODE_EXTRA_CA_CERTS=//p')"; } >> ${JSON.stringify(log)}`,
        `exec ${JSON.stringify(realHelm)} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return wrapper;
  }
  const logged = (log: string) => new Set(readFileSync(log, 'utf8').trim().split('\n'));

  const linux = process.platform === 'linux';
  if (!linux) console.log('# skipped: the launcher tests read /proc, which only Linux has');
  for (const tools of linux ? HELM_VERSIONS : []) {
    test(`${tools.label}: run as a program, Node starts without NODE_EXTRA_CA_CERTS and Helm gets it back`, (t) => {
      const log = path.join(scratch, `launcher-${tools.label}.log`);
      const helm = loggingHelm(tools.helm, log);
      const env = { ...baseEnv, NODE_EXTRA_CA_CERTS: missingCerts };
      const args = ['helm', 'charts-fixtures/insecure-pod', '--helm', helm, '--format', 'json'];

      // The same file through `node bin/hostns-check.js`: this Node reads it (the warning), and Helm still gets it.
      const direct = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
      assert.equal(direct.status, 1, direct.stderr);
      if (!NODE_WARNING.test(direct.stderr)) {
        t.skip(`this Node (${process.version}) does not read NODE_EXTRA_CA_CERTS at start-up: nothing for the launcher to save`);
        return;
      }
      assert.deepEqual(logged(log), new Set([`helm=${missingCerts} kept=unset`, `parent=${missingCerts}`]));

      rmSync(log);
      const launched = spawnSync(BIN, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
      assert.equal(launched.status, 1, launched.stderr);
      assert.equal(JSON.parse(launched.stdout).summary.findings, 5);
      assert.doesNotMatch(launched.stderr, NODE_WARNING, 'Node never read the file');
      assert.deepEqual(logged(log), new Set([`helm=${missingCerts} kept=unset`, 'parent=']), "Helm has it; the tool's Node did not");

      // Without the variable, Helm sees none; a kept value left over from elsewhere is dropped, not handed on.
      for (const extra of [{}, { [KEPT_CA_CERTS]: 'left-over.pem' }]) {
        rmSync(log);
        const bare = spawnSync(BIN, args, { cwd: PROJECT_ROOT, env: { ...baseEnv, ...extra }, encoding: 'utf8' });
        assert.equal(bare.status, 1, bare.stderr);
        assert.deepEqual(logged(log), new Set(['helm=unset kept=unset', 'parent=']), JSON.stringify(extra));
      }
    });
  }

  test(`${linux ? '' : '(skipped off Linux) '}the Helm relay Kustomize runs starts its Node without NODE_EXTRA_CA_CERTS and gives it to Helm`, (t) => {
    if (!linux) return t.skip('reads /proc, which only Linux has');
    // Kustomize up to 5.8 runs Helm 3 only (see the Kustomize tests).
    const [tools] = HELM_VERSIONS;
    const log = path.join(scratch, 'relay.log');
    const helm = loggingHelm(tools.helm, log);
    const overlay = path.join(PROJECT_ROOT, 'charts-fixtures/kustomize/overlays/helm');
    const env = { ...baseEnv, NODE_EXTRA_CA_CERTS: missingCerts };
    const result = spawnSync(BIN, ['kustomize', overlay, '--kustomize', tools.kubectl, '--enable-helm', '--helm-command', helm, '--format', 'json'], {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
    });
    assert.equal(result.status, 1, result.stderr);
    assert.doesNotMatch(result.stderr, NODE_WARNING);
    // Kustomize asks the relay for Helm's version, then renders the chart: each time through a Node of the relay's.
    const lines = logged(log);
    assert.deepEqual(lines, new Set([`helm=${missingCerts} kept=unset`, 'parent=']));
    assert.ok(readFileSync(log, 'utf8').trim().split('\n').length >= 4, 'Helm ran at least twice');
  });

  test('userEnvironment gives children the variable the launcher kept, and never the kept name', () => {
    assert.deepEqual(userEnvironment({ PATH: '/bin', [KEPT_CA_CERTS]: 'a.pem' }), { PATH: '/bin', NODE_EXTRA_CA_CERTS: 'a.pem' });
    // Set both ways (someone ran `node bin/hostns-check.js` with the kept name set by hand): theirs wins.
    assert.deepEqual(userEnvironment({ NODE_EXTRA_CA_CERTS: 'b.pem', [KEPT_CA_CERTS]: 'a.pem' }), { NODE_EXTRA_CA_CERTS: 'b.pem' });
    const plain = { PATH: '/bin' };
    assert.equal(userEnvironment(plain), plain);
  });
});
