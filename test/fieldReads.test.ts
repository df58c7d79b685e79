// The parser's skip list is derived from what the checks and the pod-spec finder declare they read,
// and those declarations are held to what the code really touches.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_IDS } from '../src/types.js';
import type { Check } from '../src/rules/check.js';
import { RULE_CHECKS, orderedChecks } from '../src/rules/checks/index.js';
import { BULKY_KEYS, keysOfPath, keysRead, skippableKeys, type FieldReads } from '../src/rules/fieldReads.js';
import { FIELDS_NEVER_READ, RESOURCE_READS, fieldsNeverRead, findPodSpecs } from '../src/rules/findPodSpecs.js';
import { defaultRuleConfig, hostNamespaceRule } from '../src/rules/hostNamespaceRule.js';
import { POD_SPEC_VIEW_READS, viewPodSpec } from '../src/rules/podSpec.js';

/** The hand-kept list this derivation replaced: the parser must pass over exactly these today. */
const SKIPPED_BEFORE_DERIVATION = [
  'affinity', 'args', 'binaryData', 'command', 'data', 'dnsConfig', 'env', 'envFrom', 'hostAliases', 'imagePullSecrets',
  'lifecycle', 'livenessProbe', 'nodeSelector', 'readinessProbe', 'resources', 'startupProbe', 'stringData',
  'tolerations', 'topologySpreadConstraints', 'volumeDevices', 'volumeMounts', 'volumes',
];

describe('the skip list', () => {
  test('derived, it equals the list kept by hand before (behaviour unchanged)', () => {
    assert.deepEqual([...FIELDS_NEVER_READ].sort(), [...SKIPPED_BEFORE_DERIVATION].sort());
  });

  test('no check, nor the finder or the pod-spec view, declares a read of a skipped key', () => {
    for (const check of RULE_CHECKS) {
      const skippedButRead = [...keysRead([check.reads])].filter((key) => FIELDS_NEVER_READ.has(key));
      assert.deepEqual(skippedButRead, [], `${check.id} reads keys the parser passes over`);
    }
    for (const [name, reads] of [['finder', RESOURCE_READS], ['pod-spec view', POD_SPEC_VIEW_READS]] as const) {
      assert.deepEqual([...keysRead([reads])].filter((key) => FIELDS_NEVER_READ.has(key)), [], name);
    }
  });

  test('a check that starts reading a bulky key takes it off the skip list, and only it', () => {
    const readsEnv: Pick<Check, 'reads'> = { reads: { container: ['env[*].value'] } };
    const skipped = fieldsNeverRead([...RULE_CHECKS, readsEnv]);
    assert.equal(skipped.has('env'), false);
    assert.deepEqual([...FIELDS_NEVER_READ].filter((key) => !skipped.has(key)), ['env']);
    // A key read deep under another still counts: the parser skips by name at any depth.
    assert.equal(fieldsNeverRead([{ reads: { pod: ['securityContext.volumes'] } }]).has('volumes'), false);
    assert.equal(fieldsNeverRead([{ reads: { resource: ['spec.template.spec.affinity'] } }]).has('affinity'), false);
  });

  test('paths name their keys; list markers are not keys', () => {
    assert.deepEqual(keysOfPath('ports[*].hostPort'), ['ports', 'hostPort']);
    assert.deepEqual(keysOfPath('items[*]'), ['items']);
    assert.deepEqual([...skippableKeys(['a', 'b', 'c'], [{ pod: ['a.x'] }, { container: ['c[0]'] }])], ['b']);
    assert.ok(BULKY_KEYS.every((key) => keysOfPath(key).length === 1 && keysOfPath(key)[0] === key));
  });
});

describe('check ids, declared once', () => {
  test('the rule runs one check per id, in the order of CHECK_IDS, and turns each on by default', () => {
    assert.deepEqual(hostNamespaceRule.checks.map((check) => check.id), [...CHECK_IDS]);
    assert.deepEqual(Object.keys(defaultRuleConfig().checks), [...CHECK_IDS]);
    assert.ok(Object.values(defaultRuleConfig().checks).every((on) => on === true));
  });

  test('two checks with one id, or an id without a check, are refused', () => {
    assert.throws(() => orderedChecks([...RULE_CHECKS, RULE_CHECKS[0]!]), /host-ipc: 2 implementations/);
    assert.throws(() => orderedChecks(RULE_CHECKS.slice(1)), /host-ipc: 0 implementations/);
  });
});

/** A deep proxy that notes every mapping key read (`*` when all keys are listed). */
function watched(value: unknown, seen: Set<string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const isList = Array.isArray(value);
  return new Proxy(value, {
    get(target, key, receiver) {
      if (!isList && typeof key === 'string') seen.add(key);
      return watched(Reflect.get(target, key, receiver), seen);
    },
    has(target, key) {
      if (!isList && typeof key === 'string') seen.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (!isList && typeof key === 'string') seen.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      if (!isList) seen.add('*');
      return Reflect.ownKeys(target);
    },
  });
}

const container = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'app:1',
  command: ['run'],
  args: ['--x'],
  env: [{ name: 'A', value: '1' }],
  envFrom: [],
  resources: { limits: { cpu: '1' } },
  volumeMounts: [{ name: 'v', mountPath: '/v' }],
  livenessProbe: { exec: { command: ['true'] } },
  ports: [{ containerPort: 80, hostPort: 80 }, { containerPort: 81, hostPort: '81' }, { containerPort: 82 }],
  ...extra,
});

/** Pod specs that take every branch of the checks: findings, exemptions, inherited and wrong-typed values. */
const PODS: Record<string, unknown>[] = [
  {
    hostNetwork: true,
    hostIPC: 'yes',
    hostPID: false,
    securityContext: { runAsUser: 5, windowsOptions: { hostProcess: false } },
    containers: [container('a', { securityContext: { runAsUser: 20000 } }), container('b')],
    initContainers: [container('i', { securityContext: { runAsUser: 'x', windowsOptions: { hostProcess: false } } })],
    ephemeralContainers: [container('e', { securityContext: { runAsUser: '12' } })],
    volumes: [{ name: 'v', emptyDir: {} }],
    affinity: { nodeAffinity: {} },
    tolerations: [{ operator: 'Exists' }],
    nodeSelector: { a: 'b' },
  },
  { containers: [container('c')] },
  { os: { name: 'Windows' }, containers: [container('w')] },
  { hostUsers: false, containers: [container('u')] },
  { containers: [container('h', { securityContext: { windowsOptions: { hostProcess: true } } })] },
];

describe('the declared reads match what the code reads', () => {
  for (const check of RULE_CHECKS) {
    test(`${check.id} touches only the keys it declares`, () => {
      const declared = keysRead([check.reads]);
      for (const spec of PODS) {
        const viewSeen = new Set<string>();
        const pod = viewPodSpec(watched(structuredClone(spec), viewSeen) as Record<string, unknown>, ['spec']);
        const checkSeen = new Set<string>();
        // The view hands the check watched objects too: what it reads from here on is the check's.
        const before = new Set(viewSeen);
        check.evaluate(pod, defaultRuleConfig());
        for (const key of viewSeen) if (!before.has(key)) checkSeen.add(key);
        assert.deepEqual([...checkSeen].filter((key) => !declared.has(key)), [], `${check.id} reads undeclared keys`);
        const viewDeclared = keysRead([POD_SPEC_VIEW_READS]);
        assert.deepEqual([...before].filter((key) => !viewDeclared.has(key)), [], 'the pod-spec view reads undeclared keys');
      }
    });
  }

  test('the finder touches only the keys it declares', () => {
    const resources = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n', labels: { a: 'b' } }, spec: PODS[0] },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { generateName: 'd-' }, spec: { replicas: 1, template: { metadata: {}, spec: PODS[1] } } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: PODS[1] } } } } },
      { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't' }, template: { spec: PODS[1] } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { strategy: {}, template: { spec: PODS[1] } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { a: 'b' } },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' }, spec: { versions: [] } },
      { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'k' }, spec: { template: { spec: PODS[1] } } },
      { apiVersion: 'example.com/v1', kind: 'Pod', metadata: { name: 'borrowed' }, spec: { template: { spec: PODS[1] } } },
      { apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'typed' }, spec: PODS[1] }] },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'outer' }, spec: PODS[1], items: [{ metadata: { name: 'inner' }, spec: PODS[1] }] },
    ];
    const declared = keysRead([RESOURCE_READS]);
    for (const root of [...resources, { apiVersion: 'v1', kind: 'List', items: resources }]) {
      const seen = new Set<string>();
      const scan = findPodSpecs(watched(structuredClone(root), seen));
      assert.ok(scan.resources.length > 0);
      assert.deepEqual([...seen].filter((key) => !declared.has(key)), [], `${(root as { kind: string }).kind}: the finder reads undeclared keys`);
    }
  });
});

// Keeps the injected reader honest to the interface the checks use.
const _typed: FieldReads = POD_SPEC_VIEW_READS;
void _typed;
