// Every Helm finding points at the template line that wrote the key and the values lines that
// set its value, on Helm 3.17.2 and Helm 4.1.4 alike.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS, sharedDir } from './support/tools.js';
import { PROJECT_ROOT, runCli, runJson } from './support/runCli.js';
import type { Finding } from '../src/types.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-sources-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A values file in the scratch folder, and how the report names it (relative to the project). */
function valuesFile(name: string, text: string): { arg: string; shown: string } {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return { arg: file, shown: path.relative(PROJECT_ROOT, file) };
}

const laterFile = valuesFile('later.yaml', '# the later file wins\nagent:\n  hostNetwork: true\n');
const earlierFile = valuesFile('earlier.yaml', 'agent:\n  hostNetwork: false\nglobal:\n  agentHostIPC: true\n');

const M = 'charts-fixtures/mapping';
const U = 'charts-fixtures/umbrella';
const TGZ = `${U}/charts/exporter-1.0.0.tgz!/exporter`;

/** file:line exact, then each values origin as key@file:line/layer. */
function where(finding: Finding): string {
  const source = finding.source ? `${finding.source.file}:${finding.source.line}${finding.source.exact ? '' : ' (approximate)'}` : 'none';
  const values = finding.values.map((v) => `${v.key}@${v.file}:${v.line ?? '-'}/${v.layer}`);
  return [source, ...values].join(' | ');
}

function byResource(findings: Finding[], name: string, check: string): Finding {
  const found = findings.find((f) => f.resource.name === name && f.check === check);
  assert.ok(found, `no ${check} finding on ${name}: ${findings.map((f) => `${f.check}/${f.resource.name}`).join(', ')}`);
  return found;
}

const reports = new Map<string, Finding[]>();

for (const tools of HELM_VERSIONS) {
  const helm = (args: string[]) => runJson(['helm', ...args, '--helm', tools.helm]);

  describe(`template and values lines on ${tools.label}`, () => {
    const mapping = () => {
      const { status, report } = helm([M, '--set', 'helper.hostNetwork=true', '--set', 'pid=true']);
      assert.equal(status, 1);
      reports.set(`mapping ${tools.label}`, report.findings);
      return report.findings as Finding[];
    };

    test('a literal key: its own line, exact, no values', () => {
      assert.equal(where(byResource(mapping(), 'literal', 'host-pid')), `${M}/templates/literal.yaml:6`);
    });

    test('a toYaml block: the toYaml line and the values leaf line, both proven by the proof render', () => {
      const finding = byResource(mapping(), 'toyaml', 'run-as-user');
      assert.equal(where(finding), `${M}/templates/toyaml.yaml:7 | podSecurityContext.runAsUser@${M}/values.yaml:3/chart`);
      assert.equal(finding.values[0]?.exact, true);
      assert.equal(finding.value, 1000);
    });

    test('--no-verify: the same lines, none called exact, each saying why', () => {
      const { report } = helm([M, '--set', 'helper.hostNetwork=true', '--set', 'pid=true', '--no-verify']);
      const findings = report.findings as Finding[];
      assert.ok(findings.length > 0);
      for (const finding of findings) {
        assert.equal(finding.source?.exact, false, finding.path);
        assert.ok(finding.source?.reason, finding.path);
      }
      const literal = byResource(findings, 'literal', 'host-pid');
      assert.equal(literal.source?.line, 6);
      assert.match(literal.source?.reason ?? '', /--no-verify/);
    });

    test('with: the key line and the full values path', () => {
      assert.equal(where(byResource(mapping(), 'with', 'host-network')), `${M}/templates/with.yaml:7 | net.hostNetwork@${M}/values.yaml:5/chart`);
    });

    test('range over a list: the key line and the list item that set it', () => {
      const finding = byResource(mapping(), 'range', 'host-port');
      assert.equal(finding.path, 'spec.containers[0].ports[1].hostPort');
      assert.equal(where(finding), `${M}/templates/range.yaml:15 | ports[1].hostPort@${M}/values.yaml:9/chart`);
    });

    test('index and default: the key line and the values they read; --set first', () => {
      const findings = mapping();
      assert.equal(where(byResource(findings, 'index-default', 'host-ipc')), `${M}/templates/index-default.yaml:6 | ipc.enabled@${M}/values.yaml:11/chart`);
      assert.equal(
        where(byResource(findings, 'index-default', 'host-pid')),
        `${M}/templates/index-default.yaml:7 | pid@--set:-/user | pid@${M}/values.yaml:12/chart`,
      );
    });

    test('a named template in _helpers.tpl: the line inside the define, exact', () => {
      const finding = byResource(mapping(), 'named', 'host-network');
      assert.equal(where(finding), `${M}/templates/_helpers.tpl:3 | helper.hostNetwork@--set:-/user | helper.hostNetwork@${M}/values.yaml:14/chart`);
      assert.equal(finding.source?.text, 'hostNetwork: {{ .Values.helper.hostNetwork }}');
      assert.equal(finding.source?.column, 1);
    });

    test('subchart folder, .tgz subchart, a parent overriding a subchart value, global, two -f files', () => {
      const { status, report } = helm([U, '-f', earlierFile.arg, '-f', laterFile.arg]);
      assert.equal(status, 1);
      const findings = report.findings as Finding[];
      reports.set(`umbrella ${tools.label}`, findings);
      assert.equal(
        where(byResource(findings, 'release-name-agent', 'host-network')),
        [
          `${U}/charts/agent/templates/ds.yaml:12`,
          `agent.hostNetwork@${laterFile.shown}:3/user`,
          `agent.hostNetwork@${earlierFile.shown}:2/user`,
          `agent.hostNetwork@${U}/values.yaml:4/parent`,
          `hostNetwork@${U}/charts/agent/values.yaml:1/chart`,
        ].join(' | '),
      );
      assert.equal(
        where(byResource(findings, 'release-name-agent', 'host-ipc')),
        `${U}/charts/agent/templates/ds.yaml:13 | global.agentHostIPC@${earlierFile.shown}:4/user | global.agentHostIPC@${U}/values.yaml:2/parent`,
      );
      assert.equal(
        where(byResource(findings, 'release-name-exporter', 'host-port')),
        `${TGZ}/templates/ds.yaml:17 | exporter.hostPort@${U}/values.yaml:7/parent | hostPort@${TGZ}/values.yaml:1/chart`,
      );
    });

    test('introducedBy: the overrides turned the agent findings on; the exporter port is the chart\'s own', () => {
      const findings = helm([U, '-f', earlierFile.arg, '-f', laterFile.arg]).report.findings as Finding[];
      assert.equal(byResource(findings, 'release-name-agent', 'host-network').introducedBy, 'overrides');
      assert.equal(byResource(findings, 'release-name-agent', 'host-ipc').introducedBy, 'overrides');
      assert.equal(byResource(findings, 'release-name-exporter', 'host-port').introducedBy, 'chart');
      const plain = helm([U]).report.findings as Finding[];
      assert.ok(plain.every((f) => f.introducedBy === undefined), 'no second render without overrides');
    });

    test('the text report shows the template line with a caret and the values line that set it', () => {
      const { status, stdout } = runCli(['helm', U, '-f', laterFile.arg, '--helm', tools.helm]);
      assert.equal(status, 1);
      const lines = stdout.split('\n');
      const file = lines.indexOf(`${U}/charts/agent/templates/ds.yaml`);
      const at = lines.indexOf('  12:7  host-network  DaemonSet/release-name-agent', file);
      assert.ok(file >= 0 && at > file, stdout);
      assert.match(lines[at + 1] ?? '', /^ {4}hostNetwork is true: /);
      assert.deepEqual(lines.slice(at + 2, at + 6), [
        '    12 |       hostNetwork: {{ .Values.hostNetwork }}',
        '       |       ^',
        `    set by ${laterFile.shown}:3 (agent.hostNetwork)`,
        `    introduced by ${laterFile.shown}:3 (agent.hostNetwork)`,
      ]);
    });
  });
}

test('results are identical on Helm 3.17.2 and Helm 4.1.4', () => {
  for (const name of ['mapping', 'umbrella']) {
    const [first, second] = HELM_VERSIONS.map((tools) => reports.get(`${name} ${tools.label}`));
    assert.ok(first && second, `both versions ran ${name}`);
    assert.deepEqual(second, first);
  }
});

describe('real public charts: exact lines, or a reason; values lines for values', () => {
  const shared = sharedDir();
  const skip = shared ? false : '../shared is absent (a user clone): the public chart corpus lives there';
  const chart = (name: string) => path.join(shared ?? '', 'corpus/charts', name);
  const overrides = valuesFile('overrides.yaml', 'hostNetwork: true\nsecurityContext:\n  runAsUser: 0\n');
  const cases: [string, string[]][] = [
    ['metallb', []],
    ['metallb', ['--set', 'speaker.frr.enabled=false', '--set', 'frrk8s.enabled=false']],
    ['fluent-bit', []],
    ['fluent-bit', ['-f', overrides.arg]],
    ['datadog', []],
    ['datadog', ['--set', 'datadog.apiKey=0123456789abcdef0123456789abcdef']],
  ];
  const [tools] = HELM_VERSIONS;
  let total = 0;
  let exact = 0;
  for (const [name, args] of cases) {
    test(`${name} ${args.join(' ') || '(default values)'}`, { skip }, (t) => {
      const { report } = runJson(['helm', chart(name), ...args, '--helm', tools.helm]);
      assert.deepEqual(report.errors, []);
      assert.ok(report.findings.length > 0);
      for (const finding of report.findings as Finding[]) {
        const label = `${finding.check} ${finding.resource.kind}/${finding.resource.name} ${finding.container ?? ''}`;
        assert.ok(finding.source, `${label}: a source`);
        assert.ok(finding.source.exact || finding.source.reason, `${label}: exact, or a reason why not`);
        const literal = finding.source.text !== undefined && !finding.source.text.includes('{{');
        assert.ok(finding.value === null || literal || finding.values.length > 0, `${label}: a values line for a value from values (${where(finding)})`);
        for (const origin of finding.values) assert.ok(origin.file === '--set' || origin.line !== null, `${label}: values line for ${origin.key}`);
      }
      const share = report.findings.filter((f: Finding) => f.source?.exact).length;
      total += report.findings.length;
      exact += share;
      t.diagnostic(`${share}/${report.findings.length} findings exact`);
    });
  }
  test('share of exact findings on the corpus', { skip }, (t) => {
    t.diagnostic(`exact template lines: ${exact}/${total} (${total ? Math.round((100 * exact) / total) : 0}%)`);
    assert.ok(total > 0);
  });
});
