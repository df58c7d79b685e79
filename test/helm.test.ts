// `hostns-check helm` with the real Helm 3.17.2 and 4.1.4: flags reach helm template, values
// turn findings on and off, subcharts, failures, and the user's chart is never written to.
import { treeDigest } from './support/treeDigest.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS, sharedDir } from './support/tools.js';
import { processesWith } from './support/processes.js';
import { PROJECT_ROOT, assertNoStackTrace, runCli, runJson } from './support/runCli.js';

interface Finding {
  check: string;
  resource: { kind: string; name: string; namespace: string | null };
  container: string | null;
  path: string;
  value: unknown;
  source: { file: string; line: number; exact: boolean } | null;
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-helm-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));


const fixtures = path.join(PROJECT_ROOT, 'charts-fixtures');
const shared = sharedDir();
const corpus = shared ? path.join(shared, 'corpus/charts') : null;
const digestsBefore = { fixtures: treeDigest(fixtures), corpus: corpus ? treeDigest(corpus) : null };

const names = (findings: Finding[]) => findings.map((f) => f.resource.name).sort();
const brief = (findings: Finding[]) => findings.map((f) => `${f.check} ${f.resource.kind}/${f.resource.name}${f.container ? ` ${f.container}` : ''}`).sort();

for (const tools of HELM_VERSIONS) {
  const helm = (args: string[], env?: NodeJS.ProcessEnv) => runJson(['helm', ...args, '--helm', tools.helm], { env });

  describe(`hostns-check helm on ${tools.label}`, () => {
    test('default values: the insecure chart has its five findings, each in its template', () => {
      const { status, report } = helm(['charts-fixtures/insecure-pod']);
      assert.equal(status, 1);
      assert.deepEqual(report.findings.map((f: Finding) => f.check), ['host-ipc', 'host-network', 'host-pid', 'host-port', 'run-as-user']);
      assert.ok(report.findings.every((f: Finding) => f.source?.file === 'charts-fixtures/insecure-pod/templates/pod.yaml'));
      assert.ok(report.findings.every((f: Finding) => f.resource.name === 'release-name-app'), 'default release name');
      assert.deepEqual(report.targets, [{ type: 'helm', path: 'charts-fixtures/insecure-pod', ok: true, error: null }]);
    });

    test('a values file turns findings off and --set turns one back on', () => {
      const secure = helm(['charts-fixtures/insecure-pod', '-f', 'charts-fixtures/insecure-pod/values-secure.yaml']);
      assert.equal(secure.status, 0);
      assert.deepEqual(secure.report.findings, []);
      const overridden = helm(['rel', 'charts-fixtures/insecure-pod', '-f', 'charts-fixtures/insecure-pod/values-secure.yaml', '--set', 'hostNetwork=true']);
      assert.equal(overridden.status, 1);
      assert.deepEqual(brief(overridden.report.findings), ['host-network Pod/rel-app']);
    });

    test('a later -f file wins over an earlier one, as in Helm', () => {
      const later = path.join(scratch, `later-${tools.label}.yaml`);
      writeFileSync(later, 'hostPID: true\n');
      const { report } = helm(['charts-fixtures/insecure-pod', '-f', 'charts-fixtures/insecure-pod/values-secure.yaml', '-f', later]);
      assert.deepEqual(brief(report.findings), ['host-pid Pod/release-name-app']);
      const reversed = helm(['charts-fixtures/insecure-pod', '-f', later, '-f', 'charts-fixtures/insecure-pod/values-secure.yaml']);
      assert.deepEqual(reversed.report.findings, []);
    });

    test('every flag reaches helm template, seen in what it renders', () => {
      const file = path.join(scratch, `set-file-${tools.label}.txt`);
      writeFileSync(file, 'from-file\n');
      const values = path.join(scratch, `values-${tools.label}.yaml`);
      writeFileSync(values, 'viaValues: from-values\n');
      const { status, report } = helm([
        'myrelease',
        'charts-fixtures/flags',
        '--values', values,
        '--set', 'viaSet=from-set',
        '--set-string', 'viaSetString=123',
        '--set-file', `viaSetFile=${file}`,
        '--set-json', 'viaSetJson={"k":"from-json"}',
        '--set-literal', 'viaSetLiteral=a,b=c',
        '--namespace', 'probe-ns',
        '--kube-version', '1.29.4',
        '--api-versions', 'example.com/v1',
        '--include-crds',
        '--skip-tests',
      ]);
      assert.equal(status, 1);
      assert.deepEqual(names(report.findings), [
        'api-example',
        'kube-v1.29.4',
        'release-myrelease',
        'set-file-from-file',
        'set-from-set',
        'set-json-from-json',
        'set-literal-a,b=c',
        'set-string-string-123',
        'values-from-values',
      ]);
      assert.ok(report.findings.every((f: Finding) => f.resource.namespace === 'probe-ns'));
      // --include-crds adds the CRD to the resources; --skip-tests drops the test pod.
      assert.equal(report.summary.resources, 10);
      const plain = helm(['charts-fixtures/flags']);
      assert.equal(plain.report.summary.resources, 9, 'eight pods and the test pod, no CRD');
      assert.ok(names(plain.report.findings).includes('helm-test'));
      assert.ok(names(plain.report.findings).includes('set-string-string-default'));
      const templated = plain.report.findings.filter((f: Finding) => f.resource.name !== 'helm-test');
      assert.ok(templated.every((f: Finding) => f.resource.namespace === 'default'));
    });

    test('arguments after -- go to helm template verbatim', () => {
      const result = runCli(['helm', 'charts-fixtures/flags', '--helm', tools.helm, '--format', 'json', '--', '--set', 'viaSet=after-dashes', '--skip-tests']);
      assert.equal(result.status, 1, result.stderr);
      const found = names(JSON.parse(result.stdout).findings);
      assert.ok(found.includes('set-after-dashes'), found.join(' '));
      assert.ok(!found.includes('helm-test'));
    });

    test('subcharts as a folder and as a .tgz, with the parent overriding their values', () => {
      const { status, report } = helm(['charts-fixtures/umbrella']);
      assert.equal(status, 1);
      assert.deepEqual(brief(report.findings), ['host-port DaemonSet/release-name-exporter exporter']);
      assert.equal(report.findings[0].value, 9100, 'the parent sets exporter.hostPort over the subchart default 0');
      assert.equal(report.findings[0].source.file, 'charts-fixtures/umbrella/charts/exporter-1.0.0.tgz!/exporter/templates/ds.yaml');
      const on = helm(['charts-fixtures/umbrella', '--set', 'agent.hostNetwork=true', '--set', 'exporter.enabled=false']);
      assert.deepEqual(brief(on.report.findings), ['host-network DaemonSet/release-name-agent']);
      assert.equal(on.report.findings[0].source.file, 'charts-fixtures/umbrella/charts/agent/templates/ds.yaml');
    });

    test('a library chart vendored as a file:// dependency', () => {
      const { status, report } = helm(['charts-fixtures/library-user']);
      assert.equal(status, 1);
      assert.deepEqual(brief(report.findings), ['host-ipc Pod/release-name-lib']);
    });

    test('--dependency-update works in a temporary copy, never in the chart', () => {
      const { status, report } = helm(['charts-fixtures/library-user', '--dependency-update']);
      assert.equal(status, 1, JSON.stringify(report.errors));
      assert.deepEqual(brief(report.findings), ['host-ipc Pod/release-name-lib']);
      // Helm would write Chart.lock and charts/podlib-0.1.0.tgz into the chart it updates.
      assert.deepEqual(readdirSync(path.join(fixtures, 'library-user')).sort(), ['Chart.yaml', 'charts', 'templates', 'values.yaml']);
      assert.deepEqual(readdirSync(path.join(fixtures, 'library-user/charts')), ['podlib']);
    });

    test('a chart that fails to render: exit 2 with Helm\'s message naming the template line', () => {
      const { status, report, stderr } = helm(['charts-fixtures/failing']);
      assert.equal(status, 2);
      assert.equal(report.targets[0].ok, false);
      assert.match(report.targets[0].error, /image is required: pass --set image=\.\.\./);
      assert.equal(report.errors[0].file, 'charts-fixtures/failing/templates/pod.yaml', 'relative to the working directory');
      assert.equal(report.errors[0].line, 8);
      assert.match(report.errors[0].message, /execution error at \(failing\/templates\/pod.yaml:8:16\)/);
      assertNoStackTrace(stderr);
      const text = runCli(['helm', 'charts-fixtures/failing', '--helm', tools.helm]);
      assert.equal(text.status, 2);
      assert.match(text.stdout, /^charts-fixtures\/failing\/templates\/pod.yaml:8  error  helm template failed/m);
      assert.equal(helm(['charts-fixtures/failing', '--set', 'image=app:1']).status, 0, 'renders once the value is given');
    });

    test('missing dependencies: exit 2 with their names and the command that fixes it', () => {
      const { status, report } = helm(['charts-fixtures/missing-deps']);
      assert.equal(status, 2);
      assert.match(report.errors[0].message, /missing from charts-fixtures\/missing-deps\/charts\/: redis, common/);
      assert.match(report.errors[0].message, /helm dependency build charts-fixtures\/missing-deps/);
    });

    test('a chart that does not exist: exit 2 saying what a chart can be', () => {
      for (const chart of ['./no-such-chart', 'no-such-chart']) {
        const { status, report, stderr } = helm([chart]);
        assert.equal(status, 2, chart);
        assert.match(report.errors[0].message, /could not be found: give a chart folder, a \.tgz/);
        assertNoStackTrace(stderr);
      }
    });

    test('--timeout stops a render that takes too long: exit 2, and Helm is not left running', () => {
      const slow = path.join(scratch, `slow-${tools.label}`);
      mkdirSync(path.join(slow, 'templates'), { recursive: true });
      writeFileSync(path.join(slow, 'Chart.yaml'), 'apiVersion: v2\nname: slow\nversion: 0.1.0\n');
      writeFileSync(path.join(slow, 'templates/slow.yaml'), '{{- range until 100000 }}{{- range until 3000 }}{{- end }}{{- end }}\n');
      const started = Date.now();
      const { status, report } = helm([slow, '--timeout', '1']);
      assert.equal(status, 2);
      assert.match(report.errors[0].message, /did not finish within 1 seconds/);
      assert.ok(Date.now() - started < 20_000, 'stopped long before the render would end');
      const stillRunning = processesWith(slow);
      assert.deepEqual(stillRunning, []);
    });

    test('Helm missing: exit 2 with a sentence that says what to do', () => {
      const result = runCli(['helm', 'charts-fixtures/insecure-pod', '--helm', path.join(scratch, 'no-helm-here')]);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /--helm .*no-helm-here is not an executable file.*Install Helm, pass --helm <path>, or run `npm run tools`/);
      assertNoStackTrace(result.stderr);
    });

    test('bad arguments: no chart, too many, a bad timeout', () => {
      assert.match(runCli(['helm', '--helm', tools.helm]).stderr, /give a chart/);
      assert.equal(runCli(['helm', 'a', 'b', 'c', '--helm', tools.helm]).status, 2);
      assert.equal(runCli(['helm', 'charts-fixtures/insecure-pod', '--timeout', 'soon', '--helm', tools.helm]).status, 2);
    });
  });

  describe(`real public charts on ${tools.label}`, () => {
    const skip = corpus ? false : '../shared is absent (a user clone): the public chart corpus lives there';
    const chart = (name: string) => path.join(corpus ?? '', name);

    test('metallb: the speaker and the frr-k8s subchart (.tgz) use the host network, as their templates write', { skip }, () => {
      const { status, report } = helm([chart('metallb')]);
      assert.equal(status, 1);
      const byCheck = (check: string) => brief(report.findings.filter((f: Finding) => f.check === check));
      // templates/speaker.yaml writes hostNetwork: true; frr-k8s-0.0.25.tgz does so for its DaemonSet and status cleaner.
      assert.deepEqual(byCheck('host-network'), [
        'host-network DaemonSet/release-name-frr-k8s',
        'host-network DaemonSet/release-name-metallb-speaker',
        'host-network Deployment/release-name-frr-k8s-statuscleaner',
      ]);
      // cp-frr-files runs as UID 100 (frr); the others set no runAsUser at all.
      const low = report.findings.filter((f: Finding) => f.check === 'run-as-user' && f.value !== null);
      assert.deepEqual(brief(low), ['run-as-user DaemonSet/release-name-frr-k8s cp-frr-files']);
      assert.equal(low[0].value, 100);
      assert.equal(byCheck('run-as-user').length, 11);
      assert.deepEqual(byCheck('host-pid'), []);
      assert.deepEqual(byCheck('host-port'), []);
      assert.ok(report.summary.resources > 30, 'CRDs from the crds subchart are read but are not pod specs');
    });

    test('fluent-bit: hostNetwork off by default, no runAsUser, and the Helm test pod is checked too', { skip }, () => {
      const { status, report } = helm([chart('fluent-bit')]);
      assert.equal(status, 1);
      assert.deepEqual(brief(report.findings), [
        'run-as-user DaemonSet/release-name-fluent-bit fluent-bit',
        'run-as-user Pod/release-name-fluent-bit-test-connection wget',
      ]);
      const overridden = helm([chart('fluent-bit'), '--set', 'hostNetwork=true', '--skip-tests']);
      assert.deepEqual(brief(overridden.report.findings), [
        'host-network DaemonSet/release-name-fluent-bit',
        'run-as-user DaemonSet/release-name-fluent-bit fluent-bit',
      ]);
    });

    test('datadog: no agent without an API key; with one, the agent DaemonSet shares the host PID namespace and runs as root', { skip }, () => {
      const defaults = helm([chart('datadog')]);
      assert.equal(defaults.status, 1);
      assert.deepEqual(brief(defaults.report.findings), [
        'run-as-user Deployment/release-name-datadog-cluster-agent cluster-agent',
        'run-as-user Deployment/release-name-datadog-cluster-agent init-volume',
        'run-as-user Deployment/release-name-datadog-operator datadog-operator',
      ]);
      assert.match(defaults.stderr, /non-bool/, "Helm's warnings reach the user");
      const withKey = helm([chart('datadog'), '--set', 'datadog.apiKey=0123456789abcdef0123456789abcdef']);
      const agent = withKey.report.findings.filter((f: Finding) => f.resource.kind === 'DaemonSet');
      assert.deepEqual(brief(agent.filter((f: Finding) => f.check === 'host-pid')), ['host-pid DaemonSet/release-name-datadog']);
      const rootContainers = agent.filter((f: Finding) => f.check === 'run-as-user').map((f: Finding) => `${f.container}=${String(f.value)}`);
      assert.deepEqual(rootContainers.sort(), ['agent=0', 'init-config=0', 'init-volume=0', 'seccomp-setup=0', 'system-probe=0', 'trace-agent=0']);
    });
  });
}

test('the charts are byte-for-byte unchanged after every run above', () => {
  assert.equal(treeDigest(fixtures), digestsBefore.fixtures);
  if (corpus) assert.equal(treeDigest(corpus), digestsBefore.corpus);
});
