// `helm hostns-check` as Helm users run it, with the real Helm 3.17.2 and 4.1.4: install from the
// project folder into an isolated Helm home, the same findings and exit codes as the CLI, the
// scan subcommand, the flags Helm swallows (-n, --kube-context, --debug), HELM_BIN, and
// update/uninstall through a git checkout whose origin is a scratch bare repository.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS, PROJECT_ROOT } from './support/tools.js';
import { BIN, assertNoStackTrace } from './support/runCli.js';
import {
  cleanEnv,
  findingResourceNames,
  listedPluginVersion,
  makeHelmHome,
  parseReport,
  pluginInstallFlags,
  runSync,
  type RunResult,
} from './support/helmHome.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-helm-plugin-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const PLUGIN = 'hostns-check';
const pluginVersion = /^version:\s*(\S+)\s*$/m.exec(readFileSync(path.join(PROJECT_ROOT, 'plugin.yaml'), 'utf8'))?.[1];
const packageVersion = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const fixtureChart = (name: string) => path.join(PROJECT_ROOT, 'charts-fixtures', name);
const INSECURE_MANIFEST = 'test/fixtures/manifests/insecure-pod.yaml';

/**
 * What a plugin install, its hook or an uninstall could change in the project: the plugin's own files and the
 * build folders (`npm ci` would rewrite node_modules/.package-lock.json). `git status` is limited to these paths
 * because people edit the rest of the project while the tests run (editor temp files showed up mid-test).
 */
const PLUGIN_PATHS = ['plugin.yaml', 'bin', 'scripts', 'package.json', 'package-lock.json', 'dist', 'node_modules'];
function projectStatus(): string {
  const status = runSync('git', ['status', '--porcelain', '--ignored', '--', ...PLUGIN_PATHS], { cwd: PROJECT_ROOT, env: cleanEnv() });
  assert.equal(status.status, 0, status.stderr);
  const lockfile = path.join(PROJECT_ROOT, 'node_modules', '.package-lock.json');
  return `${status.stdout}node_modules/.package-lock.json ${existsSync(lockfile) ? statSync(lockfile).mtimeMs : 'missing'}\n`;
}

/**
 * Runs a Helm command that must leave the project folder alone, and checks `git status` right before and
 * right after it. The window is kept that short because other people may be editing the project while the
 * tests run.
 */
function leavesProjectAlone<T>(what: string, action: () => T): T {
  const before = projectStatus();
  const result = action();
  assert.equal(projectStatus(), before, `${what} left the project's plugin files and build folders unchanged`);
  return result;
}

/** Git that ignores the developer's global and system configuration (signing, hooks, default branch). */
const GIT_ENV = {
  GIT_CONFIG_GLOBAL: os.devNull,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'hostns-check test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'hostns-check test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};
function git(cwd: string, ...args: string[]): string {
  const result = runSync('git', args, { cwd, env: cleanEnv(GIT_ENV) });
  assert.equal(result.status, 0, `git ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`);
  return result.stdout.trim();
}

/** Sets `version:` in plugin.yaml and `"version"` in package.json of a checkout. */
function setVersion(checkout: string, version: string): void {
  const pluginYaml = path.join(checkout, 'plugin.yaml');
  writeFileSync(pluginYaml, readFileSync(pluginYaml, 'utf8').replace(/^version:.*$/m, `version: ${version}`));
  const packageJson = path.join(checkout, 'package.json');
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  manifest.version = version;
  writeFileSync(packageJson, `${JSON.stringify(manifest, null, 2)}\n`);
}

const show = (r: RunResult) => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** What `.Capabilities.KubeVersion` each Helm renders by default, read from charts-fixtures/flags. */
const kubeVersionOf = new Map<string, string>();
before(() => {
  const home = makeHelmHome(path.join(scratch, 'probe-home'));
  for (const tool of HELM_VERSIONS) {
    const result = runSync(tool.helm, ['template', 'probe', fixtureChart('flags')], { cwd: scratch, env: home.env });
    assert.equal(result.status, 0, show(result));
    const match = /name: "kube-(v[^"]+)"/.exec(result.stdout);
    assert.ok(match, `no kube-<version> pod in:\n${result.stdout}`);
    kubeVersionOf.set(tool.label, match[1]!);
  }
  assert.equal(new Set(kubeVersionOf.values()).size, HELM_VERSIONS.length, `the Helm versions must render different KubeVersions: ${[...kubeVersionOf]}`);
});

test('plugin.yaml and package.json carry the same version', () => {
  assert.equal(pluginVersion, packageVersion);
});

for (const tool of HELM_VERSIONS) {
  const other = HELM_VERSIONS.find((t) => t !== tool)!;

  describe(`helm plugin installed from the project folder, ${tool.label}`, () => {
    const home = makeHelmHome(path.join(scratch, `${tool.label}-project-home`));
    const helm = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
      runSync(tool.helm, args, { cwd: options.cwd ?? PROJECT_ROOT, env: { ...home.env, ...options.env } });
    // `helm plugin install <folder>` links the folder in under its own base name.
    const link = path.join(home.plugins, path.basename(PROJECT_ROOT));

    test(`${tool.label}: helm plugin install <project root> links the project in and lists ${PLUGIN} ${pluginVersion}`, () => {
      // The install hook must be a no-op here: were the build missing, it would run `npm ci` in the project itself.
      for (const file of ['dist/src/cli/main.js', 'node_modules/commander/package.json']) {
        assert.ok(existsSync(path.join(PROJECT_ROOT, file)), `${file} exists: build the project before these tests`);
      }
      const install = leavesProjectAlone('helm plugin install', () => helm(['plugin', 'install', PROJECT_ROOT, ...pluginInstallFlags(tool)]));
      assert.equal(install.status, 0, show(install));
      assert.match(install.stdout, /hostns-check: already built/, 'the install hook ran scripts/plugin-build.mjs');
      assert.match(install.stdout, /Installed plugin: hostns-check/);
      assert.ok(lstatSync(link).isSymbolicLink(), `${link} is a link`);
      assert.equal(path.resolve(home.plugins, readlinkSync(link)), PROJECT_ROOT);

      const list = helm(['plugin', 'list']);
      assert.equal(list.status, 0, show(list));
      assert.equal(listedPluginVersion(list.stdout, PLUGIN), pluginVersion, list.stdout);
    });

    test(`${tool.label}: helm hostns-check NAME CHART -f --set gives the CLI's findings; exit codes 1, 0 and 2`, () => {
      const args = [
        'demo',
        'charts-fixtures/insecure-pod',
        '-f',
        'charts-fixtures/insecure-pod/values-secure.yaml',
        '--set',
        'hostNetwork=true',
        '--format',
        'json',
      ];
      const viaPlugin = helm([PLUGIN, ...args]);
      const direct = runSync(process.execPath, [BIN, 'helm', ...args, '--helm', tool.helm], { cwd: PROJECT_ROOT, env: home.env });
      assert.equal(viaPlugin.status, 1, show(viaPlugin));
      assert.equal(direct.status, 1, show(direct));
      const pluginReport = parseReport(viaPlugin);
      assert.deepEqual(
        pluginReport.findings.map((f) => `${f.check} ${f.resource.kind}/${f.resource.name}`),
        ['host-network Pod/demo-app'],
        'one host-network finding, release name NAME reached helm template',
      );
      assert.deepEqual(pluginReport.findings, parseReport(direct).findings);
      assert.deepEqual(pluginReport.targets, [{ type: 'helm', path: 'charts-fixtures/insecure-pod', ok: true, error: null }]);

      const clean = helm([PLUGIN, 'demo', 'charts-fixtures/insecure-pod', '-f', 'charts-fixtures/insecure-pod/values-secure.yaml', '--format', 'json']);
      assert.equal(clean.status, 0, show(clean));
      assert.deepEqual(parseReport(clean).findings, []);
      assert.deepEqual(parseReport(clean).summary, { resources: 1, podSpecs: 1, findings: 0, suppressed: 0, errors: 0 });

      const failing = helm([PLUGIN, 'charts-fixtures/failing', '--format', 'json']);
      assert.equal(failing.status, 2, show(failing));
      const failed = parseReport(failing);
      assert.equal(failed.errors.length, 1, show(failing));
      assert.match(failed.errors[0]!.message, /image is required: pass --set image=/);
      assertNoStackTrace(failing.stdout + failing.stderr);
    });

    test(`${tool.label}: helm hostns-check scan FILE dispatches to scan`, () => {
      const scan = runSync(tool.helm, [PLUGIN, 'scan', INSECURE_MANIFEST, '--format', 'json'], { cwd: PROJECT_ROOT, env: home.env });
      assert.equal(scan.status, 1, show(scan));
      const report = parseReport(scan);
      assert.deepEqual(report.targets, [{ type: 'manifests', path: INSECURE_MANIFEST, ok: true, error: null }]);
      assert.deepEqual(
        report.findings.map((f) => f.check),
        ['host-ipc', 'host-network', 'host-pid', 'host-port', 'run-as-user'],
      );
    });

    test(`${tool.label}: -n myns reaches the render and --kube-context does not break helm template`, () => {
      const run = helm([PLUGIN, 'charts-fixtures/flags', '-n', 'myns', '--kube-context', 'some-context', '--format', 'json']);
      assert.equal(run.status, 1, show(run));
      const report = parseReport(run);
      assert.deepEqual(report.errors, []);
      assert.equal(report.targets[0]!.ok, true);
      // Every pod of the probe chart has hostPID (one finding each) and metadata.namespace: {{ .Release.Namespace }};
      // the test-hook pod has no namespace of its own.
      const probes = report.findings.filter((f) => f.resource.name !== 'helm-test');
      assert.ok(probes.length >= 8, `expected the flags chart's pods, got ${findingResourceNames(report)}`);
      assert.deepEqual([...new Set(probes.map((f) => f.resource.namespace))], ['myns']);

      // Without -n Helm passes its default namespace, so "myns" above came from the flag.
      const plain = parseReport(helm([PLUGIN, 'charts-fixtures/flags', '--format', 'json']));
      assert.deepEqual([...new Set(plain.findings.filter((f) => f.resource.name !== 'helm-test').map((f) => f.resource.namespace))], ['default']);
    });

    test(`${tool.label}: ./helm hostns-check --debug renders with that same Helm (HELM_BIN=./helm), not ${other.label} first on PATH`, () => {
      const binDir = path.join(scratch, `${tool.label}-bin`);
      const otherDir = path.join(scratch, `${tool.label}-path-has-${other.label}`);
      mkdirSync(binDir);
      mkdirSync(otherDir);
      symlinkSync(tool.helm, path.join(binDir, 'helm'));
      symlinkSync(other.helm, path.join(otherDir, 'helm'));
      const env = { PATH: [otherDir, path.dirname(process.execPath), home.env.PATH].join(path.delimiter) };

      // The trap is set: a bare `helm` on this PATH is the other version.
      const onPath = runSync('helm', ['version', '--short'], { cwd: binDir, env: { ...home.env, ...env } });
      assert.match(onPath.stdout, new RegExp(`^${other.label.replace('helm-', 'v').replaceAll('.', '\\.')}\\b`));

      const viaRelative = runSync('./helm', [PLUGIN, fixtureChart('flags'), '--format', 'json', '--debug'], { cwd: binDir, env: { ...home.env, ...env } });
      assert.equal(viaRelative.status, 1, show(viaRelative));
      const names = findingResourceNames(parseReport(viaRelative));
      assert.ok(names.includes(`kube-${kubeVersionOf.get(tool.label)}`), `rendered by ${tool.label}: ${names}`);
      assert.ok(!names.includes(`kube-${kubeVersionOf.get(other.label)}`), `not rendered by ${other.label}: ${names}`);
      // --debug becomes HELM_DEBUG; the tool then says which binary it ran: ./helm resolved against the working folder.
      assert.ok(
        viaRelative.stderr.includes(`hostns-check: running ${path.join(binDir, 'helm')} "template"`),
        `the tool ran ${path.join(binDir, 'helm')}:\n${viaRelative.stderr}`,
      );
    });

    test(`${tool.label}: helm plugin uninstall removes the link and leaves the project folder untouched`, () => {
      const uninstall = leavesProjectAlone('helm plugin uninstall', () => helm(['plugin', 'uninstall', PLUGIN]));
      assert.equal(uninstall.status, 0, show(uninstall));
      const list = helm(['plugin', 'list']);
      assert.equal(list.status, 0, show(list));
      assert.equal(listedPluginVersion(list.stdout, PLUGIN), null, list.stdout);
      assert.equal(existsSync(link) || isLink(link), false, `${link} is gone`);
      for (const file of ['plugin.yaml', 'bin/helm-plugin.js', 'dist/src/cli/main.js', 'node_modules/commander/package.json']) {
        assert.ok(existsSync(path.join(PROJECT_ROOT, file)), `${file} is still in the project`);
      }
    });
  });

  describe(`helm plugin update and uninstall of a git checkout, ${tool.label}`, () => {
    // `helm plugin update` of a plain local folder fails on both versions ("cannot detect VCS", or, for a
    // git folder without an origin, "Unable to retrieve local repo information"). A folder that is a git
    // clone updates: Helm runs `git fetch`, `git pull` and then `git clean -xdff` in it. Helm finds the
    // plugin to update at $HELM_DATA_HOME/plugins/<base name of the origin URL>, so the checkout's folder
    // must have the same base name as its origin. `git clean -xdff` deletes the untracked dist/ and
    // node_modules/, so the upstream here ships its build (dist/ committed, node_modules/ a committed link
    // to the project's), the way a release branch would; otherwise the update hook runs `npm ci`, which
    // needs the registry (see the rebuild-fails test below).
    const root = path.join(scratch, `${tool.label}-git`);
    const home = makeHelmHome(path.join(root, 'home'), { GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1' });
    const helm = (args: string[]) => runSync(tool.helm, args, { cwd: PROJECT_ROOT, env: home.env });
    const upstream = path.join(root, 'upstream'); // a repository of its own where new versions are committed
    const origin = path.join(root, 'origin', PLUGIN); // bare repository
    const checkout = path.join(root, 'checkout', PLUGIN); // what is installed
    const link = path.join(home.plugins, PLUGIN);
    const BRANCH = 'plugin-release';

    before(() => {
      mkdirSync(path.dirname(origin), { recursive: true });
      mkdirSync(path.dirname(checkout), { recursive: true });
      // The upstream starts as a snapshot of the project's working tree (tracked and untracked files, not
      // ignored ones), so what gets installed and updated is the code as it is now, not the last commit.
      mkdirSync(upstream, { recursive: true });
      git(upstream, 'init', '-q', '-b', BRANCH);
      const files = git(PROJECT_ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
      for (const file of files) {
        try {
          cpSync(path.join(PROJECT_ROOT, file), path.join(upstream, file), { recursive: true, verbatimSymlinks: true });
        } catch (error) {
          // Deleted since ls-files listed it (someone is editing the project): not part of the snapshot.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      git(upstream, 'add', '-A');
      git(upstream, 'commit', '-q', '-m', 'the project as it is now');
      cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(upstream, 'dist'), { recursive: true });
      symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(upstream, 'node_modules'));
      git(upstream, 'add', '-f', 'dist', 'node_modules');
      git(upstream, 'commit', '-q', '-m', 'ship the build');
      git(root, 'clone', '-q', '--bare', upstream, origin);
      git(upstream, 'remote', 'add', 'origin', origin);
      git(root, 'clone', '-q', '--branch', BRANCH, origin, checkout);
    });

    const publish = (version: string, message: string, prepare: () => void = () => {}) => {
      prepare();
      setVersion(upstream, version);
      git(upstream, 'commit', '-q', '-a', '-m', message);
      git(upstream, 'push', '-q', 'origin', BRANCH);
      return git(upstream, 'rev-parse', 'HEAD');
    };

    test(`${tool.label}: helm plugin install <git checkout> lists ${PLUGIN} ${pluginVersion}`, () => {
      const install = leavesProjectAlone('helm plugin install', () => helm(['plugin', 'install', checkout, ...pluginInstallFlags(tool)]));
      assert.equal(install.status, 0, show(install));
      assert.match(install.stdout, /hostns-check: already built/);
      assert.equal(path.resolve(home.plugins, readlinkSync(link)), checkout);
      assert.equal(listedPluginVersion(helm(['plugin', 'list']).stdout, PLUGIN), pluginVersion);
    });

    test(`${tool.label}: helm plugin update pulls the new upstream commit, runs the update hook, and the new version runs`, () => {
      const head = publish('0.1.1', 'release 0.1.1');
      const update = leavesProjectAlone('helm plugin update', () => helm(['plugin', 'update', PLUGIN]));
      assert.equal(update.status, 0, show(update));
      assert.match(update.stdout, /hostns-check: already built/, 'the update hook ran scripts/plugin-build.mjs');
      assert.match(update.stdout, /Updated plugin: hostns-check/);
      assert.equal(git(checkout, 'rev-parse', 'HEAD'), head, 'the checkout is at the upstream commit');
      assert.equal(listedPluginVersion(helm(['plugin', 'list']).stdout, PLUGIN), '0.1.1');

      const version = helm([PLUGIN, '--version']);
      assert.equal(version.status, 0, show(version));
      assert.equal(version.stdout.trim(), '0.1.1', 'the code that runs is the updated checkout');
      const scan = helm([PLUGIN, 'scan', INSECURE_MANIFEST]);
      assert.equal(scan.status, 1, show(scan));
    });

    // Found with this test: before bin/run.js, the half-updated plugin died with ERR_MODULE_NOT_FOUND, a Node
    // stack trace and exit 1, which is the "findings" exit code.
    test(
      `${tool.label}: an update whose rebuild fails leaves a plugin that exits 2 with a message, not a stack trace`,
      () => {
        publish('0.1.2', 'release 0.1.2 without a shipped build', () => git(upstream, 'rm', '-r', '-q', '--cached', 'dist', 'node_modules'));
        const update = leavesProjectAlone('helm plugin update', () => helm(['plugin', 'update', PLUGIN]));
        // npm points at a closed 127.0.0.1 port (see cleanEnv), so `npm ci` in the hook fails at once.
        assert.notEqual(update.status, 0, show(update));
        assert.match(update.stdout + update.stderr, /the plugin could not be built/);
        assert.equal(existsSync(path.join(checkout, 'dist')), false, 'git clean -xdff removed the build');

        const run = helm([PLUGIN, 'scan', INSECURE_MANIFEST]);
        assertNoStackTrace(run.stdout + run.stderr);
        assert.equal(run.status, 2, show(run));
        assert.match(run.stderr, /hostns-check: /, 'the plugin says what is wrong');
      },
    );

    test(`${tool.label}: helm plugin uninstall removes the link and leaves the checkout in place`, () => {
      const uninstall = leavesProjectAlone('helm plugin uninstall', () => helm(['plugin', 'uninstall', PLUGIN]));
      assert.equal(uninstall.status, 0, show(uninstall));
      assert.equal(listedPluginVersion(helm(['plugin', 'list']).stdout, PLUGIN), null);
      assert.equal(existsSync(link) || isLink(link), false, `${link} is gone`);
      assert.ok(existsSync(path.join(checkout, 'plugin.yaml')), 'the checkout itself is kept');
      assert.ok(existsSync(path.join(checkout, '.git')));
    });
  });
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
