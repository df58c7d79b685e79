// Suppressions: resource annotations, inline `# hostns-check:ignore` comments (in manifests and in
// Helm templates, which Helm keeps in its output) and configuration exemptions (with expiry).
// Each needs a reason; one without, or naming an unknown check, is exit 2; suppressed findings
// stay in the report and never make the run fail; `--fail-on none` reports without failing.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commentDirective, annotationDirective, directiveProblems, parseCheckList } from '../src/suppressions/directives.js';
import { chartsOfSourceHeader, exemptionCharts, globMatches, matchExemption, todayIso, type ExemptionFacts } from '../src/suppressions/exemptions.js';
import { targetId, type Exemption, type Finding } from '../src/types.js';
import { checkStream } from '../src/pipeline/checkStream.js';
import { streamSource } from '../src/pipeline/sourceMapping.js';
import { defaultRuleConfig } from '../src/rules/hostNamespaceRule.js';
import { PROJECT_ROOT, assertNoStackTrace, runCli, runJson } from './support/runCli.js';
import { HELM_VERSIONS } from './support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-suppressions-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const FIXTURES = 'test/fixtures/suppressions';
const CONFIG = `${FIXTURES}/config.yaml`;

/** `check Kind/name: kind@file:line` for suppressed findings, `check Kind/name: open` for the rest. */
function outcomes(findings: Finding[]): string[] {
  return findings.map((f) => {
    const what = `${f.check} ${f.resource.kind}/${f.resource.name}`;
    if (!f.suppressed) return `${what}: open`;
    assert.ok(f.suppression, `${what} is suppressed without a suppression record`);
    return `${what}: ${f.suppression.kind}@${f.suppression.file}:${f.suppression.line}`;
  });
}

function writeScratch(name: string, text: string): string {
  const file = path.join(scratch, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('directives (pure)', () => {
  test('a comment: the checks, then the reason; separators and spaces after commas allowed', () => {
    assert.deepEqual(commentDirective('hostns-check:ignore host-network the agent needs it'), { checks: ['host-network'], unknown: [], reason: 'the agent needs it' });
    assert.deepEqual(commentDirective('hostns-check:ignore host-network, host-pid -- node metrics'), { checks: ['host-network', 'host-pid'], unknown: [], reason: 'node metrics' });
    assert.deepEqual(commentDirective('  hostns-check:ignore host-port: scraped on the node'), { checks: ['host-port'], unknown: [], reason: 'scraped on the node' });
    assert.deepEqual(commentDirective('hostns-check:ignore host-ipc'), { checks: ['host-ipc'], unknown: [], reason: '' });
    assert.deepEqual(commentDirective('hostns-check:ignore the agent needs it')?.unknown, ['the']);
    assert.equal(commentDirective('hostns-check:ignored host-ipc why'), null);
    assert.equal(commentDirective('an ordinary comment'), null);
  });

  test('annotations: a list of checks and a separate reason', () => {
    assert.deepEqual(annotationDirective({ 'hostns-check.io/ignore': 'host-network,host-pid', 'hostns-check.io/ignore-reason': ' metrics ' }), {
      checks: ['host-network', 'host-pid'],
      unknown: [],
      reason: 'metrics',
    });
    assert.equal(annotationDirective({ 'hostns-check.io/ignore-reason': 'orphan' }), null);
    assert.deepEqual(parseCheckList('host-pid, hostpid,host-pid'), { checks: ['host-pid'], unknown: ['hostpid'] });
  });

  test('problems: no reason, unknown checks, no checks', () => {
    assert.match(directiveProblems({ checks: ['host-ipc'], unknown: [], reason: '' }, 'annotation').join(), /no reason: add the annotation hostns-check.io\/ignore-reason/);
    assert.match(directiveProblems({ checks: ['host-ipc'], unknown: [], reason: '' }, 'comment').join(), /no reason: write why/);
    assert.match(directiveProblems({ checks: [], unknown: ['hostnetwork'], reason: 'x' }, 'comment').join(), /unknown check "hostnetwork"; the checks are host-ipc, host-network/);
    assert.match(directiveProblems({ checks: [], unknown: [], reason: 'x' }, 'comment').join(), /name the checks/);
    assert.deepEqual(directiveProblems({ checks: ['host-ipc'], unknown: [], reason: 'x' }, 'comment'), []);
  });
});

describe('exemptions (pure)', () => {
  const exemption = (fields: Partial<Exemption>): Exemption => ({
    kind: null,
    namespace: null,
    name: null,
    chart: null,
    checks: ['host-network'],
    reason: 'third-party chart',
    expires: null,
    file: '.hostns-check.yaml',
    line: 3,
    ...fields,
  });
  const facts: ExemptionFacts = { check: 'host-network', kind: 'DaemonSet', namespace: 'monitoring', name: 'prom-node-exporter', charts: ['kube-prometheus', 'node-exporter'] };

  test('every selector given must match; the name is a glob', () => {
    assert.equal(matchExemption([exemption({ kind: 'DaemonSet', name: '*-node-exporter' })], facts, '2025-01-01')?.expired, false);
    assert.equal(matchExemption([exemption({ name: 'prom-node-export?r' })], facts, '2025-01-01')?.expired, false);
    assert.equal(matchExemption([exemption({ name: 'node-exporter' })], facts, '2025-01-01'), null, 'the whole name must match');
    assert.equal(matchExemption([exemption({ kind: 'Deployment' })], facts, '2025-01-01'), null);
    assert.equal(matchExemption([exemption({ namespace: 'default', name: '*' })], facts, '2025-01-01'), null);
    assert.equal(matchExemption([exemption({ chart: 'node-exporter' })], facts, '2025-01-01')?.expired, false, 'a subchart name');
    assert.equal(matchExemption([exemption({ chart: 'grafana' })], facts, '2025-01-01'), null);
    assert.equal(matchExemption([exemption({ kind: 'DaemonSet', checks: ['host-pid'] })], facts, '2025-01-01'), null, 'only the checks it lists');
    assert.equal(matchExemption([exemption({ chart: './charts/app/' })], { ...facts, charts: ['charts/app'] }, '2025-01-01')?.expired, false);
    assert.ok(globMatches('a.b*', 'a.bc') && !globMatches('a.b*', 'axbc'), 'only * and ? are special');
  });

  test('expiry: applies before its date, not from it on; an exemption in force wins over an expired one', () => {
    const ending = exemption({ kind: 'DaemonSet', expires: '2025-06-30' });
    assert.deepEqual(matchExemption([ending], facts, '2025-06-29'), { exemption: ending, expired: false });
    assert.deepEqual(matchExemption([ending], facts, '2025-06-30'), { exemption: ending, expired: true });
    const renewed = exemption({ kind: 'DaemonSet', expires: '2026-06-30', line: 9 });
    assert.deepEqual(matchExemption([ending, renewed], facts, '2025-07-01'), { exemption: renewed, expired: false });
    assert.equal(todayIso(new Date(2025, 0, 5, 23, 59)), '2025-01-05');
  });

  test('chart names from a # Source: path and the chart argument, never from a label', () => {
    assert.deepEqual(chartsOfSourceHeader('umbrella/charts/agent/templates/ds.yaml'), ['umbrella', 'agent']);
    assert.deepEqual(chartsOfSourceHeader('app/templates/charts/x.yaml'), ['app']);
    assert.deepEqual(chartsOfSourceHeader('no-templates-folder.yaml'), []);
    assert.deepEqual(exemptionCharts('umbrella/charts/agent/templates/ds.yaml', './charts/umbrella'), ['umbrella', 'agent', './charts/umbrella']);
    assert.deepEqual(exemptionCharts(null, undefined), []);
  });

  test('a helm.sh/chart label the chart writes itself matches no chart: exemption', async () => {
    const config = { ...defaultRuleConfig(), exemptions: [exemption({ chart: 'node-exporter' })] };
    const text = '---\n# Source: evil/templates/ds.yaml\n# Source: node-exporter/templates/ds.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {helm.sh/chart: node-exporter-4.0.0}\nspec: {hostNetwork: true, containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]}\n';
    const out = await checkStream([text], { target: targetId('evil'), file: null, config, sourceOf: streamSource });
    assert.deepEqual(out.findings.map((f) => [f.check, f.suppressed]), [['host-network', false]]);
    const real = await checkStream([text.replace('evil/templates/ds.yaml\n# Source: ', '')], { target: targetId('evil'), file: null, config, sourceOf: streamSource });
    assert.deepEqual(real.findings.map((f) => [f.check, f.suppressed]), [['host-network', true]]);
  });
});

describe('annotations and inline comments in a scanned manifest', () => {
  const file = `${FIXTURES}/node-exporter.yaml`;

  test('annotation, comment above the container (missing runAsUser), trailing comment; the rest open', () => {
    const { status, report } = runJson(['scan', file]);
    assert.equal(status, 1, 'host-ipc and the misplaced pod remain');
    assert.deepEqual(outcomes(report.findings), [
      `host-network DaemonSet/node-exporter: annotation@${file}:8`,
      `host-pid DaemonSet/node-exporter: annotation@${file}:8`,
      'host-ipc DaemonSet/node-exporter: open',
      `run-as-user DaemonSet/node-exporter: inline@${file}:21`,
      `host-port DaemonSet/node-exporter: inline@${file}:26`,
      'host-network Pod/misplaced: open',
      'host-ipc Pod/misplaced: open',
    ]);
    const port = report.findings.find((f: Finding) => f.check === 'host-port');
    assert.deepEqual(port.suppression, { kind: 'inline', reason: 'Prometheus scrapes it on the node address', file, line: 26 });
    assert.equal(report.summary.suppressed, 4);
    assert.equal(report.summary.findings, 3);
  });

  test('suppressed findings never fail the run; --fail-on none reports without failing', () => {
    const onlySuppressed = writeScratch('accepted.yaml', [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: accepted',
      '  annotations:',
      '    hostns-check.io/ignore: host-network',
      '    hostns-check.io/ignore-reason: needs the node network',
      'spec:',
      '  hostNetwork: true',
      '  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]',
      '',
    ].join('\n'));
    const { status, report } = runJson(['scan', onlySuppressed]);
    assert.equal(status, 0, 'only a suppressed finding: exit 0');
    assert.equal(report.findings.length, 1, 'the suppressed finding stays in the report');
    assert.deepEqual(report.summary, { resources: 1, podSpecs: 1, findings: 0, suppressed: 1, errors: 0 });
    assert.match(runCli(['scan', onlySuppressed]).stdout, /^pass: 0 findings, 1 suppressed, .*\n {2}suppressed: 1 by annotation$/m);

    assert.equal(runCli(['scan', file]).status, 1);
    assert.equal(runCli(['scan', file, '--fail-on', 'none']).status, 0);
    assert.equal(runCli(['scan', file, '--fail-on', 'error']).status, 1);
    assert.equal(runCli(['scan', file, '--fail-on', 'sometimes']).status, 2);
    const broken = writeScratch('broken.yaml', 'kind: Pod\nspec: [\n');
    assert.equal(runCli(['scan', broken, '--fail-on', 'none']).status, 2, 'errors win over --fail-on none: it fails closed');
  });

  test('a suppression without a reason or with an unknown check: exit 2 naming the file and line, nothing suppressed', () => {
    const cases: [string, string, RegExp][] = [
      [
        'no-reason-annotation.yaml',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    hostns-check.io/ignore: host-network\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n',
        /^no-reason-annotation\.yaml:6 {2}error {2}the hostns-check\.io\/ignore annotation on Pod\/p is not a usable suppression: it has no reason: add the annotation hostns-check\.io\/ignore-reason/m,
      ],
      [
        'no-reason-comment.yaml',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  # hostns-check:ignore host-network\n  hostNetwork: true\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n',
        /^no-reason-comment\.yaml:6 {2}error {2}the comment "# hostns-check:ignore host-network" is not a usable suppression: it has no reason/m,
      ],
      [
        'unknown-check.yaml',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true # hostns-check:ignore hostnetwork the typo must not pass\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n',
        /^unknown-check\.yaml:6 {2}error {2}.*unknown check "hostnetwork"; the checks are host-ipc, host-network, host-pid, host-port, run-as-user/m,
      ],
    ];
    for (const [name, text, message] of cases) {
      writeScratch(name, text);
      const result = runCli(['scan', name], { cwd: scratch });
      assert.equal(result.status, 2, name);
      assert.match(result.stdout, message);
      assertNoStackTrace(result.stdout + result.stderr);
      const { report } = runJson(['scan', name, '--fail-on', 'none'], { cwd: scratch });
      assert.deepEqual(report.findings.map((f: Finding) => f.suppressed), [false], `${name}: fails closed, nothing suppressed`);
    }
  });
});

describe('configuration exemptions', () => {
  const manifest = writeScratch(
    'exempted.yaml',
    [0, 1]
      .map((i) =>
        [
          'apiVersion: apps/v1',
          'kind: DaemonSet',
          'metadata:',
          `  name: vendor-agent-${i}`,
          '  namespace: vendor',
          'spec:',
          '  template:',
          '    spec:',
          '      hostPID: true',
          '      containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]',
        ].join('\n'),
      )
      .join('\n---\n') + '\n',
  );

  test('an exemption in force suppresses; an expired one does not and says so, once', () => {
    const config = writeScratch(
      'exemptions.yaml',
      [
        'exemptions:',
        '  - kind: DaemonSet',
        '    namespace: vendor',
        '    name: vendor-agent-0',
        '    checks: [host-pid]',
        '    reason: vendor agent, fixed upstream in 2.0',
        '    expires: 2999-01-01',
        '  - name: "vendor-agent-*"',
        '    checks: [host-pid]',
        '    reason: the old blanket exemption',
        '    expires: 2001-01-01',
        '',
      ].join('\n'),
    );
    const { status, report } = runJson(['scan', manifest, '--config', config]);
    assert.equal(status, 1, 'vendor-agent-1 is only covered by the expired exemption');
    const shown = path.relative(PROJECT_ROOT, config);
    assert.deepEqual(outcomes(report.findings), [`host-pid DaemonSet/vendor-agent-0: exemption@${shown}:2`, 'host-pid DaemonSet/vendor-agent-1: open']);
    assert.deepEqual(report.findings[0].suppression, { kind: 'exemption', reason: 'vendor agent, fixed upstream in 2.0', file: shown, line: 2, expires: '2999-01-01' });
    assert.deepEqual(report.findings[1].notes, [`the exemption at ${shown}:8 expired on 2001-01-01 and no longer applies`]);
    assert.deepEqual(
      report.warnings.map((w: { file: string; line: number; message: string }) => `${w.file}:${w.line} ${w.message}`),
      [`${shown}:8 this exemption expired on 2001-01-01 and no longer applies; renew it with a new date or remove it`],
    );
  });

  test('mistakes in an exemption are exit 2 with the file and line', () => {
    const cases: [string, RegExp][] = [
      ['exemptions:\n  - kind: DaemonSet\n    checks: [host-pid]\n', /bad\.yaml:2: exemptions\[0\] has no reason/],
      ['exemptions:\n  - kind: DaemonSet\n    checks: [host-pid]\n    reason: "  "\n', /bad\.yaml:2: exemptions\[0\] has no reason/],
      ['exemptions:\n  - kind: DaemonSet\n    checks:\n      - host-pid\n      - hostpid\n    reason: r\n', /bad\.yaml:5: exemptions\[0\]\.checks: unknown check "hostpid"/],
      ['exemptions:\n  - checks: [host-pid]\n    reason: r\n', /bad\.yaml:2: exemptions\[0\] selects every resource/],
      ['exemptions:\n  - kind: Pod\n    reason: r\n', /bad\.yaml:2: exemptions\[0\] names no checks/],
      ['exemptions:\n  - kind: Pod\n    checks: [host-pid]\n    reason: r\n    expires: next year\n', /bad\.yaml:5: exemptions\[0\]\.expires must be a date like 2025-12-31/],
      ['exemptions:\n  - kind: Pod\n    checks: [host-pid]\n    reason: r\n    expires: 2025-02-30\n', /bad\.yaml:5: exemptions\[0\]\.expires must be a date/],
      ['exemptions:\n  - kind: Pod\n    checks: [host-pid]\n    reason: r\n    until: 2025-01-01\n', /bad\.yaml:5: exemptions\[0\]: unknown field "until"/],
      ['exemptions: {kind: Pod}\n', /bad\.yaml:1: exemptions must be a list/],
    ];
    const config = path.join(scratch, 'bad.yaml');
    for (const [text, message] of cases) {
      writeFileSync(config, text);
      const result = runCli(['scan', manifest, '--config', config]);
      assert.equal(result.status, 2, text);
      assert.match(result.stderr, message);
      assertNoStackTrace(result.stderr);
    }
  });

  test('the chart an exemption names: from the # Source: header of a piped render', () => {
    const rendered = '---\n# Source: vendor-chart/charts/agent/templates/ds.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: true\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n';
    const config = writeScratch('by-chart.yaml', 'exemptions:\n  - chart: agent\n    checks: [host-pid]\n    reason: subchart we cannot edit\n');
    assert.equal(runJson(['scan', '-', '--config', config], { input: rendered }).status, 0);
    const other = writeScratch('other-chart.yaml', 'exemptions:\n  - chart: grafana\n    checks: [host-pid]\n    reason: another chart\n');
    assert.equal(runJson(['scan', '-', '--config', other], { input: rendered }).status, 1);
  });
});

for (const tools of HELM_VERSIONS) {
  describe(`suppressions in a Helm render on ${tools.label}`, () => {
    test('a # hostns-check:ignore comment in a template reaches the render and points at the template line', () => {
      const chart = 'charts-fixtures/suppressions';
      const template = `${chart}/templates/daemonset.yaml`;
      const { status, report } = runJson(['helm', chart, '--config', CONFIG, '--helm', tools.helm]);
      assert.equal(status, 1, 'the expired exemption leaves run-as-user open');
      assert.deepEqual(outcomes(report.findings), [
        `host-network DaemonSet/release-name-node-agent: inline@${template}:17`,
        `host-pid DaemonSet/release-name-node-agent: annotation@${template}:6`,
        `host-port DaemonSet/release-name-node-agent: inline@${template}:25`,
        'run-as-user DaemonSet/release-name-node-agent: open',
        `host-ipc Deployment/release-name-vendor-exporter: exemption@${CONFIG}:3`,
      ]);
      assert.equal(runCli(['helm', chart, '--config', CONFIG, '--helm', tools.helm, '--fail-on', 'none']).status, 0);
    });

    test('an exemption may name the chart as given on the command line', () => {
      const config = writeScratch(`chart-path-${tools.label}.yaml`, 'exemptions:\n  - chart: charts-fixtures/insecure-pod/\n    checks: [host-ipc, host-network, host-pid, host-port, run-as-user]\n    reason: the demo chart is insecure on purpose\n');
      const { status, report } = runJson(['helm', 'charts-fixtures/insecure-pod', '--config', config, '--helm', tools.helm]);
      assert.equal(status, 0);
      assert.equal(report.summary.suppressed, 5);
    });

    test('a comment or annotation without a reason in a template: exit 2 naming the template line', () => {
      const chart = path.join(scratch, `bad-chart-${tools.label}`);
      cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), chart, { recursive: true });
      writeFileSync(
        path.join(chart, 'templates/pod.yaml'),
        [
          'apiVersion: v1',
          'kind: Pod',
          'metadata:',
          '  name: {{ .Release.Name }}-app',
          '  annotations:',
          '    hostns-check.io/ignore: host-pid',
          'spec:',
          '  # hostns-check:ignore host-network',
          '  hostNetwork: {{ .Values.hostNetwork }}',
          '  hostPID: {{ .Values.hostPID }}',
          '  containers:',
          '    - name: app',
          '      image: {{ .Values.image }}',
          '      securityContext: {runAsUser: 10001}',
          '',
        ].join('\n'),
      );
      const { status, report } = runJson(['helm', chart, '--helm', tools.helm]);
      assert.equal(status, 2);
      const template = path.relative(PROJECT_ROOT, path.join(chart, 'templates/pod.yaml'));
      assert.deepEqual(
        report.errors.map((e: { file: string; line: number; message: string }) => `${e.file}:${e.line} ${e.message.replace(/ is not a usable suppression.*/, '')}`),
        [`${template}:6 the hostns-check.io/ignore annotation on Pod/release-name-app`, `${template}:8 the comment "# hostns-check:ignore host-network"`],
      );
      assert.ok(report.findings.every((f: Finding) => !f.suppressed), 'nothing is suppressed by a suppression without a reason');
    });
  });

  describe(`suppressions in a Kustomize build on ${tools.label}`, () => {
    test('an annotation patched in by an overlay suppresses, pointing at the patch; an exemption by namespace and name glob', () => {
      const overlay = `${FIXTURES}/kustomize`;
      const { status, report } = runJson(['kustomize', overlay, '--kustomize', tools.kubectl]);
      assert.equal(status, 1);
      const network = report.findings.find((f: Finding) => f.check === 'host-network');
      assert.deepEqual(network.suppression, { kind: 'annotation', reason: "the agent reports the node's own network interfaces", file: `${overlay}/accept-agent.yaml`, line: 7 });
      assert.equal(report.summary.suppressed, 1);

      const config = writeScratch(`kustomize-${tools.label}.yaml`, 'exemptions:\n  - kind: Deployment\n    namespace: prod\n    name: "prod-*"\n    checks: [host-port, host-pid, host-ipc]\n    reason: web is being moved off host ports\n');
      const exempted = runJson(['kustomize', overlay, '--kustomize', tools.kubectl, '--config', config]).report;
      assert.deepEqual(
        exempted.findings.filter((f: Finding) => !f.suppressed).map((f: Finding) => `${f.check} ${f.resource.kind}`),
        ['run-as-user DaemonSet'],
      );
    });
  });
}
