// The Helm plugin release (scripts/plugin-release.mjs) with real GnuPG and real Helm: a throwaway
// key in a GNUPGHOME the test makes signs hostns-check-VERSION.tgz into its .prov; Helm 4.1.4
// installs it with verification (`--keyring`) from the file and from a 127.0.0.1 URL, Helm
// 3.17.2 installs it from the URL (Helm 3 takes tarballs only over http), both run
// `helm hostns-check` on a chart with the command's own findings; Helm 4 refuses a tampered
// tarball and an unsigned one. Skipped, with the reason printed, without gpg.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { cleanEnv, listedPluginVersion, makeHelmHome, parseReport, runAsync, runSync, type RunResult } from './support/helmHome.js';
import { runCli } from './support/runCli.js';
import { HELM_VERSIONS, PROJECT_ROOT } from './support/tools.js';

const hasGpg = spawnSync('gpg', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = hasGpg ? false : 'gpg is not installed (Debian package gnupg)';
if (skip) console.log(`# pluginRelease.test: skipped: ${skip}`);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-plugin-release-test-'));
const gnupg = path.join(scratch, 'gnupg');
const release = path.join(scratch, 'release');
const keyring = path.join(scratch, 'pubring.gpg');
const KEY = 'hostns-check test <release-test@example.invalid>';
const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const tarballName = `hostns-check-${version}.tgz`;
const tarball = path.join(release, tarballName);
const [HELM3, HELM4] = HELM_VERSIONS;
const CHART = 'charts-fixtures/insecure-pod';

let server: http.Server | undefined;
let baseUrl = '';
after(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

function ok(what: string, result: RunResult): RunResult {
  assert.equal(result.status, 0, `${what} (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

const gpgEnv = () => cleanEnv({ GNUPGHOME: gnupg });

before(async () => {
  if (skip) return;
  mkdirSync(gnupg, { mode: 0o700 });
  ok('gpg key', runSync('gpg', ['--batch', '--passphrase', '', '--quick-generate-key', KEY, 'ed25519', 'sign', 'never'], { cwd: scratch, env: gpgEnv() }));
  writeFileSync(keyring, spawnSync('gpg', ['--export'], { env: gpgEnv() }).stdout);
  ok(
    'plugin-release',
    runSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/plugin-release.mjs'), '--out', release, '--key', 'release-test@example.invalid'], { cwd: scratch, env: gpgEnv() }),
  );
  // The release folder over http, as a release page serves it.
  server = http.createServer((request, response) => {
    const file = path.join(release, path.basename(decodeURIComponent(request.url ?? '/')));
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/gzip' });
    response.end(request.method === 'HEAD' ? undefined : readFileSync(file));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

/** The command's own report on the chart, to compare the plugin's with. */
function ownReport(helm: string) {
  return parseReport(runCli(['helm', CHART, '--helm', helm, '--format', 'json']));
}

function runPlugin(helm: string, env: NodeJS.ProcessEnv) {
  const result = runSync(helm, ['hostns-check', CHART, '--format', 'json'], { cwd: PROJECT_ROOT, env });
  assert.equal(result.status, 1, result.stderr);
  return parseReport(result);
}

describe('Helm plugin release tarball', { skip }, () => {
  test('the tarball: a hostns-check/ top folder with plugin.yaml and the bundle, no hooks, no binaries; a clear-signed .prov with its sha256', () => {
    const listing = ok('tar', runSync('tar', ['-tzf', tarball], { cwd: scratch, env: cleanEnv() })).stdout.split('\n').filter(Boolean);
    for (const file of ['hostns-check/plugin.yaml', 'hostns-check/package.json', 'hostns-check/bin/helm-plugin.js', 'hostns-check/dist/src/cli/bundle.cjs', 'plugin.yaml']) {
      assert.ok(listing.includes(file), file);
    }
    assert.deepEqual(listing.filter((file) => /node_modules|\.tools|\/(helm|kubectl)$|\.ts$/.test(file)), []);
    const extracted = path.join(scratch, 'extracted');
    mkdirSync(extracted);
    ok('tar x', runSync('tar', ['-xzf', tarball, '-C', extracted], { cwd: scratch, env: cleanEnv() }));
    for (const file of ['plugin.yaml', 'hostns-check/plugin.yaml']) {
      const plugin = parse(readFileSync(path.join(extracted, file), 'utf8')) as { name: string; version: string; hooks?: unknown };
      assert.deepEqual([plugin.name, plugin.version, plugin.hooks], ['hostns-check', version, undefined], `${file}: no install hook`);
    }
    const prov = readFileSync(`${tarball}.prov`, 'utf8');
    assert.match(prov, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n/);
    const digest = spawnSync('sha256sum', [tarball], { encoding: 'utf8' }).stdout.split(' ')[0];
    assert.ok(prov.includes(`\n...\nfiles:\n  ${tarballName}: sha256:${digest}\n`), prov);
    ok('gpg --verify', runSync('gpg', ['--verify', `${tarball}.prov`], { cwd: scratch, env: gpgEnv() }));
  });

  test('Helm 4.1.4 installs it with verification, from the file and from a URL, and runs it', async () => {
    for (const source of [tarball, `${baseUrl}/${tarballName}`]) {
      const home = makeHelmHome(path.join(scratch, `helm4-${source === tarball ? 'file' : 'url'}`));
      // Asynchronous: this process serves the URL.
      const install = ok(`helm plugin install ${source}`, await runAsync(HELM4.helm, ['plugin', 'install', source, '--keyring', keyring], { cwd: scratch, env: home.env }));
      assert.match(install.stdout + install.stderr, /Plugin Hash Verified: sha256:/);
      assert.equal(listedPluginVersion(ok('plugin list', runSync(HELM4.helm, ['plugin', 'list'], { cwd: scratch, env: home.env })).stdout, 'hostns-check'), version);
      assert.deepEqual(runPlugin(HELM4.helm, home.env).findings, ownReport(HELM4.helm).findings);
    }
  });

  test('Helm 3.17.2 installs it from a URL and runs it', async () => {
    const home = makeHelmHome(path.join(scratch, 'helm3'));
    const install = await runAsync(HELM3.helm, ['plugin', 'install', `${baseUrl}/${tarballName}`], { cwd: scratch, env: home.env });
    ok('helm 3 plugin install', install);
    assert.deepEqual(runPlugin(HELM3.helm, home.env).findings, ownReport(HELM3.helm).findings);
  });

  test("the README's install lines, as written: Helm 4 from the file with the release key, Helm 3 from the URL", async () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const lines = readme.split('\n').filter((line) => line.startsWith('helm plugin install ') && line.includes(`hostns-check-${version}.tgz`));
    const [helm4Line = '', helm3Line = ''] = lines;
    assert.ok(helm4Line.includes('--keyring') && helm3Line.startsWith('helm plugin install https://'), lines.join('\n'));
    // A download folder: the tarball, its .prov and the public key under the README's names.
    const downloads = path.join(scratch, 'downloads');
    mkdirSync(downloads);
    cpSync(tarball, path.join(downloads, tarballName));
    cpSync(`${tarball}.prov`, path.join(downloads, `${tarballName}.prov`));
    const keyArg = helm4Line.split(' ')[helm4Line.split(' ').indexOf('--keyring') + 1]!;
    cpSync(keyring, path.join(downloads, keyArg));
    const home4 = makeHelmHome(path.join(scratch, 'readme-helm4'));
    ok('README Helm 4 line', runSync(HELM4.helm, helm4Line.split(' ').slice(1), { cwd: downloads, env: home4.env }));
    runPlugin(HELM4.helm, home4.env);
    const home3 = makeHelmHome(path.join(scratch, 'readme-helm3'));
    const url = helm3Line.split(' ')[3]!.replace(/^https:\/\/.*\//, `${baseUrl}/`);
    ok('README Helm 3 line', await runAsync(HELM3.helm, ['plugin', 'install', url], { cwd: downloads, env: home3.env }));
    runPlugin(HELM3.helm, home3.env);
  });

  test('Helm 4 refuses a tampered tarball and one without its .prov', () => {
    const tampered = path.join(scratch, 'tampered');
    mkdirSync(path.join(tampered, 'tree'), { recursive: true });
    ok('tar x', runSync('tar', ['-xzf', tarball, '-C', path.join(tampered, 'tree')], { cwd: scratch, env: cleanEnv() }));
    writeFileSync(path.join(tampered, 'tree/hostns-check/bin/run.js'), `${readFileSync(path.join(tampered, 'tree/hostns-check/bin/run.js'), 'utf8')}\nprocess.exit(0);\n`);
    ok('tar c', runSync('tar', ['-czf', path.join(tampered, tarballName), '-C', path.join(tampered, 'tree'), 'plugin.yaml', 'hostns-check'], { cwd: scratch, env: cleanEnv() }));
    cpSync(`${tarball}.prov`, path.join(tampered, `${tarballName}.prov`));
    const home = makeHelmHome(path.join(scratch, 'helm4-tampered'));
    const refused = runSync(HELM4.helm, ['plugin', 'install', path.join(tampered, tarballName), '--keyring', keyring], { cwd: scratch, env: home.env });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /sha256 sum does not match/);
    assert.equal(listedPluginVersion(runSync(HELM4.helm, ['plugin', 'list'], { cwd: scratch, env: home.env }).stdout, 'hostns-check'), null, 'not installed');

    const unsigned = path.join(scratch, 'unsigned');
    mkdirSync(unsigned);
    cpSync(tarball, path.join(unsigned, tarballName));
    const noProv = runSync(HELM4.helm, ['plugin', 'install', path.join(unsigned, tarballName), '--keyring', keyring], { cwd: scratch, env: home.env });
    assert.notEqual(noProv.status, 0);
    assert.equal(listedPluginVersion(runSync(HELM4.helm, ['plugin', 'list'], { cwd: scratch, env: home.env }).stdout, 'hostns-check'), null, 'not installed');
  });
});
