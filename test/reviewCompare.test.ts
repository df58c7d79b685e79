// Finding identity and the base/head comparison, as pure functions: no git, no Helm. Each row is
// a base and a head, and the states the comparison must give.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildReport } from '../src/report/buildReport.js';
import { compareWithBase, newFindingCount, type BaseSide } from '../src/review/compare.js';
import { findingIdentity, stablePath } from '../src/review/identity.js';
import { targetId, type Finding, type TargetResult } from '../src/types.js';

function finding(fields: Partial<Finding> = {}): Finding {
  return {
    rule: 'k8s-host-namespace',
    check: 'host-network',
    severity: 'error',
    message: 'hostNetwork is true',
    resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web' },
    container: null,
    path: 'spec.template.spec.hostNetwork',
    value: true,
    rendered: { line: 7, column: 3 },
    source: { file: 'chart/templates/web.yaml', line: 5, exact: true },
    values: [],
    suppressed: false,
    suppression: null,
    notes: [],
    target: targetId('chart'),
    ...fields,
  };
}

const target = (path: string, ok = true): TargetResult => ({ type: 'helm', path, ok, error: ok ? null : 'render failed' });

function report(findings: Finding[], targets = [target('chart')]) {
  return buildReport({ version: '0', targets, findings, errors: [], warnings: [], resources: 1, podSpecs: 1 });
}

const base = (findings: Finding[], targets = [target('chart')], unavailable: string[] = []): BaseSide => ({
  label: 'main (abc)',
  findings,
  targets,
  unavailable: unavailable.map(targetId),
});

const portFinding = (index: number, port: number, container = 'app') =>
  finding({ check: 'host-port', container, path: `spec.template.spec.containers[${index}].ports[0].hostPort`, value: port });

describe('finding identity', () => {
  const rows: { name: string; a: Finding; b: Finding; same: boolean }[] = [
    { name: 'another line and file', a: finding(), b: finding({ rendered: { line: 90, column: 1 }, source: { file: '/tmp/x/chart/templates/web.yaml', line: 40, exact: false } }), same: true },
    { name: 'another message, value or values origin', a: finding(), b: finding({ message: 'other', value: 'true', values: [{ key: 'net', file: 'v.yaml', line: 3, layer: 'user' }] }), same: true },
    { name: 'a container moved to another index', a: portFinding(0, 80), b: portFinding(1, 80), same: true },
    { name: 'another check', a: finding(), b: finding({ check: 'host-pid', path: 'spec.template.spec.hostPID' }), same: false },
    { name: 'another resource name', a: finding(), b: finding({ resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'api' } }), same: false },
    { name: 'another namespace', a: finding(), b: finding({ resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-b', name: 'web' } }), same: false },
    { name: 'another kind', a: finding(), b: finding({ resource: { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'team-a', name: 'web' } }), same: false },
    { name: 'another container', a: portFinding(0, 80, 'app'), b: portFinding(0, 80, 'sidecar'), same: false },
    { name: 'another target', a: finding(), b: finding({ target: targetId('chart[prod]') }), same: false },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.same ? 'same' : 'different'} identity`, () => {
      assert.equal(findingIdentity(row.a) === findingIdentity(row.b), row.same);
    });
  }

  test('stablePath names the container and leaves other indexes alone', () => {
    assert.equal(stablePath('spec.containers[3].ports[1].hostPort', 'app'), 'spec.containers["app"].ports[1].hostPort');
    assert.equal(stablePath('spec.initContainers[0].securityContext.runAsUser', 'init'), 'spec.initContainers["init"].securityContext.runAsUser');
    assert.equal(stablePath('spec.hostNetwork', null), 'spec.hostNetwork');
  });
});

describe('comparing a head with its base', () => {
  const suppressed = (f: Finding): Finding => ({ ...f, suppressed: true, suppression: { kind: 'inline', reason: 'ok', file: 'x', line: 1 } });
  const pid = finding({ check: 'host-pid', path: 'spec.template.spec.hostPID' });
  const rows: {
    name: string;
    base: BaseSide;
    head: Finding[];
    headTargets?: TargetResult[];
    states: string[];
    fixed: string[];
    counts: [number, number, number];
  }[] = [
    { name: 'nothing changed', base: base([finding()]), head: [finding({ source: { file: 'chart/templates/web.yaml', line: 9, exact: true } })], states: ['existing'], fixed: [], counts: [0, 1, 0] },
    { name: 'a finding added', base: base([finding()]), head: [finding(), pid], states: ['existing', 'new'], fixed: [], counts: [1, 1, 0] },
    { name: 'a finding fixed', base: base([finding(), pid]), head: [finding()], states: ['existing'], fixed: ['host-pid'], counts: [0, 1, 1] },
    { name: 'a target added: all new', base: base([], []), head: [finding(), pid], states: ['new', 'new'], fixed: [], counts: [2, 0, 0] },
    {
      name: 'a target removed: all fixed',
      base: base([finding({ target: targetId('old') }), pid], [target('old'), target('chart')]),
      head: [pid],
      states: ['existing'],
      fixed: ['host-network'],
      counts: [0, 1, 1],
    },
    { name: 'a suppression removed: new', base: base([suppressed(finding())]), head: [finding()], states: ['new'], fixed: [], counts: [1, 0, 0] },
    { name: 'suppressed since the base: not new, not fixed', base: base([finding()]), head: [suppressed(finding())], states: ['existing'], fixed: [], counts: [0, 0, 0] },
    { name: 'a suppressed new finding counts nowhere', base: base([]), head: [suppressed(finding())], states: ['new'], fixed: [], counts: [0, 0, 0] },
    { name: 'a base that did not render: all new, nothing fixed', base: base([pid], [target('chart', false)]), head: [finding()], states: ['new'], fixed: [], counts: [1, 0, 0] },
    { name: 'a base named unavailable: all new', base: base([finding()], [target('chart')], ['chart']), head: [finding()], states: ['new'], fixed: [], counts: [1, 0, 0] },
    { name: 'repeated identities match by count', base: base([portFinding(0, 80)]), head: [portFinding(0, 80), portFinding(0, 80)], states: ['existing', 'new'], fixed: [], counts: [1, 1, 0] },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const compared = compareWithBase(report(row.head, row.headTargets), row.base);
      assert.deepEqual(compared.findings.map((f) => f.baseline), row.states);
      assert.deepEqual((compared.fixed ?? []).map((f) => f.check), row.fixed);
      const { new: added, existing, fixed } = compared.comparison!;
      assert.deepEqual([added, existing, fixed], row.counts);
      assert.equal(newFindingCount(compared), row.counts[0]);
      assert.equal(compared.comparison!.base, 'main (abc)');
    });
  }

  test('the head report is not changed, and the rest of it is kept', () => {
    const head = report([finding()]);
    const compared = compareWithBase(head, base([]));
    assert.equal(head.findings[0]!.baseline, undefined);
    assert.deepEqual(compared.summary, head.summary);
    assert.deepEqual(compared.targets, head.targets);
  });

  test('unavailable lists only the head targets whose base could not be read', () => {
    const compared = compareWithBase(report([finding()]), base([], [target('chart', false), target('gone', false)]));
    assert.deepEqual(compared.comparison!.unavailable, ['chart']);
  });
});
