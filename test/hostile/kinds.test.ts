// What is read, as kubectl reads it: typed lists and other shapes kubectl flattens into their
// items, kinds judged with their API group, a quick kind look that cannot be fooled, every file
// `kubectl apply -R -f` applies from a folder, `run` globs that stay in the configuration's folder,
// and exemptions matched on what the tool knows rather than on labels a chart writes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertNoStackTrace, runCli } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';
import { globLeavesFolder } from '../../src/targets/manifests/manifestsTarget.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-kinds-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(scratch, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

interface JsonFinding {
  check: string;
  path: string;
  suppressed: boolean;
  resource: { apiVersion: string | null; kind: string | null; name: string | null };
}

function check(args: string[], cwd = scratch) {
  const result = runCli([...args, '--format', 'json'], { cwd });
  assertNoStackTrace(result.stdout + result.stderr);
  let report;
  try {
    report = JSON.parse(result.stdout) as { findings: JsonFinding[]; errors: { file: string | null; line: number | null; message: string }[]; warnings: { message: string }[] };
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return { status: result.status, report, stderr: result.stderr };
}

/** What kubectl decodes from a file, client side: the objects it would apply. */
function kubectlReads(file: string, kubectl = HELM_VERSIONS[1].kubectl): { kind: string; metadata: { name: string }; spec?: Record<string, unknown> }[] {
  const result = spawnSync(kubectl, ['label', '--local', '-f', file, 'hostns=kinds', '-o', 'json'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const decoded = JSON.parse(result.stdout) as { kind: string; items?: unknown[] };
  return (decoded.kind === 'List' && Array.isArray(decoded.items) ? decoded.items : [decoded]) as ReturnType<typeof kubectlReads>;
}

const CONTAINERS = 'containers: [{name: c, image: i, securityContext: {runAsUser: 20000}}]';

function chart(name: string, templates: Record<string, string>): string {
  const dir = path.join(scratch, 'charts', name);
  write(path.join('charts', name, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`);
  for (const [file, text] of Object.entries(templates)) write(path.join('charts', name, 'templates', file), text);
  return dir;
}

describe('typed lists and other shapes kubectl flattens', () => {
  const cases: Record<string, { text: string; finding: [string, string, string] }> = {
    'a PodList whose item has no kind': {
      text: `apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p}\n  spec: {hostNetwork: true, ${CONTAINERS}}\n`,
      finding: ['host-network', 'Pod', 'p'],
    },
    'a DeploymentList whose item has no kind': {
      text: `apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: d}\n  spec:\n    selector: {matchLabels: {a: b}}\n    template:\n      metadata: {labels: {a: b}}\n      spec: {hostPID: true, ${CONTAINERS}}\n`,
      finding: ['host-pid', 'Deployment', 'd'],
    },
    'a Pod that carries items (kubectl applies the items, not the Pod)': {
      text: `apiVersion: v1\nkind: Pod\nmetadata: {name: outer}\nspec: {${CONTAINERS}}\nitems:\n- metadata: {name: inner}\n  spec: {hostIPC: true, ${CONTAINERS}}\n`,
      finding: ['host-ipc', 'Pod', 'inner'],
    },
    'a ConfigMap that carries a kinded Pod in items': {
      text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: hidden}\n  spec: {hostNetwork: true, ${CONTAINERS}}\n`,
      finding: ['host-network', 'Pod', 'hidden'],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    test(`scan: ${name}: exit 1 with the finding kubectl's reading holds`, () => {
      const file = write(`${name.replace(/\W+/g, '-')}.yaml`, c.text);
      const [checkId, kind, resourceName] = c.finding;
      // kubectl applies exactly this object: the check must see it too.
      const applied = kubectlReads(file);
      assert.deepEqual(applied.map((o) => [o.kind, o.metadata.name]), [[kind, resourceName]]);
      const { status, report } = check(['scan', file]);
      assert.equal(status, 1, JSON.stringify(report));
      assert.deepEqual(report.findings.map((f) => [f.check, f.resource.kind, f.resource.name]), [[checkId, kind, resourceName]]);
    });
  }

  for (const tools of HELM_VERSIONS) {
    test(`helm (${tools.label}): a PodList template whose item has no kind: exit 1`, () => {
      const dir = chart(`podlist-${tools.label}`, {
        'pods.yaml': `apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p}\n  spec: {hostNetwork: true, ${CONTAINERS}}\n`,
      });
      const { status, report } = check(['helm', dir, '--helm', tools.helm]);
      assert.equal(status, 1, JSON.stringify(report));
      assert.deepEqual(report.findings.map((f) => [f.check, f.resource.kind, f.resource.name]), [['host-network', 'Pod', 'p']]);
    });
  }
});

describe('kinds are judged with their API group', () => {
  const knative = `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      ${CONTAINERS}\n`;
  test('scan: a Knative Service (a custom Service that runs pods): exit 1', () => {
    const { status, report } = check(['scan', write('knative.yaml', knative)]);
    assert.equal(status, 1, JSON.stringify(report));
    assert.deepEqual(report.findings.map((f) => [f.check, f.path]), [['host-network', 'spec.template.spec.hostNetwork']]);
  });
  test('scan: custom Ingress and Secret kinds with a pod template: exit 1', () => {
    const text = ['networking.example.com/v1 Ingress', 'secrets.example.com/v1 Secret']
      .map((type) => {
        const [apiVersion, kind] = type.split(' ');
        return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\nspec: {template: {spec: {hostPID: true, ${CONTAINERS}}}}\n`;
      })
      .join('---\n');
    const { status, report } = check(['scan', write('custom-kinds.yaml', text)]);
    assert.equal(status, 1, JSON.stringify(report));
    assert.deepEqual(report.findings.map((f) => f.resource.kind), ['Ingress', 'Secret']);
  });
  for (const tools of HELM_VERSIONS) {
    test(`helm (${tools.label}): a Knative Service template: exit 1`, () => {
      const { status, report } = check(['helm', chart(`knative-${tools.label}`, { 'service.yaml': knative }), '--helm', tools.helm]);
      assert.equal(status, 1, JSON.stringify(report));
      assert.deepEqual(report.findings.map((f) => [f.check, f.resource.kind]), [['host-network', 'Service']]);
    });
  }
});

describe('the quick kind look cannot be fooled', () => {
  test('scan: a column-0 kind: ConfigMap inside a quoted string of an indented Pod: exit 1', () => {
    const text = `  apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations:\n      note: "x\nkind: ConfigMap\n      y"\n  spec: {hostNetwork: true, ${CONTAINERS}}\n`;
    const file = write('indented.yaml', text);
    assert.deepEqual(kubectlReads(file).map((o) => o.kind), ['Pod']);
    const { status, report } = check(['scan', file]);
    // The finding, or (where the YAML reader is stricter than go-yaml) an error at the file and line.
    if (status === 2) assert.ok(report.errors.some((e) => e.file === 'indented.yaml' && e.line !== null), JSON.stringify(report.errors));
    else assert.deepEqual([status, report.findings.map((f) => [f.check, f.resource.kind])], [1, [['host-network', 'Pod']]]);
  });
  // The quick look already says "unknown" here (test/quickKind.test.ts); the full parse must then
  // break lines where go-yaml does, which is the line-break part of issue 15, not this one.
  test('scan: a kind: Pod after a line break kubectl honours (CR, NEL, U+2028) below kind: ConfigMap: never a pass', () => {
    for (const [name, lineBreak] of [['cr', '\r'], ['nel', '\u0085'], ['ls', '\u2028']] as const) {
      const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\nspec: {hostNetwork: true, ${CONTAINERS}} # x${lineBreak}kind: Pod\n`;
      const file = write(`hidden-kind-${name}.yaml`, text);
      assert.deepEqual(kubectlReads(file).map((o) => o.kind), ['Pod'], name);
      const { status, report } = check(['scan', file]);
      assert.notEqual(status, 0, `${name}: ${JSON.stringify(report)}`);
    }
  });
});

describe('exemptions match on what the tool knows, never on text the chart writes', () => {
  const daemonSet = (name: string) =>
    `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ${name}\n  labels:\n    helm.sh/chart: node-exporter-4.0.0\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {hostNetwork: true, ${CONTAINERS}}\n`;
  const config = write('exempt-node-exporter.yaml', 'exemptions:\n  - chart: node-exporter\n    checks: [host-network]\n    reason: upstream chart we cannot edit\n');
  for (const tools of HELM_VERSIONS) {
    test(`helm (${tools.label}): another chart forging helm.sh/chart and a # Source: line is not exempted: exit 1`, () => {
      const dir = chart(`forger-${tools.label}`, { 'ds.yaml': `# Source: node-exporter/templates/daemonset.yaml\n${daemonSet('forged')}` });
      const { status, report } = check(['helm', dir, '--helm', tools.helm, '--config', config]);
      assert.equal(status, 1, JSON.stringify(report));
      assert.deepEqual(report.findings.map((f) => [f.check, f.resource.name, f.suppressed]), [['host-network', 'forged', false]]);
    });
    test(`helm (${tools.label}): the real node-exporter subchart is still exempted by its # Source: path: exit 0`, () => {
      const dir = chart(`umbrella-${tools.label}`, {});
      const sub = path.join(dir, 'charts', 'node-exporter');
      mkdirSync(path.join(sub, 'templates'), { recursive: true });
      writeFileSync(path.join(sub, 'Chart.yaml'), 'apiVersion: v2\nname: node-exporter\nversion: 4.0.0\n');
      writeFileSync(path.join(sub, 'templates', 'daemonset.yaml'), daemonSet('real'));
      const { status, report } = check(['helm', dir, '--helm', tools.helm, '--config', config]);
      assert.equal(status, 0, JSON.stringify(report));
      assert.deepEqual(report.findings.map((f) => [f.check, f.resource.name, f.suppressed]), [['host-network', 'real', true]]);
    });
  }
});

describe('scan of a folder reads what kubectl apply -R -f reads', () => {
  const pod = (name: string, field: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {${field}: true, ${CONTAINERS}}\n`;
  test('.json manifests, hidden folders and node_modules are read; a folder link loop ends; a link outside is a warning', () => {
    const dir = path.join(scratch, 'tree');
    write('tree/app.yaml', pod('plain', 'hostIPC'));
    write('tree/pod.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-json' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'i', securityContext: { runAsUser: 20000 } }] } }));
    write('tree/.deploy/pod.yaml', pod('hidden', 'hostPID'));
    write('tree/node_modules/pod.yml', pod('vendored', 'hostNetwork'));
    write('outside-tree/pod.yaml', pod('outside', 'hostNetwork'));
    symlinkSync('..', path.join(dir, '.deploy', 'loop'));
    symlinkSync(path.join(scratch, 'outside-tree'), path.join(dir, 'elsewhere'));
    const applied = spawnSync(HELM_VERSIONS[1].kubectl, ['label', '--local', '-R', '-f', dir, 'x=y', '-o', 'name'], { encoding: 'utf8' });
    assert.equal(applied.status, 0, applied.stderr);
    const kubectlPods = applied.stdout.trim().split('\n').map((line) => line.replace('pod/', '')).sort();
    assert.deepEqual(kubectlPods, ['from-json', 'hidden', 'plain', 'vendored']);
    const result = runCli(['scan', 'tree', '--format', 'json'], { cwd: scratch });
    assertNoStackTrace(result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { findings: JsonFinding[]; warnings: { file: string; message: string }[]; checked: { resource: { name: string } }[] };
    assert.equal(result.status, 1);
    assert.deepEqual(report.checked.map((c) => c.resource.name).sort(), kubectlPods);
    assert.deepEqual(report.findings.map((f) => f.resource.name).sort(), kubectlPods);
    assert.deepEqual(report.warnings.map((w) => [w.file, /outside the folder scanned/.test(w.message)]), [[path.join('tree', 'elsewhere'), true]]);
  });
  test('a FIFO named like a manifest is refused with exit 2, not waited on', () => {
    write('fifo-tree/pod.yaml', pod('p', 'hostIPC'));
    const fifo = spawnSync('mkfifo', [path.join(scratch, 'fifo-tree', 'pipe.yaml')]);
    if (fifo.status !== 0) return; // no mkfifo here
    const { status, report } = check(['scan', 'fifo-tree']);
    assert.equal(status, 2);
    assert.ok(report.errors.some((e) => e.file === path.join('fifo-tree', 'pipe.yaml') && /not a regular file/.test(e.message)), JSON.stringify(report.errors));
  });
});

describe('run: manifests: globs stay inside the configuration file folder', () => {
  const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: outside}\nspec: {hostNetwork: true, ${CONTAINERS}}\n`;
  write('outside-config/pod.yaml', pod);
  write('repo/app/pod.yaml', pod.replace('outside', 'inside').replace('hostNetwork: true, ', ''));
  symlinkSync(path.join(scratch, 'outside-config', 'pod.yaml'), path.join(scratch, 'repo', 'app', 'linked.yaml'));
  let configs = 0;
  const runJson = (config: string, extra: string[] = []) => {
    const file = write(`repo/config-${++configs}.yaml`, config);
    return check(['run', '--config', file, ...extra], path.join(scratch, 'repo'));
  };
  const climbing = ['../outside-config/*.yaml', '../../../../../../../**/outside-config/*.yaml', '{..,app}/*/pod.yaml', '../outside-config/pod.yaml'];
  for (const glob of climbing) {
    test(`${glob}: refused with exit 2, nothing outside read`, () => {
      const { status, report, stderr } = runJson(`targets:\n  - manifests: "${glob}"\n`);
      assert.equal(status, 2, JSON.stringify(report));
      assert.deepEqual(report.findings, []);
      assert.ok(report.errors.some((e) => /outside the configuration file's folder/.test(e.message)), JSON.stringify(report.errors));
      assert.doesNotMatch(stderr, /hostNetwork/);
    });
  }
  test('a link inside the folder to a file outside it is not read: exit 2', () => {
    const { status, report } = runJson('targets:\n  - manifests: "app/*.yaml"\n');
    assert.equal(status, 2, JSON.stringify(report));
    assert.deepEqual(report.findings, []);
    assert.ok(report.errors.some((e) => e.file === path.join('app', 'linked.yaml') && /outside the configuration file's folder/.test(e.message)), JSON.stringify(report.errors));
  });
  test('--allow-outside-config lets a glob reach outside: the finding, exit 1', () => {
    const { status, report } = runJson('targets:\n  - manifests: "../outside-config/*.yaml"\n', ['--allow-outside-config']);
    assert.equal(status, 1, JSON.stringify(report));
    assert.deepEqual(report.findings.map((f) => [f.check, f.resource.name]), [['host-network', 'outside']]);
  });
});

test('globLeavesFolder: fixed folders that lead out, and .. hidden in wildcards or braces', () => {
  const root = '/repo/config';
  assert.equal(globLeavesFolder('manifests/**/*.yaml', root, root), false);
  assert.equal(globLeavesFolder('config/*.yaml', '/repo', root), false);
  assert.equal(globLeavesFolder('../**/*.yaml', root, root), true);
  assert.equal(globLeavesFolder('a/../../x/*.yaml', root, root), true);
  assert.equal(globLeavesFolder('a/../b/*.yaml', root, root), false);
  assert.equal(globLeavesFolder('{..,a}/*.yaml', root, root), true);
  assert.equal(globLeavesFolder('a/..{,}/*.yaml', root, root), true);
  assert.equal(globLeavesFolder('/etc/*', root, root), true);
  assert.equal(globLeavesFolder('../config-other/x.yaml', root, root), true);
});
