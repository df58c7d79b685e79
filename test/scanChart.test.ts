// `helm template … | hostns-check scan - --chart DIR -f FILE`: real `helm template` output (Helm
// 3.17.2 and 4.1.4) piped in maps to the same template and values lines as `hostns-check helm`
// gives for the same chart and values, on a small chart of the test's own and on public charts
// from ../shared/corpus. --chart naming no chart, or values flags without --chart, are exit 2.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertNoStackTrace, runCli, runJson } from './support/runCli.js';
import { runSync } from './support/helmHome.js';
import { HELM_VERSIONS, sharedDir } from './support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-scan-chart-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A chart whose host-network value comes from its own values.yaml and whose runAsUser the -f file lowers.
const own = path.join(scratch, 'own');
mkdirSync(path.join(own, 'pod', 'templates'), { recursive: true });
writeFileSync(path.join(own, 'pod', 'Chart.yaml'), 'apiVersion: v2\nname: pod\nversion: 1.0.0\n');
writeFileSync(path.join(own, 'pod', 'values.yaml'), 'hostNetwork: true\nrunAsUser: 20000\n');
writeFileSync(
  path.join(own, 'pod', 'templates', 'pod.yaml'),
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n    - name: app\n      image: app:1\n      securityContext:\n        runAsUser: {{ .Values.runAsUser }}\n',
);
writeFileSync(path.join(own, 'low.yaml'), '# lower the user\nrunAsUser: 1000\n');

interface Mapped {
  check: string;
  resource: string;
  container: string | null;
  source: { file: string; line: number } | null;
  values: { file: string; line: number | null }[];
}

/** What a report says about each finding's template and values lines, in report order. */
function mappedFindings(report: { findings: Record<string, unknown>[] }): Mapped[] {
  return report.findings.map((finding) => {
    const source = finding.source as Mapped['source'];
    const resource = finding.resource as { kind: string; name: string };
    return {
      check: finding.check as string,
      resource: `${resource.kind}/${resource.name}`,
      container: finding.container as string | null,
      source: source ? { file: source.file, line: source.line } : null,
      values: (finding.values as Mapped['values']).map(({ file, line }) => ({ file, line })),
    };
  });
}

/** `helm template t CHART ARGS | hostns-check scan - --chart CHART ARGS` and `hostns-check helm t CHART ARGS`, from `cwd`. */
function bothWays(helm: string, cwd: string, chart: string, args: string[]): { piped: Mapped[]; direct: Mapped[]; plain: Mapped[] } {
  const rendered = runSync(helm, ['template', 't', chart, ...args], { cwd, env: process.env });
  assert.equal(rendered.status, 0, rendered.stderr);
  const piped = runJson(['scan', '-', '--chart', chart, ...args], { cwd, input: rendered.stdout });
  assert.equal(piped.status, 1, piped.stdout + piped.stderr);
  assert.deepEqual(piped.report.errors, []);
  // scan did not make the render, so no proof render checks its lines: none is called exact.
  for (const finding of piped.report.findings as { source: { exact: boolean; reason?: string } | null }[]) {
    assert.equal(finding.source?.exact, false);
    assert.match(finding.source?.reason ?? '', /not proven|# Source:|values block|branch/);
  }
  const direct = runJson(['helm', 't', chart, ...args, '--helm', helm], { cwd });
  assert.equal(direct.status, 1, direct.stdout + direct.stderr);
  const plain = runJson(['scan', '-'], { cwd, input: rendered.stdout });
  return { piped: mappedFindings(piped.report), direct: mappedFindings(direct.report), plain: mappedFindings(plain.report) };
}

for (const tools of HELM_VERSIONS) {
  describe(`scan - --chart with ${tools.label}`, () => {
    test('the test\'s own chart: the template line, the -f line and the chart\'s values.yaml line, as hostns-check helm gives them', () => {
      const { piped, direct, plain } = bothWays(tools.helm, own, 'pod', ['-f', 'low.yaml']);
      assert.deepEqual(piped, direct);
      assert.deepEqual(piped, [
        { check: 'host-network', resource: 'Pod/p', container: null, source: { file: 'pod/templates/pod.yaml', line: 6 }, values: [{ file: 'pod/values.yaml', line: 1 }] },
        {
          check: 'run-as-user',
          resource: 'Pod/p',
          container: 'app',
          source: { file: 'pod/templates/pod.yaml', line: 11 },
          values: [
            { file: 'low.yaml', line: 2 },
            { file: 'pod/values.yaml', line: 2 },
          ],
        },
      ]);
      // Without --chart the same input maps only by # Source: (line 1, not exact): --chart is what maps it.
      assert.deepEqual(
        plain.map((finding) => finding.source),
        piped.map(() => ({ file: 'pod/templates/pod.yaml', line: 1 })),
      );
    });

    const shared = sharedDir();
    const skip = shared ? false : '../shared is absent (a user clone): the public chart corpus lives there';
    const corpus = path.join(shared ?? '', 'corpus');
    const cases: [string, string[]][] = [
      ['charts/vector', ['-f', 'values/vector/agent.yaml']],
      ['charts/vector', ['-f', 'values/vector/aggregator-haproxy.yaml', '--set', 'role=Stateless-Aggregator']],
      ['charts/alloy', ['-f', 'values/alloy/node-logs.yaml']],
      ['charts/descheduler', ['-f', 'values/descheduler/pod-uid.yaml']],
    ];
    for (const [chart, args] of cases) {
      test(`${chart} ${args.join(' ')}: the same template and values lines as hostns-check helm`, { skip }, () => {
        const { piped, direct } = bothWays(tools.helm, corpus, chart, args);
        assert.ok(piped.length > 0);
        assert.deepEqual(piped, direct);
        assert.ok(
          piped.some((finding) => finding.values.some((origin) => args.includes(origin.file) && origin.line !== null)),
          'a values line in the -f file',
        );
      });
    }
  });
}

test('--chart naming no chart (a missing path, a folder without Chart.yaml): exit 2, names it, no stack trace', () => {
  for (const chart of ['nosuch', '.']) {
    const result = runCli(['scan', '-', '--chart', chart], { cwd: own, input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n' });
    assert.equal(result.status, 2, result.stdout + result.stderr);
    assert.ok(result.stdout.includes(`--chart ${chart} `), result.stdout);
    assertNoStackTrace(result.stdout + result.stderr);
  }
  assert.match(runCli(['scan', '-', '--chart', 'nosuch'], { cwd: own }).stdout, /--chart nosuch cannot be read: no such file or folder/);
  assert.match(runCli(['scan', '-', '--chart', '.'], { cwd: own }).stdout, /--chart \. is not a chart: give a chart folder \(with a Chart\.yaml\) or a packaged chart \(\.tgz\)/);
});

test('values flags without --chart: exit 2, says to give --chart', () => {
  const result = runCli(['scan', '-', '-f', 'low.yaml'], { cwd: own, input: 'kind: Pod\n' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /-f\/--values and --set… say what the chart was rendered with: give them with --chart DIR/);
});
