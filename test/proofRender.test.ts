// The proof render decides which lines are exact, on Helm 3 and 4: a mapping broken on purpose
// (a wrong template line and a wrong values line, both claimed exact) is corrected or disproven,
// never passed on; a chart that reads its own output back is not proven at all; nothing of the
// user's chart is written to.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS } from './support/tools.js';
import { PROJECT_ROOT, runJson } from './support/runCli.js';
import { emptyHelmRequest } from '../src/targets/helm/helmTemplate.js';
import { proveFindings } from '../src/targets/helm/proof/proveFindings.js';
import { resourceKey, type RenderedResource } from '../src/targets/helm/proof/renderedResource.js';
import { splitDocuments } from '../src/manifests/splitDocuments.js';
import { parseManifest } from '../src/manifests/parseManifest.js';
import type { Finding } from '../src/types.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-proof-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const CHART = 'charts-fixtures/insecure-pod';

/** What the user's render held, as the Helm target records it while mapping. */
async function renderedResources(helm: string, chart: string, flags: string[] = []): Promise<Map<string, RenderedResource>> {
  const out = spawnSync(helm, ['template', 'release-name', chart, ...flags], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const byKey = new Map<string, RenderedResource>();
  for await (const raw of splitDocuments([out.stdout])) {
    const manifest = parseManifest(raw).manifests[0];
    const resource = manifest?.value as { kind?: string; metadata?: { name?: string } } | undefined;
    if (!resource?.kind) continue;
    // Every path of the resource: the findings' paths are looked up by the same key.
    for (const path of ['spec.hostIPC', 'spec.hostNetwork', 'spec.hostPID', 'spec.containers[0].ports[1].hostPort', 'spec.securityContext.runAsUser']) {
      byKey.set(resourceKey(resource.kind, resource.metadata?.name, path), { document: raw.index, resourcePath: [], resource, sourceHeader: raw.sourceHeader });
    }
  }
  return byKey;
}

/** How the Helm target would ask for the proof of CHART's findings, with these --set flags. */
function proofSettings(helm: string, set: string[]) {
  return {
    request: { ...emptyHelmRequest(CHART), releaseName: 'release-name', set },
    chartDir: CHART,
    chartShown: CHART,
    run: { helm, cwd: PROJECT_ROOT, env: process.env, timeoutSeconds: 120 },
    userFiles: new Map<string, string>(),
  };
}

/** A tree's files and their contents, to show a run left them as they were. */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else files.set(path.relative(folder, file), readFileSync(file, 'utf8'));
    }
  };
  walk(folder);
  return files;
}

for (const tools of HELM_VERSIONS) {
  describe(`proof renders on ${tools.label}`, () => {
    test('a mapping broken on purpose is corrected by the render, never passed on as exact', async () => {
      const verified = runJson(['helm', CHART, '--helm', tools.helm]).report.findings as Finding[];
      const byCheck = (findings: Finding[], check: string) => findings.find((finding) => finding.check === check)!;
      const right = byCheck(verified, 'host-network');
      assert.equal(right.source?.line, 9);
      assert.equal(right.source?.exact, true);

      // The walk's answers, then broken: host-network at the hostPID line, host-port's values at
      // the image line; both claimed exact, as a wrong walk would.
      const findings = runJson(['helm', CHART, '--helm', tools.helm, '--no-verify']).report.findings as Finding[];
      const network = byCheck(findings, 'host-network');
      network.source = { ...network.source!, line: 10, text: '  hostPID: {{ .Values.hostPID }}', exact: true };
      const port = byCheck(findings, 'host-port');
      port.values = [{ key: 'image', file: `${CHART}/values.yaml`, line: 5, layer: 'chart', exact: true }];
      const ipc = byCheck(findings, 'host-ipc');
      ipc.values = [{ key: 'hostPID', file: `${CHART}/values.yaml`, line: 4, layer: 'chart', exact: true }];

      const summary = await proveFindings(findings, await renderedResources(tools.helm, CHART), proofSettings(tools.helm, []));
      assert.equal(summary.problem, null);
      assert.ok(summary.renders >= 1);
      // The render names the line that wrote hostNetwork: the wrong one is gone.
      assert.equal(network.source?.line, 9);
      assert.equal(network.source?.exact, true);
      // The image line holds no 443: no sentinel could go there, so it is not proven; the render
      // finds the line that did write 443 among the values of the same value.
      assert.equal(port.values[0]?.line, 9);
      assert.equal(port.values[0]?.exact, true);
      assert.ok(port.values.filter((origin) => origin.line === 5).every((origin) => origin.exact !== true));
      // hostPID's line holds `true` too, but its sentinel does not arrive at hostIPC.
      assert.equal(ipc.values[0]?.line, 2);
      assert.equal(ipc.values[0]?.exact, true);
      assert.ok(ipc.values.filter((origin) => origin.line === 4).every((origin) => origin.exact !== true));

      // A values line that no render can tie to the value is said to be unproven, with the reason.
      const findingsAgain = runJson(['helm', CHART, '--helm', tools.helm, '--no-verify']).report.findings as Finding[];
      const pid = byCheck(findingsAgain, 'host-pid');
      pid.values = [{ key: 'image', file: `${CHART}/values.yaml`, line: 5, layer: 'chart', exact: true }];
      const pidOnly = [pid];
      await proveFindings(pidOnly, await renderedResources(tools.helm, CHART), proofSettings(tools.helm, []));
      // hostPID's own line (4) holds `true` under a hostPID key: found by the render instead.
      assert.equal(pid.values[0]?.line, 4);
      assert.equal(pid.values[0]?.exact, true);
      assert.ok(pid.values.slice(1).every((origin) => origin.exact !== true));

      // The value comes from --set: the chart's line, claimed exact, is disproven.
      const setRun = runJson(['helm', CHART, '--helm', tools.helm, '--no-verify', '--set', 'securityContext.runAsUser=5']).report.findings as Finding[];
      const uid = byCheck(setRun, 'run-as-user');
      assert.equal(uid.value, 5);
      uid.values = [{ key: 'securityContext.runAsUser', file: `${CHART}/values.yaml`, line: 11, layer: 'chart', exact: true }];
      const withSet = await renderedResources(tools.helm, CHART, ['--set', 'securityContext.runAsUser=5']);
      await proveFindings([uid], withSet, proofSettings(tools.helm, ['securityContext.runAsUser=5']));
      assert.equal(uid.values[0]?.line, 11);
      assert.equal(uid.values[0]?.exact, false);
      assert.match(uid.values[0]?.reason ?? '', /not proven/);
      assert.equal(uid.source?.exact, true, 'the template line is still proven');
    });

    test('a chart that reads a named template back (fromYaml): its lines keep their keys, and the branch that ran is named', () => {
      const chart = path.join(scratch, `selfread-${tools.label}`);
      mkdirSync(path.join(chart, 'templates'), { recursive: true });
      writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: selfread\nversion: 1.0.0\n');
      writeFileSync(path.join(chart, 'values.yaml'), 'uid: 20000\n');
      writeFileSync(path.join(chart, 'templates/_spec.tpl'), '{{- define "spec" }}\nhostNetwork: true\n{{- end }}\n');
      writeFileSync(
        path.join(chart, 'templates/pod.yaml'),
        [
          '{{- $spec := include "spec" . | fromYaml }}',
          'apiVersion: v1',
          'kind: Pod',
          'metadata:',
          '  name: selfread',
          'spec:',
          '  {{- if $spec.hostNetwork }}',
          '  hostPID: true',
          '  {{- else }}',
          '  hostPID: true',
          '  {{- end }}',
          '  containers:',
          '    - name: app',
          '      image: x',
          '      securityContext:',
          '        runAsUser: {{ .Values.uid }}',
          '',
        ].join('\n'),
      );
      const before = snapshot(chart);
      const { status, report } = runJson(['helm', chart, '--helm', tools.helm]);
      assert.equal(status, 1);
      const findings = report.findings as Finding[];
      assert.equal(findings.length, 1);
      // Renaming hostNetwork in "spec" would send the scratch render down the else branch, whose
      // line 10 writes the same hostPID: the guard could not tell. So "spec" is left alone.
      const [pid] = findings as [Finding];
      assert.equal(pid.check, 'host-pid');
      assert.equal(pid.source?.line, 8);
      assert.equal(pid.source?.exact, true);
      assert.deepEqual(snapshot(chart), before, 'the chart was written to');

      // A template chosen at run time and read back could be any: no line is renamed, none proven.
      writeFileSync(path.join(chart, 'templates/_spec.tpl'), '{{- define "spec" }}\nhostNetwork: true\n{{- end }}\n{{- define "any" }}{{ include (print "sp" "ec") . | fromYaml | toYaml }}{{- end }}\n');
      writeFileSync(path.join(chart, 'templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: {{ include "any" . | quote }}\n');
      const dynamic = runJson(['helm', chart, '--helm', tools.helm]).report.findings as Finding[];
      assert.equal(dynamic.length, 1);
      assert.equal(dynamic[0]?.source?.exact, false);
      assert.match(dynamic[0]?.source?.reason ?? '', /chosen at run time/);
    });
  });
}
