// What a new user trips over: `--output FILE` said nothing at all, `--fail-on none` still said
// `fail:`, a configuration YAML error was put on the line above it, a missing `--config` said
// ENOENT, a configuration found in a parent folder and the bundled development Helm were used
// silently, and `helm hostns-check --help` (or no arguments) showed no plugin usage.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, PROJECT_ROOT, runCli } from '../support/runCli.js';
import { cleanEnv, makeHelmHome, pluginInstallFlags, runSync, type RunResult } from '../support/helmHome.js';
import { HELM_VERSIONS, TOOLS_DIR } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-papercuts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const INSECURE = path.join(FIXTURES, 'manifests/insecure-pod.yaml');
const CHART = path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod');
const show = (r: RunResult) => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('papercuts', () => {
  test('--output FILE still says the verdict on standard error, and nothing on standard output', () => {
    const file = path.join(scratch, 'report.json');
    const result = runCli(['scan', INSECURE, '--format', 'json', '--output', file]);
    assert.equal(result.status, 1, show(result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^hostns-check: fail: \d+ findings?, 0 suppressed, 0 errors, .*; report written to .*report\.json\n$/, show(result));
    assert.ok(JSON.parse(readFileSync(file, 'utf8')));
    const clean = runCli(['scan', path.join(FIXTURES, 'manifests/folder/README.txt'), '--output', path.join(scratch, 'r.txt')]);
    assert.match(clean.stderr, /^hostns-check: (pass|error): /m, show(clean));
  });

  test('--fail-on none says findings:, not fail:, in the text and github formats (and exits 0)', () => {
    const text = runCli(['scan', INSECURE, '--fail-on', 'none']);
    assert.equal(text.status, 0, show(text));
    assert.match(text.stdout, /^findings: \d+ findings?/m);
    assert.doesNotMatch(text.stdout, /^fail:/m);
    const github = runCli(['scan', INSECURE, '--fail-on', 'none', '--format', 'github']);
    assert.match(github.stdout, /^hostns-check findings: /m);
    assert.match(runCli(['scan', INSECURE]).stdout, /^fail: /m, 'the default still fails');
  });

  test('a configuration YAML error is reported on its own line', () => {
    const dir = path.join(scratch, 'yaml-line');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '.hostns-check.yaml'), 'minUid: 10000\n  checks: {}\n');
    const result = runCli(['scan', INSECURE], { cwd: dir });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^hostns-check: \.hostns-check\.yaml:2: /, result.stderr);
  });

  test('a missing --config file says "no such file", not ENOENT (scan and run)', () => {
    for (const args of [['scan', INSECURE], ['run']]) {
      const result = runCli([...args, '--config', 'no-such-config.yaml'], { cwd: scratch });
      assert.equal(result.status, 2);
      assert.match(result.stderr, /no-such-config\.yaml: cannot read the configuration file: no such file/, result.stderr);
      assert.doesNotMatch(result.stderr, /ENOENT/);
    }
  });

  test('a configuration found in a parent folder is named on standard error, once', () => {
    const parent = path.join(scratch, 'parent');
    const child = path.join(parent, 'a', 'b');
    mkdirSync(child, { recursive: true });
    // The manifests sit beside the configuration: run reads inside its folder.
    cpSync(INSECURE, path.join(parent, 'pod.yaml'));
    writeFileSync(path.join(parent, '.hostns-check.yaml'), 'minUid: 10000\ntargets:\n  - name: pods\n    manifests: pod.yaml\n');
    const notice = `hostns-check: using configuration ${path.join('..', '..', '.hostns-check.yaml')}\n`;
    for (const args of [['scan', INSECURE], ['run']]) {
      const result = runCli(args, { cwd: child });
      assert.equal(result.status, 1, show(result));
      assert.equal(result.stderr.split(notice).length - 1, 1, `${args[0]}: said once:\n${result.stderr}`);
      const here = runCli(args, { cwd: parent });
      assert.doesNotMatch(here.stderr, /using configuration/, 'not when it is in the working folder');
    }
  });

  test('with no Helm on PATH the bundled development Helm is used, and said so', () => {
    const env = { ...cleanEnv(), PATH: path.dirname(process.execPath), HELM_BIN: undefined };
    const result = runCli(['helm', CHART, '--format', 'json'], { env });
    assert.equal(result.status, 1, show(result));
    assert.match(result.stderr, /no Helm on PATH: using the bundled development Helm .*helm-4\.1\.4/, result.stderr);
    assert.equal(result.stderr.match(/bundled development Helm/g)?.length, 1);
    const dir = path.join(scratch, 'run-bundled');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '.hostns-check.yaml'), `targets:\n  - name: one\n    helm: ${JSON.stringify(CHART)}\n  - name: two\n    helm: ${JSON.stringify(CHART)}\n`);
    const run = runCli(['run', '--format', 'json'], { cwd: dir, env });
    assert.equal(run.status, 1, show(run));
    assert.equal(run.stderr.match(/bundled development Helm/g)?.length, 1, `run says it once:\n${run.stderr}`);
    const given = runCli(['helm', CHART, '--format', 'json', '--helm', path.join(TOOLS_DIR, 'helm-3.17.2', 'helm')], { env });
    assert.doesNotMatch(given.stderr, /bundled/);
  });
});

for (const tool of HELM_VERSIONS) {
  describe(`helm hostns-check usage, ${tool.label}`, () => {
    const home = makeHelmHome(path.join(scratch, `${tool.label}-home`));
    const helm = (args: string[]) => runSync(tool.helm, args, { cwd: scratch, env: home.env });

    test(`${tool.label}: --help, -h and no arguments show the plugin's usage with every subcommand`, () => {
      assert.ok(existsSync(path.join(PROJECT_ROOT, 'dist/src/cli/main.js')), 'the project is built');
      const install = helm(['plugin', 'install', PROJECT_ROOT, ...pluginInstallFlags(tool)]);
      assert.equal(install.status, 0, show(install));
      for (const flag of ['--help', '-h']) {
        const result = helm(['hostns-check', flag]);
        assert.equal(result.status, 0, show(result));
        assert.match(result.stdout, /^Usage: helm hostns-check \[NAME\] CHART/, show(result));
        for (const command of ['scan', 'helm', 'kustomize', 'krm', 'run']) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'), `${flag} lists ${command}`);
      }
      const bare = helm(['hostns-check']);
      assert.notEqual(bare.status, 0, 'no arguments is never a pass');
      assert.match(bare.stderr, /Usage: helm hostns-check \[NAME\] CHART/, show(bare));
      assert.match(bare.stderr, /^  kustomize /m);
    });
  });
}
