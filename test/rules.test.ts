// Every check, pass and fail, at every place a pod spec can live, and the YAML traps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkYaml, summarize } from './support/checkYaml.js';
import { evaluateManifest, defaultRuleConfig } from '../src/rules/hostNamespaceRule.js';
import { kindNeverHoldsPods, listItemType } from '../src/rules/findPodSpecs.js';
import { parseHostPortRanges } from '../src/config/loadConfig.js';

const pod = (spec: string) => `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
${spec}`;

const safeContainers = `  containers:
    - name: app
      image: app:1
      securityContext:
        runAsUser: 12000
`;

describe('host-ipc, host-network, host-pid', () => {
  for (const [check, field] of [
    ['host-ipc', 'hostIPC'],
    ['host-network', 'hostNetwork'],
    ['host-pid', 'hostPID'],
  ] as const) {
    test(`${check}: true is a finding at the key's line and column`, async () => {
      const out = await checkYaml(pod(`  ${field}: true\n${safeContainers}`));
      assert.deepEqual(summarize(out), [`${check}@6`]);
      assert.equal(out.findings[0]!.path, `spec.${field}`);
      assert.equal(out.findings[0]!.value, true);
      assert.deepEqual(out.findings[0]!.rendered, { line: 6, column: 3 });
      assert.deepEqual(out.findings[0]!.source, { file: 'input.yaml', line: 6, exact: true, column: 3, text: `  ${field}: true` });
    });
    test(`${check}: false, null and absent pass`, async () => {
      for (const value of ['false', 'null', '~', 'no', 'off']) {
        const out = await checkYaml(pod(`  ${field}: ${value}\n${safeContainers}`));
        assert.deepEqual(out.findings, [], `${field}: ${value}`);
      }
      assert.deepEqual((await checkYaml(pod(safeContainers))).findings, []);
    });
    test(`${check}: YAML 1.1 booleans yes, on, True, Y count as true`, async () => {
      for (const value of ['yes', 'on', 'True', 'TRUE', 'Y', 'On']) {
        const out = await checkYaml(pod(`  ${field}: ${value}\n${safeContainers}`));
        assert.deepEqual(summarize(out), [`${check}@6`], `${field}: ${value}`);
        assert.equal(out.findings[0]!.value, true);
        assert.deepEqual(out.findings[0]!.notes, []);
      }
    });
    test(`${check}: the string "true" is a finding with a note about the type`, async () => {
      const out = await checkYaml(pod(`  ${field}: "true"\n${safeContainers}`));
      assert.deepEqual(summarize(out), [`${check}@6`]);
      assert.equal(out.findings[0]!.value, 'true');
      assert.match(out.findings[0]!.notes[0]!, /reject.*must be a boolean/);
    });
  }
});

describe('host-port', () => {
  const withPorts = (ports: string, list = 'containers') =>
    pod(`  ${list}:
    - name: proxy
      image: p:1
      securityContext: {runAsUser: 20000}
      ports:
${ports}`);

  test('a hostPort is a finding pointing at the hostPort key', async () => {
    const out = await checkYaml(withPorts('        - containerPort: 80\n        - containerPort: 9100\n          hostPort: 9100\n'));
    assert.deepEqual(summarize(out), ['host-port@13']);
    const finding = out.findings[0]!;
    assert.equal(finding.path, 'spec.containers[0].ports[1].hostPort');
    assert.equal(finding.value, 9100);
    assert.equal(finding.container, 'proxy');
    assert.deepEqual(finding.rendered, { line: 13, column: 11 });
  });
  test('hostPort 0 and null mean unset', async () => {
    const out = await checkYaml(withPorts('        - containerPort: 80\n          hostPort: 0\n        - containerPort: 81\n          hostPort: null\n'));
    assert.deepEqual(out.findings, []);
  });
  test('init and ephemeral containers are checked too', async () => {
    for (const list of ['initContainers', 'ephemeralContainers']) {
      const out = await checkYaml(withPorts('        - containerPort: 80\n          hostPort: 8080\n', list));
      assert.deepEqual(summarize(out), ['host-port@12'], list);
      assert.equal(out.findings[0]!.path, `spec.${list}[0].ports[0].hostPort`);
    }
  });
  test('allowed ranges are inclusive at both ends', async () => {
    const hostPortRanges = parseHostPortRanges('80,8000-8100');
    const verdict = async (port: number) =>
      (await checkYaml(withPorts(`        - containerPort: 1\n          hostPort: ${port}\n`), { hostPortRanges })).findings.length;
    assert.equal(await verdict(80), 0);
    assert.equal(await verdict(8000), 0);
    assert.equal(await verdict(8100), 0);
    assert.equal(await verdict(81), 1);
    assert.equal(await verdict(7999), 1);
    assert.equal(await verdict(8101), 1);
  });
  test('a string hostPort is a finding with a note about the type', async () => {
    const out = await checkYaml(withPorts('        - containerPort: 80\n          hostPort: "443"\n'));
    assert.deepEqual(summarize(out), ['host-port@12']);
    assert.match(out.findings[0]!.notes[0]!, /must be an integer/);
  });
  test('the default allows no host port at all', async () => {
    const out = await checkYaml(withPorts('        - containerPort: 1\n          hostPort: 1\n'));
    assert.match(out.findings[0]!.message, /none are allowed/);
  });
});

describe('run-as-user', () => {
  const containers = (...securityContexts: (string | null)[]) =>
    '  containers:\n' +
    securityContexts
      .map((sc, i) => `    - name: c${i}\n      image: i:1\n` + (sc === null ? '' : `      securityContext:\n        ${sc}\n`))
      .join('');

  test('a missing runAsUser is a finding at the container\'s first line', async () => {
    const out = await checkYaml(pod(containers(null)));
    assert.deepEqual(summarize(out), ['run-as-user@7']);
    assert.equal(out.findings[0]!.path, 'spec.containers[0].securityContext.runAsUser');
    assert.equal(out.findings[0]!.value, null);
    assert.equal(out.findings[0]!.container, 'c0');
    assert.deepEqual(out.findings[0]!.rendered, { line: 7, column: 7 });
  });
  test('a container value at or above the minimum passes; below fails', async () => {
    assert.deepEqual((await checkYaml(pod(containers('runAsUser: 10000')))).findings, []);
    const low = await checkYaml(pod(containers('runAsUser: 9999')));
    assert.deepEqual(summarize(low), ['run-as-user@10']);
    assert.equal(low.findings[0]!.value, 9999);
  });
  test('the pod value applies to containers that set none', async () => {
    const out = await checkYaml(pod(`  securityContext:\n    runAsUser: 0\n${containers(null, 'runAsUser: 12000')}`));
    assert.deepEqual(summarize(out), ['run-as-user@7']);
    assert.equal(out.findings[0]!.path, 'spec.securityContext.runAsUser');
    assert.equal(out.findings[0]!.container, 'c0');
    assert.match(out.findings[0]!.message, /from the pod securityContext/);
  });
  test('a low pod value that every container overrides is not a finding', async () => {
    const out = await checkYaml(pod(`  securityContext:\n    runAsUser: 0\n${containers('runAsUser: 12000', 'runAsUser: 15000')}`));
    assert.deepEqual(out.findings, []);
  });
  test('a high pod value covers containers without their own', async () => {
    const out = await checkYaml(pod(`  securityContext:\n    runAsUser: 10000\n${containers(null, null)}`));
    assert.deepEqual(out.findings, []);
  });
  test('a container value below the minimum is a finding even when the pod value is high', async () => {
    const out = await checkYaml(pod(`  securityContext:\n    runAsUser: 12000\n${containers('runAsUser: 0')}`));
    assert.deepEqual(summarize(out), ['run-as-user@12']);
    assert.equal(out.findings[0]!.path, 'spec.containers[0].securityContext.runAsUser');
  });
  test('init and ephemeral containers need one too', async () => {
    const spec = `${safeContainers}  initContainers:\n    - name: init\n      image: i:1\n  ephemeralContainers:\n    - name: debug\n      image: d:1\n`;
    const out = await checkYaml(pod(spec));
    assert.deepEqual(out.findings.map((f) => f.path), [
      'spec.initContainers[0].securityContext.runAsUser',
      'spec.ephemeralContainers[0].securityContext.runAsUser',
    ]);
  });
  test('a string UID is a finding with a note about the type', async () => {
    const out = await checkYaml(pod(containers('runAsUser: "12000"')));
    assert.equal(out.findings.length, 1);
    assert.match(out.findings[0]!.notes[0]!, /must be an integer/);
  });
  test('--min-uid changes the floor', async () => {
    assert.deepEqual((await checkYaml(pod(containers('runAsUser: 1000')), { minUid: 1000 })).findings, []);
    assert.equal((await checkYaml(pod(containers('runAsUser: 999')), { minUid: 1000 })).findings.length, 1);
  });
  test('Windows pods, HostProcess pods and hostUsers: false are skipped', async () => {
    const skipped = [
      `  os:\n    name: windows\n${containers(null)}`,
      `  securityContext:\n    windowsOptions:\n      hostProcess: true\n${containers(null)}`,
      `${containers('windowsOptions: {hostProcess: true}')}`,
      `  hostUsers: false\n${containers(null)}`,
    ];
    for (const spec of skipped) assert.deepEqual((await checkYaml(pod(spec))).findings, [], spec);
    // hostUsers: true is the default: still checked.
    assert.equal((await checkYaml(pod(`  hostUsers: true\n${containers(null)}`))).findings.length, 1);
  });
});

describe('where pod specs live', () => {
  const bad = `    spec:\n      hostPID: true\n      containers:\n        - name: c\n          image: i\n          securityContext: {runAsUser: 20000}\n`;
  const template = (kind: string, apiVersion = 'apps/v1') =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: w\nspec:\n  template:\n${bad}`;

  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']) {
    test(`${kind}.spec.template.spec`, async () => {
      const out = await checkYaml(template(kind));
      assert.deepEqual(summarize(out), ['host-pid@8']);
      assert.equal(out.findings[0]!.path, 'spec.template.spec.hostPID');
      assert.equal(out.findings[0]!.resource.kind, kind);
      assert.equal(out.resources, 1);
      assert.equal(out.podSpecs, 1);
    });
  }
  test('any other kind whose spec.template.spec.containers is a list (Argo Rollout)', async () => {
    const out = await checkYaml(template('Rollout', 'argoproj.io/v1alpha1'));
    assert.deepEqual(summarize(out), ['host-pid@8']);
  });
  test('a custom kind without a containers list is not a pod spec', async () => {
    const text = `apiVersion: x/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  template:\n    spec:\n      hostPID: true\n`;
    const out = await checkYaml(text);
    assert.deepEqual(out.findings, []);
    assert.equal(out.podSpecs, 0);
  });
  test('PodTemplate.template.spec', async () => {
    const text = `apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: t\ntemplate:\n${bad.replace(/^ {2}/gm, '')}`;
    const out = await checkYaml(text);
    assert.deepEqual(out.findings.map((f) => f.path), ['template.spec.hostPID']);
  });
  test('CronJob.spec.jobTemplate.spec.template.spec', async () => {
    const indented = bad.replace(/^/gm, '    ');
    const text = `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n${indented}`;
    const out = await checkYaml(text);
    assert.deepEqual(out.findings.map((f) => f.path), ['spec.jobTemplate.spec.template.spec.hostPID']);
    assert.deepEqual(summarize(out), ['host-pid@10']);
  });
  test('every item of kind: List, each under its own name, nested Lists too', async () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: first}
    spec:
      hostNetwork: true
      containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]
  - apiVersion: v1
    kind: List
    items:
      - apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: second}
        spec:
          template:
            spec:
              hostIPC: true
              containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]
`;
    const out = await checkYaml(text);
    assert.deepEqual(summarize(out), ['host-network@8', 'host-ipc@19']);
    assert.deepEqual(out.findings.map((f) => f.resource.name), ['first', 'second']);
    assert.equal(out.findings[1]!.path, 'items[1].items[0].spec.template.spec.hostIPC');
  });
  test('a CustomResourceDefinition schema that names hostPort and runAsUser is never a pod spec', async () => {
    const text = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: agents.example.com}
spec:
  template:
    spec:
      containers:
        - name: x
          ports: [{hostPort: 80}]
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            hostNetwork: {type: boolean}
            hostPort: {type: integer}
            runAsUser: {type: integer}
`;
    const out = await checkYaml(text);
    assert.deepEqual(out.findings, []);
    assert.equal(out.resources, 1);
    assert.equal(out.podSpecs, 0);
  });
  test('typed lists: items without a kind take the list kind without List, and its apiVersion (as kubectl does)', async () => {
    const text = `apiVersion: v1
kind: PodList
items:
  - metadata: {name: p}
    spec:
      hostNetwork: true
      containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: d}
    spec: {template: {spec: {hostPID: true, containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]}}}
`;
    const out = await checkYaml(text);
    assert.deepEqual(summarize(out), ['host-network@6', 'host-pid@11']);
    assert.deepEqual(out.findings.map((f) => [f.resource.apiVersion, f.resource.kind, f.resource.name]), [['v1', 'Pod', 'p'], ['apps/v1', 'DaemonSet', 'd']]);
    const deployments = await checkYaml(`apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - metadata: {name: d}\n    spec: {template: {spec: {hostPID: true, containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]}}}\n`);
    assert.deepEqual(summarize(deployments), ['host-pid@5']);
    assert.equal(deployments.findings[0]!.resource.kind, 'Deployment');
  });
  test('any object with an items list is also read as a list: its items are checked, and it as itself', async () => {
    const pod = (name: string, more = '') => `{metadata: {name: ${name}}, spec: {${more}containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]}}`;
    const out = await checkYaml(`apiVersion: v1\nkind: Pod\nmetadata: {name: outer}\nspec: {containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]}\nitems:\n  - ${pod('inner', 'hostIPC: true, ')}\n`);
    assert.deepEqual(out.findings.map((f) => [f.check, f.resource.kind, f.resource.name, f.path]), [['host-ipc', 'Pod', 'inner', 'items[0].spec.hostIPC']]);
    assert.equal(out.resources, 2);
    const broken = await checkYaml(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nitems: {a: 1}\nspec: {containers: []}\n`);
    assert.match(broken.errors[0]!.message, /items must be a list/);
  });
  test('a custom kind named like a built-in one (another group) is read by shape too', async () => {
    const knative = `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: w\nspec:\n  template:\n${bad}`;
    assert.deepEqual(summarize(await checkYaml(knative)), ['host-pid@8']);
    const pod = await checkYaml(`apiVersion: example.com/v1\nkind: Pod\nmetadata:\n  name: w\nspec:\n  template:\n${bad}`);
    assert.deepEqual(pod.findings.map((f) => f.path), ['spec.template.spec.hostPID']);
    const crd = await checkYaml(`apiVersion: example.com/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: w\nspec:\n  template:\n${bad}`);
    assert.deepEqual(summarize(crd), ['host-pid@8']);
  });
  test('only built-in kinds of built-in groups are known to hold no pods', () => {
    assert.equal(kindNeverHoldsPods('v1', 'Service'), true);
    assert.equal(kindNeverHoldsPods('networking.k8s.io/v1', 'Ingress'), true);
    assert.equal(kindNeverHoldsPods('rbac.authorization.k8s.io/v1beta1', 'Role'), true);
    assert.equal(kindNeverHoldsPods('serving.knative.dev/v1', 'Service'), false);
    assert.equal(kindNeverHoldsPods('example.com/v1', 'Secret'), false);
    assert.equal(kindNeverHoldsPods('v1', 'Ingress'), false);
    assert.equal(kindNeverHoldsPods(null, 'ConfigMap'), false);
    assert.equal(kindNeverHoldsPods('/v1', 'ConfigMap'), false);
    assert.equal(kindNeverHoldsPods('v1', 'Pod'), false);
  });
  test('listItemType follows kubectl: inherit only when the item states neither kind nor apiVersion', () => {
    const list = { apiVersion: 'apps/v1', kind: 'DeploymentList' };
    assert.deepEqual(listItemType(list, {}), { apiVersion: 'apps/v1', kind: 'Deployment' });
    assert.deepEqual(listItemType(list, { kind: 'Pod' }), { apiVersion: null, kind: 'Pod' });
    assert.deepEqual(listItemType(list, { apiVersion: 'v1' }), { apiVersion: 'v1', kind: null });
    assert.deepEqual(listItemType({ apiVersion: 'v1', kind: 'List' }, {}), { apiVersion: null, kind: null });
    assert.deepEqual(listItemType({ apiVersion: 'x/v1', kind: 'Foo' }, {}), { apiVersion: 'x/v1', kind: 'Foo' });
  });
  test('resources without pod specs are counted but never findings', async () => {
    const out = await checkYaml('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  hostNetwork: "true"\n');
    assert.deepEqual(out.findings, []);
    assert.equal(out.resources, 1);
  });
});

describe('YAML as Kubernetes reads it', () => {
  test('merge keys and aliases resolve, and findings point where the value is written', async () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: a}
    spec: &spec
      hostNetwork: true
      containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: b}
    spec:
      <<: *spec
      hostPID: yes
  - apiVersion: v1
    kind: Pod
    metadata: {name: c}
    spec:
      <<: *spec
      hostNetwork: false
`;
    const out = await checkYaml(text);
    assert.deepEqual(
      out.findings.map((f) => `${f.resource.name}:${f.check}@${f.rendered?.line}`),
      ['a:host-network@8', 'b:host-network@8', 'b:host-pid@15'],
    );
  });
  test('a duplicate key takes the last value and adds a warning', async () => {
    const out = await checkYaml(pod(`  hostNetwork: false\n  hostNetwork: true\n${safeContainers}`));
    assert.deepEqual(summarize(out), ['host-network@7']);
    assert.equal(out.warnings.length, 1);
    assert.equal(out.warnings[0]!.line, 7);
    assert.match(out.warnings[0]!.message, /duplicate key/);
    const reversed = await checkYaml(pod(`  hostNetwork: true\n  hostNetwork: false\n${safeContainers}`));
    assert.deepEqual(reversed.findings, []);
    assert.equal(reversed.errors.length, 0);
  });
  test('malformed shapes are errors with their line, never a pass', async () => {
    const cases: [string, number, RegExp][] = [
      [`  containers:\n    app:\n      image: i\n`, 6, /containers must be a list/],
      [`  securityContext: "runAsUser=0"\n${safeContainers}`, 6, /securityContext must be a mapping/],
      [`  containers:\n    - name: c\n      ports: 80\n`, 8, /ports must be a list/],
      [`  containers:\n    - just-a-string\n`, 7, /container must be a mapping/],
    ];
    for (const [spec, line, message] of cases) {
      const out = await checkYaml(pod(spec));
      assert.equal(out.errors.length, 1, spec);
      assert.equal(out.errors[0]!.line, line, spec);
      assert.match(out.errors[0]!.message, message);
    }
    const deployment = await checkYaml('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template: broken\n');
    assert.equal(deployment.errors.length, 1);
    assert.match(deployment.errors[0]!.message, /spec.template must be a mapping/);
  });
});

describe('configuration', () => {
  test('a check switched off reports nothing', () => {
    const config = defaultRuleConfig();
    config.checks['host-network'] = false;
    const root = { kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true, hostPID: true, containers: [] } };
    const result = evaluateManifest(root, config);
    assert.deepEqual(result.violations.map((v) => v.check), ['host-pid']);
  });
  test('host port ranges parse and reject nonsense', () => {
    assert.deepEqual(parseHostPortRanges('80, 8000-8100'), [
      { min: 80, max: 80 },
      { min: 8000, max: 8100 },
    ]);
    assert.throws(() => parseHostPortRanges('90-80'), /minimum above its maximum/);
    assert.throws(() => parseHostPortRanges('http'), /not a port/);
    assert.throws(() => parseHostPortRanges('70000'), /outside 1-65535/);
  });
});

test('a configuration read for its rules and for its targets is parsed once (run, and each shard of it)', async () => {
  const { parseConfigDocument } = await import('../src/config/configText.js');
  const text = 'minUid: 10000\ntargets:\n  - helm: chart\n';
  const first = parseConfigDocument(text);
  assert.equal(parseConfigDocument(`${text}`), first, 'the same text: the same document');
  assert.notEqual(parseConfigDocument('minUid: 20000\n'), first, 'another text is parsed anew');
});
