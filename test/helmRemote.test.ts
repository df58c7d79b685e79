// `hostns-check helm` with charts from a chart repository, with the real Helm 3.17.2 and 4.1.4. The
// test packages three versions of a small chart, indexes them and serves them itself on 127.0.0.1;
// each pod name carries .Chart.Version, so the rendered result shows which version Helm picked.
// Helm pulls a remote chart into a scratch folder first, so findings map to its template and
// values lines as a local chart's do; TMPDIR points at a folder of the test's own, which must be
// empty again after every run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS } from './support/tools.js';
import { BIN, assertNoStackTrace } from './support/runCli.js';
import { serveFolder, type ServedFolder } from './support/chartRepository.js';
import { closedPort, findingResourceNames, makeHelmHome, parseReport, runAsync, type RunResult } from './support/helmHome.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-helm-remote-test-'));
const chartSource = path.join(scratch, 'src', 'hello');
const repoDir = path.join(scratch, 'repo');
// An empty working folder: a local folder named like the chart would win over the repository.
const work = path.join(scratch, 'work');

const CHART = 'hello';
const VERSIONS = ['0.9.0', '1.0.0', '1.1.0-beta.1'];
/** Where the runs' scratch folders go (TMPDIR): empty after each run. */
const tmp = path.join(scratch, 'tmp');
/** A values file given with -f, in the working folder: it lowers runAsUser below 10000. */
const OVERRIDE = 'override.yaml';
const show = (r: RunResult) => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Paths the repository server was asked for, in order. */
const requests: string[] = [];
let server: ServedFolder | null = null;
let repoUrl = '';

before(async () => {
  mkdirSync(path.join(chartSource, 'templates'), { recursive: true });
  mkdirSync(repoDir);
  mkdirSync(work);
  mkdirSync(tmp);
  writeFileSync(path.join(work, OVERRIDE), '# lower the user\nrunAsUser: 1000\n');
  writeFileSync(path.join(chartSource, 'values.yaml'), '# the pod\'s settings\nhostNetwork: true\nrunAsUser: 20000\n');
  writeFileSync(path.join(chartSource, 'Chart.yaml'), `apiVersion: v2\nname: ${CHART}\ndescription: one host-network pod named after the chart version\nversion: 0.0.0\n`);
  writeFileSync(
    path.join(chartSource, 'templates', 'pod.yaml'),
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: hello-{{ .Chart.Version }}',
      'spec:',
      '  hostNetwork: {{ .Values.hostNetwork }}',
      '  containers:',
      '    - name: app',
      '      image: app:1',
      '      securityContext:',
      '        runAsUser: {{ .Values.runAsUser }}',
      '',
    ].join('\n'),
  );

  server = await serveFolder(repoDir, (pathname) => requests.push(pathname));
  repoUrl = server.url;

  const packager = HELM_VERSIONS[0].helm;
  const home = makeHelmHome(path.join(scratch, 'packager-home'));
  for (const version of VERSIONS) {
    const result = await runAsync(packager, ['package', chartSource, '--version', version, '--destination', repoDir], { cwd: scratch, env: home.env });
    assert.equal(result.status, 0, show(result));
  }
  const index = await runAsync(packager, ['repo', 'index', repoDir, '--url', repoUrl], { cwd: scratch, env: home.env });
  assert.equal(index.status, 0, show(index));
});

after(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The template and values lines the findings of a run with -f override.yaml point at, by check. */
function mappedLines(result: RunResult, chartAsGiven: string): Record<string, unknown> {
  const report = parseReport(result);
  assert.equal(result.status, 1, show(result));
  assert.deepEqual(report.errors, [], show(result));
  assert.deepEqual(report.targets.map((target) => target.path), [chartAsGiven], 'the report names the chart as the user gave it');
  return Object.fromEntries(
    report.findings.map((finding) => {
      const source = finding.source as { file: string; line: number; exact: boolean };
      const values = (finding.values as { file: string; line: number | null; layer: string }[]).map(({ file, line, layer }) => ({ file, line, layer }));
      return [finding.check, { source: { file: source.file, line: source.line, exact: source.exact }, values }];
    }),
  );
}

/** What both Helm versions must give for the chart with -f override.yaml, wherever the chart came from. */
const EXPECTED_LINES = {
  'host-network': { source: { file: 'hello/templates/pod.yaml', line: 6, exact: true }, values: [{ file: 'hello/values.yaml', line: 2, layer: 'chart' }] },
  'run-as-user': {
    source: { file: 'hello/templates/pod.yaml', line: 11, exact: true },
    values: [
      { file: OVERRIDE, line: 2, layer: 'user' },
      { file: 'hello/values.yaml', line: 3, layer: 'chart' },
    ],
  },
};

function assertNoScratchLeft(): void {
  assert.deepEqual(readdirSync(tmp), [], 'the pulled chart\'s scratch folder is removed');
}

test('oci:// charts are not covered here', { skip: 'oci:// needs an OCI registry, which these tests do not build; oci:// references are not tested' }, () => {});

for (const tool of HELM_VERSIONS) {
  describe(`remote charts, ${tool.label}`, () => {
    const home = makeHelmHome(path.join(scratch, `${tool.label}-home`), { TMPDIR: tmp });
    /** `hostns-check helm demo ARGS --helm <this Helm>`, with the isolated Helm home in the environment. */
    const check = (args: string[]) => runAsync(process.execPath, [BIN, 'helm', 'demo', ...args, '--helm', tool.helm], { cwd: work, env: home.env });
    /** The names of the pods rendered, after checking the run found exactly the one host-network pod. */
    const rendered = async (args: string[]) => {
      const result = await check([...args, '--format', 'json']);
      const report = parseReport(result);
      assert.equal(result.status, 1, show(result));
      assert.deepEqual(report.errors, []);
      assert.deepEqual(report.findings.map((f) => f.check), ['host-network'], show(result));
      return findingResourceNames(report);
    };

    test(`${tool.label}: --repo URL ${CHART} renders the latest stable version, 1.0.0, from the test's repository`, async () => {
      requests.length = 0;
      assert.deepEqual(await rendered([CHART, '--repo', repoUrl]), ['hello-1.0.0']);
      assert.ok(requests.includes('/index.yaml'), `index fetched: ${requests}`);
      assert.ok(requests.includes('/hello-1.0.0.tgz'), `chart fetched: ${requests}`);
    });

    test(`${tool.label}: --version=X picks exactly that version, also over a newer --devel one`, async () => {
      assert.deepEqual(await rendered([CHART, '--repo', repoUrl, '--version=0.9.0']), ['hello-0.9.0']);
      assert.deepEqual(await rendered([CHART, '--repo', repoUrl, '--devel', '--version=1.0.0']), ['hello-1.0.0']);
    });

    // Found with this test: commander's program-level -V/--version used to catch `--version 0.9.0` after the helm
    // subcommand, so hostns-check printed its own version and exited 0 without rendering anything.
    test(
      `${tool.label}: --version X (separate argument, as helm template takes it) picks exactly that version`,
      async () => {
        const result = await check([CHART, '--repo', repoUrl, '--version', '0.9.0', '--format', 'json']);
        assert.equal(result.status, 1, show(result));
        assert.deepEqual(findingResourceNames(parseReport(result)), ['hello-0.9.0']);
      },
    );

    test(`${tool.label}: --devel picks the newest version, 1.1.0-beta.1`, async () => {
      assert.deepEqual(await rendered([CHART, '--repo', repoUrl, '--devel']), ['hello-1.1.0-beta.1']);
    });

    test(`${tool.label}: repo/name after helm repo add into an isolated Helm home (Helm inherits the environment)`, async () => {
      // A home of its own, with an empty cache: Helm 4 keeps downloaded charts in $HELM_CACHE_HOME/content by
      // digest and would not ask the server again for a chart the --repo tests above already fetched.
      const repoHome = makeHelmHome(path.join(scratch, `${tool.label}-repo-home`), { TMPDIR: tmp });
      requests.length = 0;
      const add = await runAsync(tool.helm, ['repo', 'add', 'testrepo', repoUrl], { cwd: work, env: repoHome.env });
      assert.equal(add.status, 0, show(add));
      assert.ok(requests.includes('/index.yaml'), `helm repo add fetched the index: ${requests}`);
      const inRepoHome = (args: string[]) =>
        runAsync(process.execPath, [BIN, 'helm', 'demo', ...args, '--helm', tool.helm, '--format', 'json'], { cwd: work, env: repoHome.env });

      requests.length = 0;
      const stable = await inRepoHome(['testrepo/hello']);
      assert.equal(stable.status, 1, show(stable));
      assert.deepEqual(findingResourceNames(parseReport(stable)), ['hello-1.0.0']);
      assert.ok(requests.includes('/hello-1.0.0.tgz'), `chart fetched from the repository: ${requests}`);
      const devel = await inRepoHome(['testrepo/hello', '--devel']);
      assert.equal(devel.status, 1, show(devel));
      assert.deepEqual(findingResourceNames(parseReport(devel)), ['hello-1.1.0-beta.1']);

      // Pulled into a scratch folder, the chart maps like a local one: template and values lines.
      const mapped = await inRepoHome(['testrepo/hello', '-f', OVERRIDE]);
      assert.deepEqual(mappedLines(mapped, 'testrepo/hello'), EXPECTED_LINES, show(mapped));
      assertNoScratchLeft();

      // The repository is known only in that home: the other one does not have it.
      const elsewhere = await check(['testrepo/hello']);
      assert.equal(elsewhere.status, 2, show(elsewhere));
      assert.match(elsewhere.stdout, /testrepo/);
    });

    test(`${tool.label}: --repo URL ${CHART} -f FILE maps findings to the template line and to the -f and chart values lines`, async () => {
      const result = await check([CHART, '--repo', repoUrl, '-f', OVERRIDE, '--format', 'json']);
      assert.deepEqual(mappedLines(result, CHART), EXPECTED_LINES, show(result));
      assertNoScratchLeft();
    });

    test(`${tool.label}: the text report shows the pulled chart's files by Helm's names, not a scratch path`, async () => {
      const result = await check([CHART, '--repo', repoUrl, '-f', OVERRIDE]);
      assert.equal(result.status, 1, show(result));
      assert.match(result.stdout, /^hello\/templates\/pod\.yaml\n {2}6:3 {2}host-network/m);
      assert.match(result.stdout, /set by override\.yaml:2 \(runAsUser\)/);
      assert.doesNotMatch(result.stdout + result.stderr, /hostns-check-pull-|\.tgz/, 'no scratch path or archive is named');
      assertNoScratchLeft();
    });

    test(`${tool.label}: a chart the repository does not have: exit 2, names the chart, says what to give`, async () => {
      const result = await check(['nosuch', '--repo', repoUrl]);
      assert.equal(result.status, 2, show(result));
      const output = result.stdout + result.stderr;
      assert.match(output, /chart nosuch could not be found: give a chart folder, a \.tgz, repo\/name, --repo URL with a chart name/);
      assert.match(output, /chart "nosuch" not found in http:\/\/127\.0\.0\.1:\d+ repository/, "Helm's reason is kept");
      assertNoStackTrace(output);
      assertNoScratchLeft();
    });

    test(`${tool.label}: an unreachable repository URL: exit 2, names the chart and the URL, no stack trace`, async () => {
      const deadUrl = `http://127.0.0.1:${await closedPort()}`;
      const result = await check([CHART, '--repo', deadUrl]);
      assert.equal(result.status, 2, show(result));
      const output = result.stdout + result.stderr;
      assert.match(output, /chart hello could not be found: give a chart folder, a \.tgz, repo\/name, --repo URL with a chart name/);
      assert.ok(output.includes(`"${deadUrl}" is not a valid chart repository or cannot be reached`), output);
      assertNoStackTrace(output);
      assertNoScratchLeft();
    });
  });
}
