// YAML read as Kubernetes reads it (go-yaml v2 through sigs.k8s.io/yaml), through `scan` and
// `helm` on both Helm versions: merge keys in document order, CR/NEL/U+2028/U+2029 as line
// breaks, go-yaml's YAML 1.1 scalars, and a mapping of 80,000 keys read in linear time.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertNoStackTrace, runCli } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';
import { parseConfigText } from '../../src/config/loadConfig.js';
import { parseManifest } from '../../src/manifests/parseManifest.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-kubeyaml-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Report {
  findings: { check: string; rendered: { line: number } | null; values: { key: string; file: string; line: number | null }[] }[];
  errors: { file: string | null; line: number | null; message: string }[];
  warnings: { line: number | null; message: string }[];
}

function json(args: string[]): { status: number | null; report: Report } {
  const result = runCli([...args, '--format', 'json'], { cwd: scratch });
  assertNoStackTrace(result.stdout + result.stderr);
  return { status: result.status, report: JSON.parse(result.stdout) as Report };
}

function scan(name: string, text: string) {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return json(['scan', file]);
}

const CONTAINERS = '  containers:\n    - name: c\n      image: i\n      securityContext: {runAsUser: 20000}\n';
const pod = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${spec}`;

/** The manifests that Kubernetes runs with a host namespace or as root, and the tool used to pass. */
const FAIL_OPEN: { name: string; text: string; check: string; line: number }[] = [
  {
    name: 'a merge key after an explicit key overrides it',
    text: pod(`  x-defaults: &defaults\n    hostNetwork: true\n  hostNetwork: false\n  <<: *defaults\n${CONTAINERS}`),
    check: 'host-network',
    line: 6,
  },
  {
    name: 'runAsUser: 0 merged into a securityContext after its own runAsUser',
    text: pod(
      '  x-root: &root {runAsUser: 0}\n  securityContext:\n    runAsNonRoot: false\n  containers:\n    - name: c\n      image: i\n' +
        '      securityContext:\n        runAsUser: 20000\n        <<: *root\n',
    ),
    check: 'run-as-user',
    line: 5,
  },
  {
    name: 'a list of merges: the first one wins, over the explicit key before it',
    text: pod(`  x-a: &a {hostPID: true}\n  x-b: &b {hostPID: false}\n  hostPID: false\n  <<: [*a, *b]\n${CONTAINERS}`),
    check: 'host-pid',
    line: 5,
  },
  ...(
    [
      ['U+2028', '\u2028'],
      ['U+2029', '\u2029'],
      ['NEL', '\u0085'],
      ['a lone CR', '\r'],
    ] as const
  ).flatMap(([label, lineBreak]) => [
    {
      name: `a ${label} ends a comment: the key after it is live`,
      text: pod(`  # tuning${lineBreak}  hostNetwork: true\n${CONTAINERS}`),
      check: 'host-network',
      line: 5,
    },
    {
      name: `a ${label} in a comment hides a second kind from the quick look`,
      text: `apiVersion: v1\nkind: ConfigMap\n# note${lineBreak}kind: Pod\nmetadata: {name: p}\nspec:\n  hostIPC: true\n${CONTAINERS}`,
      check: 'host-ipc',
      line: 6,
    },
  ]),
  // Go's integer syntax: Kubernetes reads these as 0 (root); the yaml package read them as strings.
  ...['0o0', '0b0', '0_0', '-0b0'].map((zero) => ({
    name: `runAsUser: ${zero} is root to go-yaml`,
    text: pod(`  containers:\n    - name: c\n      image: i\n      securityContext: {runAsUser: ${zero}}\n`),
    check: 'run-as-user',
    line: 8,
  })),
];

describe('scan reads YAML as Kubernetes does', () => {
  for (const c of FAIL_OPEN) {
    test(`${c.name}: exit 1 with the finding`, () => {
      const { status, report } = scan(`${c.name.replace(/\W+/g, '-')}.yaml`, c.text);
      assert.equal(status, 1, JSON.stringify(report.errors));
      const finding = report.findings.find((f) => f.check === c.check);
      assert.ok(finding, JSON.stringify(report.findings.map((f) => f.check)));
      assert.equal(finding.rendered?.line, c.line);
    });
  }

  test('a U+2028 inside a value (kept there by go-yaml) is exit 2 naming the file and line', () => {
    const { status, report } = scan('ls-value.yaml', pod(`  hostNetwork: false\n  nodeName: "a\u2028b"\n${CONTAINERS}`));
    assert.equal(status, 2);
    assert.equal(report.errors[0]!.file, 'ls-value.yaml');
    assert.equal(report.errors[0]!.line, 6);
    assert.match(report.errors[0]!.message, /LINE SEPARATOR \(U\+2028\)/);
  });

  test('timestamps and sexagesimals stay strings, as go-yaml leaves them', () => {
    const parsed = parseManifest({ text: 'a: 2001-12-14\nb: 1:30\nc: 0x1F\nd: 08\n', startLine: 1, sourceHeader: null, sourceHeaderLine: null, index: 0 });
    assert.deepEqual(parsed.manifests[0]!.value, { a: '2001-12-14', b: '1:30', c: 31, d: 8 });
  });

  test('a tag go-yaml cannot honour is exit 2 with the line, as kubectl refuses it', () => {
    const { status, report } = scan('bad-tag.yaml', pod(`  hostNetwork: !!int yes\n${CONTAINERS}`));
    assert.equal(status, 2);
    assert.equal(report.errors[0]!.line, 5);
    assert.match(report.errors[0]!.message, /cannot decode !!bool `yes` as a !!int/);
  });
});

describe('a mapping of 80,000 keys and one anchor', () => {
  const lines = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: p}', 'spec:', '  hostPID: &yes true', '  nodeSelector:'];
  for (let i = 0; i < 80_000; i++) lines.push(`    k${i}: v${i}`);
  lines.push('    k17: again', '  hostIPC: *yes', ...CONTAINERS.trimEnd().split('\n'));
  const text = `${lines.join('\n')}\n`;

  test('scan reads it (the duplicate reported at its line) within a generous ceiling', () => {
    const started = Date.now();
    const { status, report } = scan('wide.yaml', text);
    assert.ok(Date.now() - started < 60_000, 'it used to take over a minute');
    assert.equal(status, 1);
    assert.deepEqual(report.findings.map((f) => f.check).sort(), ['host-ipc', 'host-pid']);
    const duplicate = report.warnings.find((w) => /duplicate key/.test(w.message));
    assert.equal(duplicate?.line, 80_007);
  });

  test('a configuration file of the same shape is read in linear time, the duplicate named', () => {
    const config = ['exemptions:', '  - &one {resource: "Pod/a", checks: [host-pid], reason: r}', 'x-wide:'];
    for (let i = 0; i < 80_000; i++) config.push(`  k${i}: v${i}`);
    config.push('  k3: again');
    const started = Date.now();
    assert.throws(() => parseConfigText(`${config.join('\n')}\n`, 'wide.yaml'), (error: Error & { line?: number }) => {
      assert.match(error.message, /Map keys must be unique/);
      assert.equal(error.line, 80_004);
      return true;
    });
    assert.ok(Date.now() - started < 60_000);
  });
});

describe('helm renders and values read as Kubernetes and Helm read them', () => {
  const chart = path.join(scratch, 'merge-chart');
  mkdirSync(path.join(chart, 'templates'), { recursive: true });
  writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: merge\nversion: 0.1.0\n');
  writeFileSync(path.join(chart, 'values.yaml'), 'defaults: &defaults\n  hostNetwork: true\nagent:\n  hostNetwork: false\n  <<: *defaults\n');
  const deployment = (name: string, spec: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n${spec}`;
  const containers = '      containers:\n        - name: c\n          image: i\n          securityContext: {runAsUser: 20000}\n';
  writeFileSync(
    path.join(chart, 'templates/literal.yaml'),
    deployment('literal', `      x-defaults: &defaults\n        hostNetwork: true\n      hostNetwork: false\n      <<: *defaults\n${containers}`),
  );
  writeFileSync(path.join(chart, 'templates/separator.yaml'), deployment('separator', `      # tuning\u2028      hostPID: true\n${containers}`));
  writeFileSync(path.join(chart, 'templates/values.yaml'), deployment('values', `      hostIPC: {{ .Values.agent.hostNetwork }}\n${containers}`));

  for (const tools of HELM_VERSIONS) {
    test(`${tools.label}: merged keys and line separators in templates are findings; the values line is the merge that won`, () => {
      const { status, report } = json(['helm', chart, '--helm', tools.helm]);
      assert.equal(status, 1, JSON.stringify(report.errors));
      assert.deepEqual(report.findings.map((f) => f.check).sort(), ['host-ipc', 'host-network', 'host-pid']);
      const fromValues = report.findings.find((f) => f.check === 'host-ipc')!;
      assert.deepEqual(
        fromValues.values.map((v) => `${v.key}@${path.basename(v.file)}:${v.line}`),
        ['agent.hostNetwork@values.yaml:2'],
      );
    });
  }
});
