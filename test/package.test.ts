// The npm package as a user gets it: `npm pack` of a scratch copy of this checkout (its prepack
// builds; the project's own dist/ is never touched), the tarball's contents, then
// `npm install -g --prefix <empty folder> <tarball>` (no dev dependencies) and the installed
// `hostns-check helm` on a fixture chart, whose JSON report equals the checkout's own command's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM4, PROJECT_ROOT } from './support/tools.js';
import { runCli } from './support/runCli.js';
import { runSync, type RunResult } from './support/helmHome.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-package-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const copy = path.join(scratch, 'checkout');
const packs = path.join(scratch, 'packs');
const prefix = path.join(scratch, 'prefix');
const installed = path.join(prefix, 'lib', 'node_modules', 'hostns-check');
const command = path.join(prefix, 'bin', 'hostns-check');

/**
 * This process's environment without the variables `npm test` adds for its scripts
 * (npm_lifecycle_event, npm_package_*, npm_config_prefix...), which would steer the npm runs
 * below; the user's own npm configuration files still apply.
 */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/.test(key) && !key.startsWith('HELM_')) env[key] = value;
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

function ok(what: string, result: RunResult): RunResult {
  assert.equal(result.status, 0, `${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

let tarball = '';

before(() => {
  // The files git would commit from the working tree (tracked and new, minus ignored ones): what a
  // fresh clone of this state holds. node_modules is linked in, as after `npm ci`.
  const listed = ok('git ls-files', runSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, env: npmEnv() }));
  for (const file of listed.stdout.split('\0')) {
    if (!file || !existsSync(path.join(PROJECT_ROOT, file))) continue; // a deleted file still in the index
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, file), path.join(copy, file), { verbatimSymlinks: true });
  }
  assert.ok(!existsSync(path.join(copy, 'dist')), 'the copy starts without a build');
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  mkdirSync(packs);
  ok('npm pack', runSync(npm, ['pack', '--pack-destination', packs], { cwd: copy, env: npmEnv() }));
  const [name, ...more] = readdirSync(packs);
  assert.ok(name !== undefined && more.length === 0, `one tarball: ${readdirSync(packs).join(', ')}`);
  tarball = path.join(packs, name);
  mkdirSync(prefix);
  ok(
    'npm install -g',
    runSync(npm, ['install', '--global', '--prefix', prefix, '--omit=dev', '--prefer-offline', tarball], { cwd: scratch, env: npmEnv() }),
  );
});

describe('npm package', () => {
  test('the tarball holds the built command and its run-time files, and no binaries of other tools', () => {
    const listing = ok('tar', runSync('tar', ['-tzf', tarball], { cwd: scratch, env: npmEnv() })).stdout.split('\n').filter(Boolean);
    for (const file of [
      'package/bin/hostns-check.js',
      'package/bin/run.js',
      'package/bin/helm-plugin.js',
      'package/dist/src/cli/bundle.cjs',
      'package/dist/src/cli/bundle.cache',
      'package/dist/src/targets/kustomize/helmRelayMain.js',
      'package/plugin.yaml',
      'package/README.md',
      'package/docs/checks.md',
    ]) {
      assert.ok(listing.includes(file), `${file} is in the package`);
    }
    const unwanted = listing.filter((file) => /(^|\/)(\.tools|node_modules|test|src\/[^/]+\.ts)(\/|$)|\/(helm|kubectl|kustomize)$|\.ts$/.test(file));
    assert.deepEqual(unwanted, [], 'no Helm/kubectl binaries, sources, tests or dependencies inside');
  });

  test("the README's npm block is what this test does", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.ok(readme.includes(`\n\`\`\`sh\nnpm pack\nnpm install --global ./hostns-check-${version}.tgz\n\`\`\`\n`));
    assert.equal(path.basename(tarball), `hostns-check-${version}.tgz`);
  });

  test('installed without dev dependencies: no TypeScript, esbuild or .tools beside the command', () => {
    assert.ok(existsSync(path.join(installed, 'dist/src/cli/bundle.cjs')));
    assert.ok(existsSync(path.join(prefix, 'bin', 'hostns-check-pre-commit')), 'the pre-commit hooks command is installed too');
    for (const absent of ['typescript', 'esbuild', 'eslint']) assert.ok(!existsSync(path.join(installed, 'node_modules', absent)), `${absent} is not installed`);
    assert.ok(!existsSync(path.join(installed, '.tools')), 'the bundled-tools fallback is a checkout convenience only');
  });

  test('the installed `hostns-check helm` reports exactly what the checkout reports', () => {
    const args = ['helm', 'charts-fixtures/insecure-pod', '--helm', HELM4, '--format', 'json'];
    const own = runCli(args);
    const result = runSync(command, args, { cwd: PROJECT_ROOT, env: npmEnv() });
    assert.equal(result.status, 1, result.stderr);
    assert.equal(own.status, 1, own.stderr);
    assert.ok(JSON.parse(result.stdout).findings.length > 0);
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(own.stdout));
    assert.equal(runSync(command, ['--version'], { cwd: scratch, env: npmEnv() }).stdout, runCli(['--version']).stdout);
  });

  test('the installed command finds no Helm of its own: without one on PATH it says what to do (exit 2)', () => {
    const result = runSync(command, ['helm', path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod')], {
      cwd: scratch,
      env: npmEnv({ PATH: path.dirname(process.execPath), HELM_BIN: undefined }),
    });
    assert.equal(result.status, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /helm/i);
  });

  test('the Kustomize Helm relay loads from the installed package', () => {
    const result = runSync(process.execPath, [path.join(installed, 'dist/src/targets/kustomize/helmRelayMain.js')], { cwd: scratch, env: npmEnv() });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^usage: helmRelayMain\.js/);
  });
});
