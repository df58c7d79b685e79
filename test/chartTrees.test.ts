// SharedChartTrees: `run` reads a chart's files once for all the targets that name it.
// The last test runs the real Helm.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TargetSpec } from '../src/targets/targetsFile.js';
import { runTargets } from '../src/targets/runTargets.js';
import { emptyHelmRequest } from '../src/targets/helm/helmTemplate.js';
import { SharedChartTrees, loadChartTree } from '../src/targets/helm/chartTree.js';
import { PROJECT_ROOT } from './support/runCli.js';
import { helmRunOptions } from './support/runOptions.js';
import { HELM_VERSIONS } from './support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-chart-trees-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), path.join(scratch, 'chart'), { recursive: true });

test('a chart announced by two targets is read once and kept until both are done', () => {
  const trees = new SharedChartTrees();
  trees.expect('chart', scratch);
  trees.expect('./chart/', scratch); // the same folder, named another way
  const first = trees.get('chart', scratch);
  assert.ok(first, 'the chart is read');
  assert.equal(first.name, 'insecure-pod');
  assert.equal(trees.get('chart/', scratch), first, 'the second target gets the same tree');

  // A file changed meanwhile is not seen while the tree is kept: one run, one reading of the chart.
  writeFileSync(path.join(scratch, 'chart/templates/extra.yaml'), 'kind: ConfigMap\n');
  trees.release('chart', scratch);
  assert.equal(trees.get('chart', scratch), first, 'still kept: one target is not done');
  trees.release('chart', scratch);
  const after = trees.get('chart', scratch);
  assert.notEqual(after, first, 'dropped after the last target: read anew');
  assert.ok(after?.files.has('templates/extra.yaml'));
});

test('a chart nobody announced is read on each call and not kept; a folder without a chart is null', () => {
  const trees = new SharedChartTrees();
  const one = trees.get('chart', scratch);
  assert.ok(one);
  assert.notEqual(trees.get('chart', scratch), one);
  trees.expect('missing', scratch);
  assert.equal(trees.get('missing', scratch), null);
  trees.release('missing', scratch);
  trees.release('missing', scratch); // more releases than targets: harmless
});

test('a subchart is read for what mapping uses (Chart.yaml, values.yaml, templates/, archives): its docs, tests and CI values are not looked at', () => {
  const chart = path.join(scratch, 'umbrella-docs');
  cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/umbrella'), chart, { recursive: true });
  const agent = path.join(chart, 'charts/agent');
  mkdirSync(path.join(agent, 'ci'));
  // Links out of the chart: noted as unread wherever mapping would read, never where it would not.
  symlinkSync('/etc/hostname', path.join(agent, 'ci/values.yaml'));
  symlinkSync('/etc/hostname', path.join(agent, 'README.md'));
  symlinkSync('/etc/hostname', path.join(agent, 'templates/outside.yaml'));
  const tree = loadChartTree(chart, scratch);
  const sub = tree?.children.get('agent');
  assert.deepEqual([...(sub?.files.keys() ?? [])].sort(), ['Chart.yaml', 'templates/ds.yaml', 'values.yaml']);
  assert.deepEqual([...(sub?.unread?.keys() ?? [])], ['templates/outside.yaml']);
  assert.ok(tree?.children.get('exporter')?.files.has('templates/ds.yaml'), 'the archived subchart is read');
});

test('run reads a chart once for all its value sets, and keeps nothing afterwards', async () => {
  const [tools] = HELM_VERSIONS;
  const reads: string[] = [];
  const trees = new SharedChartTrees((chart, cwd) => {
    reads.push(chart);
    return loadChartTree(chart, cwd);
  });
  const request = (values: string[]) => ({ ...emptyHelmRequest('chart'), values });
  const specs: TargetSpec[] = [
    { type: 'helm', name: 'a', request: request([]) },
    { type: 'helm', name: 'b', request: request(['chart/values-secure.yaml']) },
    { type: 'helm', name: 'c', request: { ...request([]), set: ['hostNetwork=false'] } },
  ];
  const runs = await runTargets(specs, helmRunOptions(scratch, tools.helm, trees, 2));
  // Findings of a and c map to template lines, which needs the chart's files.
  const mapped = runs.flatMap((r) => r.outcome.findings).filter((f) => f.source?.file === path.join('chart', 'templates', 'pod.yaml'));
  assert.ok(mapped.length >= 8, `findings mapped to the template: ${mapped.length}`);
  assert.deepEqual(reads, ['chart'], 'read once');
  assert.equal(trees.size, 0, 'dropped after the last target');
});
