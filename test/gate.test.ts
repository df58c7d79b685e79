// `hostns-check gate` as Helm runs it: the Helm 4 post-renderer plugin installed from
// plugins/hostns-check-gate into a scratch Helm home (Helm 4.1.4), and the executable given to
// Helm 3.17.2's `--post-renderer PATH`. A clean release passes through unchanged; an insecure one
// (hooks included) is refused with nothing printed as a release and a report naming each template;
// --then runs another post-renderer first; input the gate cannot read refuses the release. The
// pass-through, refusal and fail-closed cases are one set shared with the KRM function.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { HELM_VERSIONS, PROJECT_ROOT, type HelmToolset } from './support/tools.js';
import { assertNoStackTrace, runCli } from './support/runCli.js';
import { makeHelmHome, pluginInstallFlags, runSync, type HelmHome, type RunResult } from './support/helmHome.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-gate-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const GATE_BIN = path.join(PROJECT_ROOT, 'bin', 'hostns-check-gate.js');
const GATE_PLUGIN = path.join(PROJECT_ROOT, 'plugins', 'hostns-check-gate');

/** A chart written the way Helm 4 re-serialises (sequences not indented), so its output is the same with a post-renderer. */
function writeChart(name: string, pod: { hostNetwork: boolean; uid: number }, hook?: { hostPID: boolean }): string {
  const dir = path.join(scratch, 'charts', name);
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  writeFileSync(path.join(dir, 'values.yaml'), `hostNetwork: ${pod.hostNetwork}\nuid: ${pod.uid}\n`);
  writeFileSync(
    path.join(dir, 'templates', 'pod.yaml'),
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: {{ .Release.Name }}-app',
      'spec:',
      '  hostNetwork: {{ .Values.hostNetwork }}',
      '  securityContext:',
      '    runAsUser: {{ .Values.uid }}',
      '  containers:',
      '  - name: app',
      '    image: registry/image:tag',
      '',
    ].join('\n'),
  );
  if (hook) {
    writeFileSync(
      path.join(dir, 'templates', 'hook.yaml'),
      [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata:',
        '  name: {{ .Release.Name }}-migrate',
        '  annotations:',
        '    helm.sh/hook: pre-install,pre-upgrade',
        'spec:',
        '  template:',
        '    spec:',
        `      hostPID: ${hook.hostPID}`,
        '      restartPolicy: Never',
        '      securityContext:',
        '        runAsUser: 20000',
        '      containers:',
        '      - name: migrate',
        '        image: registry/image:tag',
        '',
      ].join('\n'),
    );
  }
  return dir;
}

const cleanChart = writeChart('clean', { hostNetwork: false, uid: 20000 }, { hostPID: false });
const insecureChart = writeChart('insecure', { hostNetwork: true, uid: 0 });
const hookChart = writeChart('hooked', { hostNetwork: false, uid: 20000 }, { hostPID: true });

/** A chart that relies on suppressions: an inline comment (host-network) and the annotation (host-pid). */
const suppressedChart = (() => {
  const dir = writeChart('suppressed', { hostNetwork: true, uid: 20000 });
  const pod = path.join(dir, 'templates', 'pod.yaml');
  writeFileSync(
    pod,
    readFileSync(pod, 'utf8')
      .replace('  hostNetwork:', '  # hostns-check:ignore host-network the agent reports the node interfaces\n  hostNetwork:')
      .replace('spec:\n', '  annotations:\n    hostns-check.io/ignore: host-pid\n    hostns-check.io/ignore-reason: reads every process on purpose\nspec:\n  hostPID: true\n'),
  );
  return dir;
})();
/** A configuration that exempts the insecure chart (by its name, as Helm's header or Helm 4's annotation says it). */
const exemptionConfig = path.join(scratch, 'exempt.yaml');
writeFileSync(exemptionConfig, 'exemptions:\n  - chart: insecure\n    checks: [host-network, run-as-user]\n    reason: tested\n');

/** A post-renderer script that turns hostNetwork on (what a careless patch step might do). */
const patchScript = path.join(scratch, 'patch.sh');
writeFileSync(patchScript, "#!/bin/sh\nexec sed 's/hostNetwork: false/hostNetwork: true/'\n");
chmodSync(patchScript, 0o755);
/** A post-renderer that writes something no YAML reader can read. */
const garbageScript = path.join(scratch, 'garbage.sh');
writeFileSync(garbageScript, "#!/bin/sh\ncat >/dev/null\nprintf 'kind: Pod\\nspec: [unclosed\\n'\n");
chmodSync(garbageScript, 0o755);

interface Gate {
  tool: HelmToolset;
  home: HelmHome;
  /** The --post-renderer value: the plugin name (Helm 4) or the executable (Helm 3). */
  renderer: string;
  /** --then's value for the patch step: a plugin name on Helm 4, a command path on Helm 3. */
  patchStep: string;
}

function setUp(tool: HelmToolset): Gate {
  const home = makeHelmHome(path.join(scratch, `${tool.label}-home`));
  if (tool.label.startsWith('helm-3.')) return { tool, home, renderer: GATE_BIN, patchStep: patchScript };
  const install = runSync(tool.helm, ['plugin', 'install', ...pluginInstallFlags(tool), GATE_PLUGIN], { cwd: scratch, env: home.env });
  assert.equal(install.status, 0, install.stderr);
  // The user's own post-renderer plugin, which --then names.
  const patchPlugin = path.join(scratch, 'patch-plugin');
  mkdirSync(patchPlugin, { recursive: true });
  writeFileSync(
    path.join(patchPlugin, 'plugin.yaml'),
    'apiVersion: v1\nname: patch-step\nversion: 0.1.0\ntype: postrenderer/v1\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - command: "${HELM_PLUGIN_DIR}/patch.sh"\n',
  );
  writeFileSync(path.join(patchPlugin, 'patch.sh'), readFileSync(patchScript));
  chmodSync(path.join(patchPlugin, 'patch.sh'), 0o755);
  const second = runSync(tool.helm, ['plugin', 'install', ...pluginInstallFlags(tool), patchPlugin], { cwd: scratch, env: home.env });
  assert.equal(second.status, 0, second.stderr);
  return { tool, home, renderer: 'hostns-check-gate', patchStep: 'patch-step' };
}

function helm(gate: Gate, args: string[]): RunResult {
  return runSync(gate.tool.helm, args, { cwd: scratch, env: gate.home.env });
}

/** `helm template` through the gate, with the gate's own flags as --post-renderer-args. */
function gated(gate: Gate, chart: string, gateArgs: string[], command = 'template'): RunResult {
  return helm(gate, [command, 'rel', chart, '--post-renderer', gate.renderer, ...gateArgs.flatMap((arg) => ['--post-renderer-args', arg])]);
}

interface JsonReport {
  findings: { check: string; resource: { kind: string; name: string }; source: { file: string; line: number; exact: boolean; reason?: string } | null }[];
  errors: { message: string }[];
}
const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
let reports = 0;
const reportFile = () => path.join(scratch, `report-${++reports}.json`);

for (const tool of HELM_VERSIONS) {
  describe(`the gate with ${tool.label}`, () => {
    const gate = setUp(tool);

    test('a clean release (hooks included) passes through: the same output as without the gate', () => {
      const plain = helm(gate, ['template', 'rel', cleanChart]);
      assert.equal(plain.status, 0, plain.stderr);
      const report = reportFile();
      const through = gated(gate, cleanChart, [`--report=${report}`, '--report-format=json']);
      assert.equal(through.status, 0, through.stderr);
      assert.equal(through.stdout, plain.stdout, 'byte for byte what helm template prints without it');
      assert.match(plain.stdout, /helm\.sh\/hook: pre-install/, 'the hook was rendered and passed');
      assert.deepEqual(readReport(report).findings, [], 'a pass writes its report too');
    });

    test('an insecure release is refused: Helm exits non-zero, prints no release, the report names each template', () => {
      const report = reportFile();
      const result = gated(gate, insecureChart, [`--report=${report}`, '--report-format=json']);
      assert.notEqual(result.status, 0);
      assert.equal(result.stdout, '', 'nothing is printed as a release');
      assertNoStackTrace(result.stderr);
      const findings = readReport(report).findings;
      assert.deepEqual(findings.map((f) => f.check).sort(), ['host-network', 'run-as-user']);
      for (const finding of findings) assert.equal(finding.source?.file, 'insecure/templates/pod.yaml', JSON.stringify(finding));
      if (tool.label.startsWith('helm-3.')) assert.match(result.stderr, new RegExp(`release refused: fail: 2 findings.*the report is in ${report.replace(/[.\\]/g, '\\$&')}`));
    });

    test('with --chart the report points at template and values lines, as hostns-check helm does', () => {
      const report = reportFile();
      const result = gated(gate, insecureChart, [`--report=${report}`, '--report-format=json', `--chart=${insecureChart}`]);
      assert.notEqual(result.status, 0);
      const byCheck = new Map(readReport(report).findings.map((f) => [f.check, f.source]));
      const source = byCheck.get('host-network');
      // The gate renders nothing itself: its lines are the walk's, never called exact.
      assert.deepEqual([source?.file, source?.line, source?.exact], ['charts/insecure/templates/pod.yaml', 6, false]);
      assert.match(source?.reason ?? '', /not proven/);
      const uid = byCheck.get('run-as-user');
      assert.deepEqual([uid?.file, uid?.line], ['charts/insecure/templates/pod.yaml', 8]);
    });

    if (tool.label.startsWith('helm-3.')) {
      // Helm 3 post-renders the release's manifests only; it adds the hooks after the post-renderer.
      // The README says so: with Helm 3, hooks need `hostns-check helm` (or Helm 4's plugin).
      test('Helm 3 never hands hooks to a post-renderer: an insecure hook alone is not seen', () => {
        const report = reportFile();
        const result = gated(gate, hookChart, [`--report=${report}`, '--report-format=json']);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /hostPID: true/, 'Helm 3 printed the hook it did not post-render');
        assert.deepEqual(readReport(report).findings, []);
      });
    } else {
      test('hooks are checked: an insecure hook alone refuses the release', () => {
      const report = reportFile();
      const result = gated(gate, hookChart, [`--report=${report}`, '--report-format=json']);
      assert.notEqual(result.status, 0);
      assert.equal(result.stdout, '');
      const findings = readReport(report).findings;
      assert.deepEqual(
        findings.map((f) => [f.check, f.resource.kind, f.source?.file]),
        [['host-pid', 'Job', 'hooked/templates/hook.yaml']],
      );
    });
    }

    test('--then runs the other post-renderer first and checks what it produced', () => {
      const report = reportFile();
      const result = gated(gate, cleanChart, [`--report=${report}`, '--report-format=json', `--then=${gate.patchStep}`]);
      assert.notEqual(result.status, 0, 'the patch step turned hostNetwork on');
      assert.equal(result.stdout, '');
      assert.deepEqual(readReport(report).findings.map((f) => f.check), ['host-network']);
    });

    test('a gate that cannot read its input fails closed', () => {
      for (const then of [garbageScript, path.join(scratch, 'no-such-renderer')]) {
        const report = reportFile();
        const result = gated(gate, cleanChart, [`--report=${report}`, '--report-format=json', `--then=${then}`]);
        assert.notEqual(result.status, 0, then);
        assert.equal(result.stdout, '', then);
        assert.equal(readReport(report).errors.length > 0, true, then);
      }
    });

    test('suppressions work as in the CLI: inline comments and annotations; exemptions by chart name', () => {
      const report = reportFile();
      const result = gated(gate, suppressedChart, [`--report=${report}`, '--report-format=json']);
      const findings = readReport(report).findings as unknown as { check: string; suppressed: boolean }[];
      const open = findings.filter((f) => !f.suppressed).map((f) => f.check);
      // Helm 4 re-serialises the documents but keeps the comments inside them (only `# Source:` goes).
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(open, []);
      assert.deepEqual(findings.map((f) => f.check).sort(), ['host-network', 'host-pid'], 'both found, both suppressed');
      // Exemptions by chart name: Helm 3's `# Source:`, Helm 4's postrender-filename annotation.
      const exempted = gated(gate, insecureChart, [`--config=${exemptionConfig}`]);
      assert.equal(exempted.status, 0, exempted.stderr);
      assert.match(exempted.stdout, /hostNetwork: true/, 'the exempted release went through');
    });

    if (!tool.label.startsWith('helm-3.')) {
      test('helm install --dry-run=client is refused the same way, without a cluster', () => {
        const report = reportFile();
        const refused = gated(gate, insecureChart, [`--report=${report}`, '--report-format=json'], 'install');
        const dry = helm(gate, ['install', 'rel', cleanChart, '--dry-run=client', '--post-renderer', gate.renderer]);
        assert.equal(dry.status, 0, dry.stderr);
        assert.match(dry.stdout, /STATUS: pending-install/);
        const refusedDry = helm(gate, ['install', 'rel', insecureChart, '--dry-run=client', '--post-renderer', gate.renderer, '--post-renderer-args', `--report=${report}`]);
        assert.notEqual(refusedDry.status, 0);
        assert.equal(refusedDry.stdout, '', 'no release is printed');
        assert.match(refusedDry.stderr, /plugin "hostns-check-gate" exited with error/);
        assert.ok(existsSync(report));
        assert.notEqual(refused.status, 0);
      });
    }
  });
}

describe('one pass-through core, two wire formats: gate and krm agree', () => {
  const pod = (hostNetwork: boolean) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app' },
    spec: { hostNetwork, securityContext: { runAsUser: 20000 }, containers: [{ name: 'app', image: 'registry/image:tag' }] },
  });
  const asGate = (items: unknown[]) => items.map((item) => `---\n${stringify(item)}`).join('');
  const asKrm = (items: unknown[]) => stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items });

  test('clean: both exit 0 and write their input back unchanged', () => {
    for (const [command, input] of [['gate', asGate([pod(false)])], ['krm', asKrm([pod(false)])]] as const) {
      const result = runCli([command], { input });
      assert.equal(result.status, 0, `${command}: ${result.stderr}`);
      assert.equal(result.stdout, input, command);
    }
  });

  test('findings: both exit 1; the gate writes nothing, krm adds results', () => {
    const gate = runCli(['gate'], { input: asGate([pod(true)]) });
    assert.equal(gate.status, 1);
    assert.equal(gate.stdout, '');
    assert.match(gate.stderr, /host-network/);
    assert.match(gate.stderr, /release refused: fail: 1 finding/);
    const krm = runCli(['krm'], { input: asKrm([pod(true)]) });
    assert.equal(krm.status, 1);
    assert.match(krm.stdout, /results:/);
  });

  test('unreadable input: both exit 2, the gate writes nothing', () => {
    const huge = `# ${'x'.repeat(9 * 1024 * 1024)}\n`;
    for (const input of ['kind: Pod\nspec: [unclosed\n', huge]) {
      const gate = runCli(['gate'], { input });
      assert.equal(gate.status, 2, gate.stderr.slice(0, 500));
      assert.equal(gate.stdout, '');
      assertNoStackTrace(gate.stderr);
      const krm = runCli(['krm'], { input });
      assert.equal(krm.status, 2);
    }
    const notUtf8 = Buffer.concat([Buffer.from(asGate([pod(false)])), Buffer.from([0xff, 0xfe, 0x0a])]);
    const gate = runCli(['gate'], { input: notUtf8 });
    assert.equal(gate.status, 2);
    assert.equal(gate.stdout, '');
  });

  test('the gate leaves the postrender-filename annotations as Helm sent them', () => {
    const annotated = { ...pod(false), metadata: { name: 'app', annotations: { 'postrenderer.helm.sh/postrender-filename': 'c/templates/pod.yaml' } } };
    const input = asGate([annotated]);
    const result = runCli(['gate'], { input });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, input);
    assert.equal(parseAllDocuments(result.stdout).length, 1);
  });
});
