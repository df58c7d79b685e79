// The standalone executable (scripts/sea.mjs: Node's single executable applications, the blob
// injected with postject) against the npm command, on a documented subset of the CLI that covers
// every command: --version and help, scan (a file, standard input, a broken file), helm (Helm 3
// and 4, JSON and SARIF), kustomize (with kubectl, and with `helmCharts:` through the executable
// acting as the Helm relay), run (a configuration with four targets, one failing) and a usage
// error must give the npm command's exit code, standard output and standard error byte for byte;
// with no Helm to be found it says so (exit 2), with no bundled-tools folder to fall back on.
// Not covered: `krm` beyond its help. Built for linux-x64 only (skipped elsewhere, with the
// reason printed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from './support/runCli.js';
import { HELM_VERSIONS, KUBECTL_133, PROJECT_ROOT } from './support/tools.js';

const supported = process.platform === 'linux' && process.arch === 'x64';
const skip = supported ? false : `the standalone executable is built and tested for linux-x64 only, not ${process.platform}-${process.arch}`;
if (skip) console.log(`# standalone.test: skipped: ${skip}`);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-standalone-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const EXE = path.join(scratch, 'hostns-check');

before(() => {
  if (skip) return;
  const built = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/sea.mjs'), '--out', EXE], { cwd: scratch, encoding: 'utf8', timeout: 300_000 });
  assert.equal(built.status, 0, `scripts/sea.mjs failed:\n${built.stdout}\n${built.stderr}`);
});

function runExe(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(EXE, args, {
    cwd: PROJECT_ROOT,
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function same(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const npm = runCli(args, options);
  const exe = runExe(args, options);
  assert.deepEqual(exe, npm, `hostns-check ${args.join(' ')}`);
  return exe;
}

const [HELM3, HELM4] = HELM_VERSIONS;
const INSECURE = 'test/fixtures/manifests/insecure-pod.yaml';

describe('standalone executable', { skip }, () => {
  test("the README's block builds what this test builds", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    assert.ok(readme.includes('npm ci && npm run build:standalone'));
    assert.ok(readme.includes(`dist/sea/hostns-check-${process.platform}-${process.arch}`));
    const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts['build:standalone'], 'npm run build --silent && node scripts/sea.mjs');
  });

  test('--version, help and a usage error', () => {
    assert.equal(same(['--version']).stdout.trim(), (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    for (const command of [[], ['helm'], ['kustomize'], ['run'], ['scan'], ['krm']]) same([...command, '--help']);
    assert.equal(same(['scan', INSECURE, '--no-such-option']).status, 2);
  });

  test('scan: a file in every format, standard input, a broken file', () => {
    for (const format of ['text', 'json', 'sarif', 'junit', 'github', 'codeclimate', 'markdown']) assert.equal(same(['scan', INSECURE, '--format', format]).status, 1);
    assert.equal(same(['scan', '-', '--format', 'json'], { input: readFileSync(path.join(PROJECT_ROOT, INSECURE), 'utf8') }).status, 1);
    assert.equal(same(['scan', 'test/fixtures/manifests/broken.yaml', '--format', 'json']).status, 2);
  });

  test('helm on Helm 3 and Helm 4, JSON and SARIF', () => {
    for (const tools of [HELM3, HELM4]) {
      for (const format of ['json', 'sarif']) assert.equal(same(['helm', 'charts-fixtures/insecure-pod', '--helm', tools.helm, '--format', format]).status, 1);
    }
    assert.equal(same(['helm', 'charts-fixtures/umbrella', '--helm', HELM4.helm, '--format', 'json']).status, 1);
  });

  test('kustomize with kubectl, helmCharts through the relay, and run with four targets', () => {
    assert.equal(same(['kustomize', 'charts-fixtures/kustomize/overlays/prod', '--kustomize', KUBECTL_133, '--format', 'json']).status, 1);
    const helmCharts = same(['kustomize', 'charts-fixtures/kustomize/overlays/helm', '--kustomize', KUBECTL_133, '--enable-helm', '--format', 'json'], { env: { HELM_BIN: HELM4.helm } });
    assert.equal(helmCharts.status, 1, helmCharts.stderr);
    assert.equal(same(['run', '--config', 'test/fixtures/golden/run.yaml', '--helm', HELM4.helm, '--concurrency', '1', '--format', 'json']).status, 2);
  });

  test('no Helm anywhere: exit 2 saying so, with no bundled-tools folder to fall back on', () => {
    const exe = runExe(['helm', 'charts-fixtures/insecure-pod'], { env: { PATH: '/nonexistent', HELM_BIN: undefined } });
    assert.equal(exe.status, 2, exe.stderr);
    assert.match(exe.stderr, /helm/i);
    assert.doesNotMatch(exe.stderr, /package\.json was not found|\n\s+at /);
  });
});
