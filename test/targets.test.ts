// The target model: the driver (on in-memory kinds, no binaries) stamps one id on everything a
// target produces, derives `ok` and always cleans up; source mapping is best effort (a mapper that
// throws, or a chart whose files cannot be read, never changes a verdict); and a chart with a
// symlinked folder under templates/ is checked and mapped as Helm renders it (real Helm).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { safeSourceMapper, type SourceMapper } from '../src/pipeline/sourceMapping.js';
import { defaultRuleConfig } from '../src/rules/hostNamespaceRule.js';
import { checkTarget } from '../src/targets/driver.js';
import { SharedChartTrees, loadChartTree } from '../src/targets/helm/chartTree.js';
import { emptyHelmRequest } from '../src/targets/helm/helmTemplate.js';
import { manifestsKind } from '../src/targets/manifests/manifestsTarget.js';
import { runTargets } from '../src/targets/runTargets.js';
import { TargetFailure, type OpenedTarget, type TargetContext, type TargetKind } from '../src/targets/targetKind.js';
import { assertNoStackTrace, runJson } from './support/runCli.js';
import { helmRunOptions } from './support/runOptions.js';
import { HELM_VERSIONS } from './support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-targets-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: true\n  containers:\n    - name: app\n      image: nginx\n      securityContext:\n        runAsUser: 20000\n';
const BROKEN = 'apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n';

const context = (): TargetContext => ({ cwd: scratch, env: {}, timeoutSeconds: 60, config: defaultRuleConfig(), warn: () => undefined });

/** A kind whose "render" is the given text, and which records its cleanup. */
function memoryKind(text: string, end: Awaited<ReturnType<OpenedTarget['finish']>> = {}, log: string[] = []): TargetKind<string> {
  return {
    type: 'manifests',
    pathOf: (spec) => spec,
    documents: 'document(s)',
    async open(spec) {
      if (spec === 'missing') throw new TargetFailure('no such thing', spec);
      if (spec === 'crash') throw new Error('a bug');
      return {
        inputs: [{ chunks: [text], file: spec, sourceOf: () => ({ source: null }) }],
        finish: async () => end,
        cleanup: () => void log.push(`cleanup ${spec}`),
      };
    },
  };
}

describe('the target driver', () => {
  test('the configured name is the id on every finding, error, warning and checked resource; the path stays the path', async () => {
    const kind = memoryKind(`${POD}---\n${BROKEN}`, { warnings: [{ file: null, line: null, message: 'renderer said something' }] });
    const run = await checkTarget(kind, 'pods.yaml', context(), 'web-pods');
    assert.deepEqual(run.target, { type: 'manifests', path: 'pods.yaml', ok: false, error: '1 document(s) could not be read', name: 'web-pods' });
    const stamped = [...run.outcome.findings, ...run.outcome.errors, ...run.outcome.warnings, ...run.outcome.checked].map((item) => item.target);
    assert.ok(stamped.length >= 4, `findings, an error, a warning and a checked resource: ${stamped.length}`);
    assert.deepEqual(new Set(stamped), new Set(['web-pods']));
  });

  test('without a name the path is the id; a clean target is ok', async () => {
    const run = await checkTarget(memoryKind(POD.replace('hostNetwork: true', 'hostNetwork: false')), 'clean.yaml', context());
    assert.deepEqual(run.target, { type: 'manifests', path: 'clean.yaml', ok: true, error: null });
    assert.deepEqual(run.outcome.checked.map((c) => c.target), ['clean.yaml']);
  });

  test("a renderer's failure is the target's error, after the documents it did write", async () => {
    const run = await checkTarget(memoryKind(POD, { failure: { file: 'chart/t.yaml', line: 3, message: 'render failed' } }), 'chart', context());
    assert.equal(run.target.ok, false);
    assert.equal(run.target.error, 'render failed');
    assert.equal(run.outcome.findings.length, 1, 'what was rendered is still checked');
    assert.deepEqual(run.outcome.errors, [{ target: 'chart', file: 'chart/t.yaml', line: 3, message: 'render failed' }]);
  });

  test('a target that cannot be opened is an error of its own; any other fault is thrown; cleanup runs every time it was opened', async () => {
    const missing = await checkTarget(memoryKind(POD), 'missing', context(), 'm');
    assert.deepEqual(missing.target, { type: 'manifests', path: 'missing', ok: false, error: 'no such thing', name: 'm' });
    assert.deepEqual(missing.outcome.errors, [{ target: 'm', file: 'missing', line: null, message: 'no such thing' }]);
    await assert.rejects(checkTarget(memoryKind(POD), 'crash', context()), /a bug/);

    const log: string[] = [];
    await checkTarget(memoryKind(POD, {}, log), 'ok.yaml', context());
    const throwing: TargetKind<string> = {
      ...memoryKind(POD, {}, log),
      async open(spec) {
        const opened = await memoryKind(POD, {}, log).open(spec, context());
        return { ...opened, finish: () => Promise.reject(new Error('finish broke')) };
      },
    };
    await assert.rejects(checkTarget(throwing, 'thrown.yaml', context()), /finish broke/);
    assert.deepEqual(log, ['cleanup ok.yaml', 'cleanup thrown.yaml']);
  });
});

describe('manifests targets', () => {
  const dir = path.join(scratch, 'rendered');
  mkdirSync(path.join(dir, 'prod', 'deep'), { recursive: true });
  mkdirSync(path.join(dir, 'dev'));
  writeFileSync(path.join(dir, 'prod', 'a.yaml'), POD);
  writeFileSync(path.join(dir, 'prod', 'deep', 'b.yml'), POD.replace('name: web', 'name: deep'));
  writeFileSync(path.join(dir, 'dev', 'c.yaml'), POD.replace('name: web', 'name: dev'));
  writeFileSync(path.join(dir, 'dev', 'notes.txt'), 'not a manifest');
  const names = async (argument: string) => {
    const run = await checkTarget(manifestsKind, { argument, glob: true }, context(), 'm');
    return { ok: run.target.ok, error: run.target.error, pods: run.outcome.checked.map((c) => c.resource.name).sort() };
  };

  test('a glob reads what it matches, with braces, classes and negation; every resource it checked is listed', async () => {
    assert.deepEqual(await names('rendered/**/*.{yaml,yml}'), { ok: true, error: null, pods: ['deep', 'dev', 'web'] });
    assert.deepEqual(await names('rendered/[p]rod/**/*.y*ml'), { ok: true, error: null, pods: ['deep', 'web'] });
    assert.deepEqual(await names('rendered/!(dev)/*.yaml'), { ok: true, error: null, pods: ['web'] });
  });

  test('a folder or a file named without wildcards is read as scan reads it; nothing matched is an error', async () => {
    assert.deepEqual(await names('rendered/prod'), { ok: true, error: null, pods: ['deep', 'web'] });
    assert.deepEqual(await names('rendered/dev/c.yaml'), { ok: true, error: null, pods: ['dev'] });
    assert.deepEqual(await names('rendered/**/*.json'), { ok: false, error: 'no files match rendered/**/*.json', pods: [] });
    assert.deepEqual(await names('rendered/nothing'), { ok: false, error: 'cannot read rendered/nothing: no such file or folder', pods: [] });
  });
});

describe('source mapping is best effort', () => {
  const query = (sourceHeader: string | null) =>
    ({
      document: { text: '', startLine: 1, sourceHeader, sourceHeaderLine: null, index: 0 },
      rendered: { line: 3, column: 3 },
      resource: {},
      resourcePath: [],
      path: ['spec', 'hostNetwork'],
      locate: () => null,
    }) as Parameters<SourceMapper>[0];

  test('a mapper that throws gives the # Source: file, never exact, with the reason; debug is told', () => {
    const told: string[] = [];
    const mapper = safeSourceMapper(() => {
      throw new Error('EISDIR: illegal operation on a directory');
    }, (text) => told.push(text));
    const { source } = mapper(query('chart/templates/pod.yaml'));
    assert.equal(source?.file, 'chart/templates/pod.yaml');
    assert.equal(source?.exact, false);
    assert.match(source?.reason ?? '', /could not be mapped \(EISDIR/);
    assert.equal(told.length, 1);
    assert.deepEqual(mapper(query(null)), { source: null });
  });

  test("run: a chart whose files cannot be read for mapping still gets its findings and verdict, on the # Source: file", async () => {
    const chart = path.join(scratch, 'unreadable');
    mkdirSync(path.join(chart, 'templates'), { recursive: true });
    writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: unreadable\nversion: 0.1.0\n');
    writeFileSync(path.join(chart, 'templates', 'pod.yaml'), POD);
    const [tools] = HELM_VERSIONS;
    const trees = new SharedChartTrees(() => {
      throw new Error('simulated read failure');
    });
    // Without the proof render, which reads the chart itself and would find the line anyway.
    const [run] = await runTargets([{ type: 'helm', name: 'u', request: emptyHelmRequest('unreadable') }], { ...helmRunOptions(scratch, tools.helm, trees, 1), verify: false });
    assert.equal(run?.target.ok, true, run?.target.error ?? '');
    assert.deepEqual(run?.outcome.errors, []);
    assert.deepEqual(run?.outcome.findings.map((f) => f.check), ['host-network']);
    const source = run?.outcome.findings[0]?.source;
    assert.equal(source?.file, 'unreadable/templates/pod.yaml');
    assert.equal(source?.exact, false);
    assert.match(source?.reason ?? '', /could not be read for mapping \(simulated read failure\)/);
  });
});

test('--debug says why a finding could not be mapped to the file an annotation names; the verdict is the same', () => {
  const file = path.join(scratch, 'annotated.yaml');
  writeFileSync(file, POD.replace('  name: web\n', '  name: web\n  annotations:\n    config.kubernetes.io/origin: "path: gone/pod.yaml"\n'));
  const plain = runJson(['scan', 'annotated.yaml'], { cwd: scratch });
  const debug = runJson(['scan', 'annotated.yaml', '--debug'], { cwd: scratch });
  assert.equal(plain.status, 1);
  assert.equal(debug.status, 1);
  assert.deepEqual(debug.report, plain.report);
  assert.doesNotMatch(plain.stderr, /gone\/pod\.yaml/);
  assert.match(debug.stderr, /hostns-check: cannot read gone\/pod\.yaml for source lines \(ENOENT/);
});

describe('a symlinked folder under templates/', () => {
  // Helm follows the link (and says so on standard error); the tool renders, checks and maps it
  // too, while the link stays inside the chart folder.
  const root = path.join(scratch, 'linked');
  mkdirSync(path.join(root, 'chart', 'templates'), { recursive: true });
  mkdirSync(path.join(root, 'chart', 'shared'));
  writeFileSync(path.join(root, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: linked\nversion: 0.1.0\n');
  writeFileSync(path.join(root, 'chart', 'values.yaml'), 'hostNetwork: true\n');
  writeFileSync(path.join(root, 'chart', 'shared', 'pod.yaml'), POD.replace('hostNetwork: true', 'hostNetwork: {{ .Values.hostNetwork }}'));
  symlinkSync(path.join('..', 'shared'), path.join(root, 'chart', 'templates', 'pods'));

  test('reading the chart follows a link inside it, not one out of it, and a link back up the tree is not walked again', () => {
    const looped = path.join(scratch, 'looped');
    mkdirSync(path.join(looped, 'templates'), { recursive: true });
    mkdirSync(path.join(looped, 'inside'));
    writeFileSync(path.join(looped, 'Chart.yaml'), 'apiVersion: v2\nname: looped\nversion: 0.1.0\n');
    writeFileSync(path.join(looped, 'templates', 'pod.yaml'), POD);
    writeFileSync(path.join(looped, 'inside', 'pod.yaml'), POD);
    symlinkSync(path.join('..', 'inside'), path.join(looped, 'templates', 'pods'));
    symlinkSync(path.join('..', '..', 'linked', 'chart', 'shared'), path.join(looped, 'templates', 'outside'));
    symlinkSync('..', path.join(looped, 'templates', 'loop'));
    const tree = loadChartTree('looped', scratch);
    assert.deepEqual([...(tree?.files.keys() ?? [])].filter((file) => file.startsWith('templates/')).sort(), ['templates/pod.yaml', 'templates/pods/pod.yaml']);
    assert.match(tree?.unread?.get('templates/outside') ?? '', /leads out of the chart folder/);
  });

  for (const tools of HELM_VERSIONS) {
    test(`${tools.label}: renders, finds host-network and maps it to the linked template and the values line`, () => {
      const result = runJson(['helm', 'chart', '--helm', tools.helm], { cwd: root });
      assertNoStackTrace(result.stderr);
      assert.equal(result.status, 1, result.stderr);
      const [finding] = result.report.findings;
      assert.equal(result.report.findings.length, 1);
      assert.deepEqual(
        { file: finding.source.file, line: finding.source.line, exact: finding.source.exact, values: finding.values[0] },
        { file: path.join('chart', 'templates', 'pods', 'pod.yaml'), line: 6, exact: true, values: { key: 'hostNetwork', file: path.join('chart', 'values.yaml'), line: 1, layer: 'chart', exact: true } },
      );
    });
  }
});
