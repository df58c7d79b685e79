// `--dependency-update` with a dependency from an HTTP chart repository, the usual case: the test
// packages a dependency chart with `helm package`, indexes it and serves it itself on 127.0.0.1.
// Helm's progress lines ("Hang tight while we grab...") must never reach the manifest parser,
// and an unreachable repository (a closed port) is one error that names the repository and
// keeps Helm's message, not YAML errors inside a temporary folder blamed on the -f files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, assertNoStackTrace } from '../support/runCli.js';
import { serveFolder, type ServedFolder } from '../support/chartRepository.js';
import { closedPort, findingResourceNames, makeHelmHome, parseReport, runAsync, type RunResult } from '../support/helmHome.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-depup-'));
const repoDir = path.join(scratch, 'repo');
const show = (r: RunResult) => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let server: ServedFolder | null = null;
let repoUrl = '';
let deadUrl = '';

/** A chart whose one dependency, `dep` 0.1.0, comes from `repository`. */
function parentChart(name: string, repository: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  writeFileSync(
    path.join(dir, 'Chart.yaml'),
    `apiVersion: v2\nname: ${name}\nversion: 1.0.0\ndependencies:\n  - name: dep\n    version: 0.1.0\n    repository: ${repository}\n`,
  );
  writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 1\n');
  writeFileSync(path.join(dir, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: parent\ndata: {}\n');
  return dir;
}

before(async () => {
  const dep = path.join(scratch, 'src', 'dep');
  mkdirSync(path.join(dep, 'templates'), { recursive: true });
  mkdirSync(repoDir);
  writeFileSync(path.join(dep, 'Chart.yaml'), 'apiVersion: v2\nname: dep\nversion: 0.1.0\n');
  writeFileSync(
    path.join(dep, 'templates', 'pod.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-dependency\nspec:\n  hostNetwork: true\n  containers:\n    - name: app\n      image: app:1\n      securityContext:\n        runAsUser: 20000\n',
  );
  server = await serveFolder(repoDir);
  repoUrl = server.url;
  deadUrl = `http://127.0.0.1:${await closedPort()}`;
  const home = makeHelmHome(path.join(scratch, 'packager-home'));
  const packaged = await runAsync(HELM_VERSIONS[0].helm, ['package', dep, '--destination', repoDir], { cwd: scratch, env: home.env });
  assert.equal(packaged.status, 0, show(packaged));
  const index = await runAsync(HELM_VERSIONS[0].helm, ['repo', 'index', repoDir, '--url', repoUrl], { cwd: scratch, env: home.env });
  assert.equal(index.status, 0, show(index));
});

after(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

for (const tool of HELM_VERSIONS) {
  describe(`--dependency-update from an HTTP chart repository, ${tool.label}`, () => {
    const run = (chart: string, extra: string[] = []) => {
      const home = makeHelmHome(path.join(scratch, `${tool.label}-home-${path.basename(chart)}`));
      return runAsync(process.execPath, [BIN, 'helm', chart, '--dependency-update', '--helm', tool.helm, '--format', 'json', ...extra], { cwd: scratch, env: home.env });
    };

    test(`${tool.label}: the dependency is fetched and checked; the chart folder is untouched`, async () => {
      const chart = parentChart(`up-${tool.label}`, repoUrl);
      const result = await run(chart);
      assertNoStackTrace(result.stdout + result.stderr);
      const report = parseReport(result);
      assert.deepEqual(report.errors, [], show(result));
      assert.equal(result.status, 1, show(result));
      assert.deepEqual(findingResourceNames(report), ['from-dependency']);
      assert.deepEqual(readdirSync(chart).sort(), ['Chart.yaml', 'templates', 'values.yaml'], 'no charts/ or Chart.lock written into the chart');
    });

    test(`${tool.label}: with values overrides too (introducedBy needs a second render of the fetched copy)`, async () => {
      const chart = parentChart(`over-${tool.label}`, repoUrl);
      const values = path.join(scratch, `over-${tool.label}.yaml`);
      writeFileSync(values, 'replicas: 2\n');
      const result = await run(chart, ['-f', values]);
      const report = parseReport(result);
      assert.equal(result.status, 1, show(result));
      assert.deepEqual(report.errors, [], show(result));
      assert.deepEqual(report.findings.map((f) => f.introducedBy), ['chart']);
    });

    test(`${tool.label}: an unreachable repository is one error naming it, with Helm's message`, async () => {
      const chart = parentChart(`dead-${tool.label}`, deadUrl);
      const values = path.join(scratch, `dead-${tool.label}.yaml`);
      writeFileSync(values, 'replicas: 2\n');
      const result = await run(chart, ['-f', values]);
      assertNoStackTrace(result.stdout + result.stderr);
      assert.equal(result.status, 2, show(result));
      const report = parseReport(result);
      assert.equal(report.errors.length, 1, show(result));
      const message = report.errors[0]!.message;
      assert.match(message, /could not fetch the dependencies/, message);
      assert.ok(message.includes(deadUrl), message);
      assert.match(message, /refused|dial tcp|connect/i, `Helm's own message is kept: ${message}`);
      assert.doesNotMatch(message, /-f\/--values/, 'the values files are not blamed');
      assert.ok(!existsSync(path.join(chart, 'charts')));
    });
  });
}
