// SharedChartTrees: `run` reads a chart's files once for all the targets that name it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SharedChartTrees } from '../src/sources/chartTree.js';
import { PROJECT_ROOT } from './support/runCli.js';

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
