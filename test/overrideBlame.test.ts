// Which of the user's values settings turn a finding on (introducedByOverrides), and a finding the
// chart's own values already produce with another value (chartValue), on Helm 3.17.2 and 4.1.4,
// with the fixture chart charts-fixtures/blame and the datadog chart of the shared corpus.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS, sharedDir } from './support/tools.js';
import { gitIn } from './support/git.js';
import { PROJECT_ROOT, runCli, runJson } from './support/runCli.js';
import type { Finding } from '../src/types.js';

const CHART = 'charts-fixtures/blame';
const F = 'test/fixtures/blame';
// Each run gets its own temporary folder: what the search writes there must be gone after it.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hostns-blame-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function byResource(findings: Finding[], name: string, check: string): Finding {
  const found = findings.find((f) => f.resource.name === name && f.check === check);
  assert.ok(found, `no ${check} finding on ${name}: ${findings.map((f) => `${f.check}/${f.resource.name}`).join(', ')}`);
  return found;
}

for (const tools of HELM_VERSIONS) {
  const helm = (args: string[]) => {
    const result = runJson(['helm', ...args, '--helm', tools.helm], { env: { TMPDIR: tmp } });
    assert.deepEqual(readdirSync(tmp), [], 'scratch values files are removed');
    return result;
  };

  describe(`the settings behind a finding on ${tools.label}`, () => {
    test('two -f files: only the one setting that turns hostNetwork on is named, with its file, line and key', () => {
      const before = [readFileSync(`${F}/common.yaml`, 'utf8'), readFileSync(`${F}/prod.yaml`, 'utf8')];
      const { status, report } = helm([CHART, '-f', `${F}/common.yaml`, '-f', `${F}/prod.yaml`]);
      assert.equal(status, 1);
      const finding = byResource(report.findings, 'release-name-agent', 'host-network');
      assert.equal(finding.introducedBy, 'overrides');
      assert.deepEqual(finding.introducedByOverrides, [{ file: `${F}/prod.yaml`, line: 6, key: 'agent.hostNetwork' }]);
      assert.deepEqual([readFileSync(`${F}/common.yaml`, 'utf8'), readFileSync(`${F}/prod.yaml`, 'utf8')], before, "the user's files are untouched");
    });

    test('a --set assignment among others in one flag: only that assignment is named', () => {
      const { report } = helm([CHART, '--set', 'web.replicas=2,agent.hostNetwork=true', '--set-string', 'agent.logLevel=debug']);
      const finding = byResource(report.findings, 'release-name-agent', 'host-network');
      assert.deepEqual(finding.introducedByOverrides, [{ file: null, line: null, key: 'agent.hostNetwork', flag: '--set', text: 'agent.hostNetwork=true' }]);
    });

    test('two settings both needed (probe.enabled, probe.hostNetwork): both named, removing either turns it off', () => {
      const { report } = helm([CHART, '-f', `${F}/probe.yaml`]);
      const finding = byResource(report.findings, 'release-name-probe', 'host-network');
      assert.deepEqual(finding.introducedByOverrides, [
        { file: `${F}/probe.yaml`, line: 5, key: 'probe.enabled' },
        { file: `${F}/probe.yaml`, line: 6, key: 'probe.hostNetwork' },
      ]);
    });

    test("the chart already produces it with another value: 'chart', with the chart's value and the sentence", () => {
      const { report } = helm([CHART, '--set', 'web.runAsUser=1000']);
      const finding = byResource(report.findings, 'release-name-web', 'run-as-user');
      assert.equal(finding.introducedBy, 'chart');
      assert.equal(finding.value, 1000);
      assert.equal(finding.chartValue, 0);
      assert.equal(finding.introducedByOverrides, undefined);
      const same = byResource(helm([CHART, '--set', 'web.runAsUser=0']).report.findings, 'release-name-web', 'run-as-user');
      assert.equal(same.introducedBy, 'chart');
      assert.ok(!('chartValue' in same), 'the same value: just chart');
      const text = runCli(['helm', CHART, '--set', 'web.runAsUser=1000', '--helm', tools.helm]).stdout;
      assert.match(text, /\n {4}the chart's own values already fail this check \(runAsUser 0\); your overrides changed it to 1000\n/);
    });

    test('every format for people names the setting; SARIF carries it in properties', () => {
      const args = ['helm', CHART, '-f', `${F}/common.yaml`, '-f', `${F}/prod.yaml`, '--helm', tools.helm];
      const named = `${F}/prod.yaml:6 (agent.hostNetwork)`;
      assert.match(runCli(args).stdout, new RegExp(`\n {4}introduced by ${named.replace(/[.()]/g, '\\$&')}\n`));
      assert.match(runCli([...args, '--format', 'github']).stdout, /introduced by test\/fixtures\/blame\/prod\.yaml:6 \(agent\.hostNetwork\)/);
      assert.match(runCli([...args, '--format', 'markdown']).stdout, /introduced by test\/fixtures\/blame\/prod\.yaml:6 \\?\(agent\.hostNetwork\\?\)/);
      const sarif = JSON.parse(runCli([...args, '--format', 'sarif']).stdout);
      const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'host-network');
      assert.match(result.message.text, /Introduced by test\/fixtures\/blame\/prod\.yaml:6 \(agent\.hostNetwork\)\./);
      assert.deepEqual(result.properties.introducedByOverrides, [{ file: `${F}/prod.yaml`, line: 6, key: 'agent.hostNetwork' }]);
    });

    test('no finding: no second render at all; a finding: the defaults render, then the search', () => {
      const clean = runCli(['helm', CHART, '--set', 'web.runAsUser=20000', '--helm', tools.helm, '--debug']);
      assert.equal(clean.status, 0);
      assert.doesNotMatch(clean.stderr, /introducedBy/);
      const failing = runCli(['helm', CHART, '--set', 'web.runAsUser=20000,agent.hostNetwork=true', '--helm', tools.helm, '--debug']);
      assert.equal(failing.status, 1);
      assert.match(failing.stderr, /introducedBy: rendering the chart with its own values\n/);
      assert.match(failing.stderr, /introducedBy: \d+ render\(s\) to name the settings behind 1 finding\(s\)\n/);
    });

    test('--base: the base is rendered and compared, but no renders name the settings behind its findings', () => {
      const repo = mkdtempSync(path.join(tmp, '..', 'hostns-blame-base-'));
      try {
        cpSync(path.join(PROJECT_ROOT, CHART), path.join(repo, 'chart'), { recursive: true });
        mkdirSync(path.join(repo, 'values'));
        cpSync(path.join(PROJECT_ROOT, F, 'prod.yaml'), path.join(repo, 'values/prod.yaml'));
        gitIn(repo, repo, 'init', '-q');
        gitIn(repo, repo, 'add', '.');
        gitIn(repo, repo, 'commit', '-qm', 'base');
        const args = ['helm', 'chart', '-f', 'values/prod.yaml', '--base', 'HEAD', '--helm', tools.helm, '--debug', '--format', 'json'];
        const { status, stdout, stderr } = runCli(args, { cwd: repo, env: { HOME: repo } });
        assert.equal(status, 1, stderr);
        assert.equal(stderr.match(/render\(s\) to name the settings/g)?.length, 1, stderr);
        const finding = byResource(JSON.parse(stdout).findings, 'release-name-agent', 'host-network');
        assert.deepEqual(finding.introducedByOverrides, [{ file: 'values/prod.yaml', line: 6, key: 'agent.hostNetwork' }]);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    });

    const corpus = sharedDir();
    test('datadog: the agent turned on by one --set and its hostPort by another', { skip: corpus ? false : '../shared is absent: the public chart corpus lives there' }, () => {
      const chart = path.join(corpus!, 'corpus/charts/datadog');
      const { report } = helm([chart, '--set', 'datadog.apiKeyExistingSecret=datadog-secret', '--set', 'datadog.dogstatsd.useHostPort=true']);
      const settings = (finding: Finding) => finding.introducedByOverrides?.map((setting) => setting.text);
      const port = byResource(report.findings, 'release-name-datadog', 'host-port');
      assert.deepEqual(settings(port), ['datadog.apiKeyExistingSecret=datadog-secret', 'datadog.dogstatsd.useHostPort=true']);
      assert.deepEqual(settings(byResource(report.findings, 'release-name-datadog', 'host-pid')), ['datadog.apiKeyExistingSecret=datadog-secret']);
      const operator = byResource(report.findings, 'release-name-datadog-operator', 'run-as-user');
      assert.equal(operator.introducedBy, 'chart');
      assert.equal(operator.introducedByOverrides, undefined);
    });
  });
}
