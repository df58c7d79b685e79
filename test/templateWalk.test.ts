// The template walk on in-memory charts and hand-written renders: the idioms where a guess would
// be a wrong line claimed exact (branches, several documents, a parent's named template over a
// subchart's, List items, filtered ranges, values blocks that render nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStream } from '../src/pipeline/checkStream.js';
import { defaultRuleConfig } from '../src/rules/hostNamespaceRule.js';
import type { ChartNode } from '../src/targets/helm/chartTree.js';
import { helmSourceMapper } from '../src/targets/helm/helmSource.js';
import { targetId, type Finding } from '../src/types.js';

/** A chart held in memory: `files` by chart-relative path, subcharts by name. */
function chart(name: string, files: Record<string, string>, subcharts: Record<string, Record<string, string>> = {}, parent: ChartNode | null = null): ChartNode {
  const prefix = parent ? `${parent.display('')}charts/${name}/` : `${name}/`;
  const node: ChartNode = { name, valuesKey: name, files: new Map(Object.entries(files)), display: (rel) => `${prefix}${rel}`, parent, children: new Map() };
  for (const [sub, subFiles] of Object.entries(subcharts)) node.children.set(sub, chart(sub, subFiles, {}, node));
  return node;
}

async function findings(tree: ChartNode, rendered: string): Promise<Finding[]> {
  const sourceOf = helmSourceMapper({ chart: tree.name, cwd: process.cwd(), user: { files: [], sets: [] }, loadTree: () => tree });
  const outcome = await checkStream([rendered], { target: targetId(tree.name), file: tree.name, config: defaultRuleConfig(), sourceOf });
  return outcome.findings;
}

function only(list: Finding[], check: string, container?: string): Finding {
  const found = list.filter((f) => f.check === check && (container === undefined || f.container === container));
  assert.equal(found.length, 1, `one ${check} finding: ${JSON.stringify(list.map((f) => [f.check, f.container]))}`);
  return found[0]!;
}

const POD_HEAD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n';
const SAFE_CONTAINER = '  containers:\n    - name: app\n      image: x\n      securityContext:\n        runAsUser: 20000\n';

/** A pod whose hostNetwork is written on line 7 when `condition` holds, else on line 9. */
function ifElsePod(condition: string, whenTrue: string, otherwise: string): string {
  const branches = [`  {{- if ${condition} }}`, `  hostNetwork: {{ ${whenTrue} }}`, '  {{- else }}', `  hostNetwork: {{ ${otherwise} }}`, '  {{- end }}'];
  return ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', 'spec:', ...branches, SAFE_CONTAINER].join('\n');
}

test('if/else writing the same key: the branch the values take is blamed, with its values key', async () => {
  const template = ifElsePod('.Values.legacy', '.Values.legacy.hostNetwork', '.Values.hostNetwork');
  const tree = chart('c', { 'Chart.yaml': 'name: c\n', 'values.yaml': 'hostNetwork: true\nlegacy: {}\n', 'templates/pod.yaml': template });
  const finding = only(await findings(tree, `---\n# Source: c/templates/pod.yaml\n${POD_HEAD}  hostNetwork: true\n${SAFE_CONTAINER}`), 'host-network');
  assert.equal(finding.source?.line, 9);
  assert.equal(finding.source?.exact, true);
  assert.equal(finding.values?.[0]?.key, 'hostNetwork');
  assert.equal(finding.values?.[0]?.line, 1);
});

test('if/else on a condition the walk cannot evaluate: not exact, with a reason naming both lines', async () => {
  const template = ifElsePod('.Capabilities.APIVersions.Has "x/v1"', '.Values.a', '.Values.b');
  const tree = chart('c', { 'Chart.yaml': 'name: c\n', 'values.yaml': 'a: true\nb: true\n', 'templates/pod.yaml': template });
  const finding = only(await findings(tree, `---\n# Source: c/templates/pod.yaml\n${POD_HEAD}  hostNetwork: true\n${SAFE_CONTAINER}`), 'host-network');
  assert.equal(finding.source?.exact, false);
  assert.match(finding.source?.reason ?? '', /7, 9/);
  assert.deepEqual(finding.values, []);
});

test('a file of several documents: the finding maps inside the document that rendered the resource', async () => {
  const doc = (name: string, key: string) => ['apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${name}`, 'spec:', `  hostNetwork: {{ .Values.${key} }}`, SAFE_CONTAINER].join('\n');
  const tree = chart('c', { 'Chart.yaml': 'name: c\n', 'values.yaml': 'first: false\nsecond: true\n', 'templates/pods.yaml': `${doc('one', 'first')}---\n${doc('two', 'second')}` });
  const rendered = `---\n# Source: c/templates/pods.yaml\n${POD_HEAD.replace('name: p', 'name: one')}  hostNetwork: false\n${SAFE_CONTAINER}---\n# Source: c/templates/pods.yaml\n${POD_HEAD.replace('name: p', 'name: two')}  hostNetwork: true\n${SAFE_CONTAINER}`;
  const finding = only(await findings(tree, rendered), 'host-network');
  assert.equal(finding.resource.name, 'two');
  assert.equal(finding.source?.line, 18);
  assert.equal(finding.source?.exact, true);
  assert.equal(finding.values?.[0]?.key, 'second');
});

test("a named template both a parent and its subchart define: Helm uses the parent's, so does the walk", async () => {
  const subPod = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', 'spec:', '  {{- include "x.pid" . | nindent 2 }}', SAFE_CONTAINER].join('\n');
  const tree = chart(
    'parent',
    { 'Chart.yaml': 'name: parent\n', 'values.yaml': '', 'templates/_h.tpl': '{{- define "x.pid" }}\nhostPID: true\n{{- end }}\n' },
    { sub: { 'Chart.yaml': 'name: sub\n', 'values.yaml': '', 'templates/_h.tpl': '{{- define "x.pid" }}\nhostPID: false\n{{- end }}\n', 'templates/pod.yaml': subPod } },
  );
  const finding = only(await findings(tree, `---\n# Source: parent/charts/sub/templates/pod.yaml\n${POD_HEAD}  hostPID: true\n${SAFE_CONTAINER}`), 'host-pid');
  assert.equal(finding.source?.file, 'parent/templates/_h.tpl');
  assert.equal(finding.source?.line, 2);
});

test('a pod inside a kind: List maps to its own line, not line 1', async () => {
  const template = ['apiVersion: v1', 'kind: List', 'items:', '  - apiVersion: v1', '    kind: Pod', '    metadata:', '      name: p', '    spec:', '      hostIPC: {{ .Values.ipc }}', '      containers: []', ''].join('\n');
  const tree = chart('c', { 'Chart.yaml': 'name: c\n', 'values.yaml': 'ipc: true\n', 'templates/list.yaml': template });
  const rendered = '---\n# Source: c/templates/list.yaml\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: p\n    spec:\n      hostIPC: true\n      containers: []\n';
  const finding = only(await findings(tree, rendered), 'host-ipc');
  assert.equal(finding.source?.line, 9);
  assert.equal(finding.source?.exact, true);
  assert.equal(finding.values?.[0]?.key, 'ipc');
});

test('a filtered range (range ... if .enabled): the values line of the list item that rendered', async () => {
  const template = [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', 'spec:', '  containers:', '    - name: app', '      image: x',
    '      securityContext:', '        runAsUser: 20000', '      ports:',
    '        {{- range .Values.ports }}', '        {{- if .enabled }}',
    '        - containerPort: {{ .port }}', '          hostPort: {{ .hostPort }}',
    '        {{- end }}', '        {{- end }}', '',
  ].join('\n');
  const values = 'ports:\n  - port: 80\n    hostPort: 8080\n    enabled: false\n  - port: 81\n    hostPort: 8081\n    enabled: true\n';
  const tree = chart('c', { 'Chart.yaml': 'name: c\n', 'values.yaml': values, 'templates/pod.yaml': template });
  const rendered = `---\n# Source: c/templates/pod.yaml\n${POD_HEAD}  containers:\n    - name: app\n      image: x\n      securityContext:\n        runAsUser: 20000\n      ports:\n        - containerPort: 81\n          hostPort: 8081\n`;
  const finding = only(await findings(tree, rendered), 'host-port');
  assert.equal(finding.source?.line, 15);
  assert.equal(finding.values?.[0]?.key, 'ports[1].hostPort');
  assert.equal(finding.values?.[0]?.line, 6);
});

test('a with block that renders nothing is never blamed; the values block that did is', async () => {
  const template = [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', 'spec:', '  containers:',
    '    {{- with .Values.extraContainers }}', '    {{- toYaml . | nindent 4 }}', '    {{- end }}',
    '    {{- toYaml .Values.containers | nindent 4 }}', '',
  ].join('\n');
  const values = 'extraContainers: []\ncontainers:\n  - name: app\n    image: x\n    securityContext:\n      runAsUser: 0\n';
  const tree = chart('c', { 'Chart.yaml': 'name: c\n', 'values.yaml': values, 'templates/pod.yaml': template });
  const rendered = `---\n# Source: c/templates/pod.yaml\n${POD_HEAD}  containers:\n    - image: x\n      name: app\n      securityContext:\n        runAsUser: 0\n`;
  const finding = only(await findings(tree, rendered), 'run-as-user');
  assert.equal(finding.source?.line, 10);
  assert.equal(finding.source?.exact, false);
  assert.equal(finding.values?.[0]?.key, 'containers[0].securityContext.runAsUser');
});
