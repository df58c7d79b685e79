// `hostns-check kustomize`, `scan -` over Kustomize output and `krm`, with the real kubectl 1.32.3
// (Kustomize 5.5.0) and 1.33.9 (Kustomize 5.6.0): every finding's check, resource, source and
// origin on the fixture overlays; the same findings through the pipeline and the KRM function;
// failures; and neither the overlays nor a temporary folder changed or left behind, even on Ctrl-C.
import { treeDigest } from './support/treeDigest.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { locateKustomize } from '../src/process/toolLookup.js';
import { kustomizeBuildArgs, prepareWorkspace, runKustomize } from '../src/targets/kustomize/kustomizeBuild.js';
import { stripAnnotations } from '../src/manifests/stripAnnotations.js';
import { resolveKustomizeSource } from '../src/targets/kustomize/kustomizeOrigins.js';
import { ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION, parseOriginAnnotation, parseTransformationsAnnotation, parseYamlFile } from '../src/targets/kustomize/originAnnotations.js';
import { BIN, PROJECT_ROOT, assertNoStackTrace, runCli, type CliResult } from './support/runCli.js';
import { HELM3, HELM_VERSIONS, type HelmToolset } from './support/tools.js';
import { processesWith } from './support/processes.js';

interface Location {
  file: string;
  line: number;
  exact: boolean;
}

interface Finding {
  check: string;
  resource: { kind: string; name: string; namespace: string | null };
  container: string | null;
  path: string;
  rendered: { line: number; column: number } | null;
  source: Location | null;
  origin?: Location | null;
}

const FIXTURES = 'charts-fixtures/kustomize';
const fixturesDir = path.join(PROJECT_ROOT, FIXTURES);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-kustomize-test-'));
// Every child run gets this as $TMPDIR, so whatever it leaves there is seen.
const childTmp = path.join(scratch, 'tmp');
mkdirSync(childTmp);
after(() => rmSync(scratch, { recursive: true, force: true }));

const fixturesBefore = treeDigestWithTimes(fixturesDir);

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: childTmp };
  for (const key of Object.keys(env)) if (key.startsWith('HELM_') || key.startsWith('KUSTOMIZE') || key === 'KUBECTL_BIN' || key === 'NO_COLOR' || key === 'FORCE_COLOR') delete env[key];
  return { ...env, ...extra };
}

/** Runs the CLI and checks that it left nothing in its $TMPDIR. */
function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; entry?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [options.entry ?? BIN, ...args], {
    cwd: PROJECT_ROOT,
    input: options.input ?? '',
    env: cleanEnv(options.env),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  assert.deepEqual(readdirSync(childTmp), [], `temporary files left behind by ${args.join(' ')}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(result: CliResult): { findings: Finding[]; errors: { message: string; file: string | null }[]; targets: { ok: boolean; type: string }[] } {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`not one JSON report (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

const where = (location: Location | null | undefined) => (location ? `${location.file.replace(`${FIXTURES}/`, '')}:${location.line}${location.exact ? '' : '~'}` : '-');

/** One line per finding: check, resource, path, source and origin (`~` marks a line that is not exact). */
function describeFindings(findings: Finding[]): string[] {
  return findings.map((f) => `${f.check} ${f.resource.kind}/${f.resource.name}${f.container ? ` ${f.container}` : ''} ${f.path} @ ${where(f.source)} from ${where(f.origin)}`);
}

const HOST_PORT = 'spec.template.spec.containers[0].ports[0].hostPort';

/** Every finding of each fixture overlay, as Kustomize 5.5 and 5.6 build them. */
const EXPECTED: Record<string, string[]> = {
  prod: [
    `host-port Deployment/prod-web web ${HOST_PORT} @ base/web.yaml:23 from -`,
    'host-pid Deployment/prod-web spec.template.spec.hostPID @ components/debug/share-pid.yaml:8 from base/web.yaml:15~',
    'host-network DaemonSet/prod-agent spec.template.spec.hostNetwork @ overlays/prod/agent-host-network.yaml:8 from base/agent.yaml:16',
    'run-as-user DaemonSet/prod-agent agent spec.template.spec.containers[0].securityContext.runAsUser @ overlays/prod/kustomization.yaml:23 from base/agent.yaml:23',
    'host-ipc Deployment/prod-web spec.template.spec.hostIPC @ overlays/prod/web-host-ipc.yaml:3 from base/web.yaml:15~',
  ],
  staging: [
    `host-port Deployment/web-staging web ${HOST_PORT} @ base/web.yaml:23 from -`,
    `host-port DaemonSet/agent-staging agent ${HOST_PORT} @ overlays/staging/kustomization.yaml:19 from base/agent.yaml:21~`,
  ],
  helm: [
    'host-pid DaemonSet/edge-node-agent spec.template.spec.hostPID @ overlays/helm/agent-host-pid.yaml:8 from overlays/helm/charts/node-agent/templates/daemonset.yaml:15~',
    'host-network DaemonSet/edge-node-agent spec.template.spec.hostNetwork @ overlays/helm/charts/node-agent/templates/daemonset.yaml:16~ from -',
    'run-as-user DaemonSet/edge-node-agent agent spec.template.spec.containers[0].securityContext.runAsUser @ overlays/helm/charts/node-agent/templates/daemonset.yaml:18~ from -',
  ],
};

const NAMESPACES: Record<string, string | null> = { prod: 'prod', staging: 'staging', helm: null };

function overlayArgs(overlay: string, tools: HelmToolset): string[] {
  const args = ['kustomize', `${FIXTURES}/overlays/${overlay}`, '--kustomize', tools.kubectl];
  return overlay === 'helm' ? [...args, '--enable-helm', '--helm-command', tools.helm] : args;
}

/**
 * What a user of the pipeline form does: a kustomization of their own that includes the overlay
 * and asks for build metadata. Built here with plain kubectl kustomize.
 */
function pipelineBuild(overlay: string, tools: HelmToolset): { root: string; stream: string } {
  const root = path.join(scratch, 'pipeline', tools.label, overlay);
  mkdirSync(root, { recursive: true });
  const relative = path.relative(root, path.join(fixturesDir, 'overlays', overlay));
  writeFileSync(path.join(root, 'kustomization.yaml'), `resources:\n  - ${relative}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n`);
  // Kustomize <= 5.8 cannot run Helm 4 itself (see the Helm 4 test): the pipeline form uses Helm 3.
  const helm = overlay === 'helm' ? ['--enable-helm', '--helm-command', HELM3] : [];
  const built = spawnSync(tools.kubectl, ['kustomize', root, ...helm], { encoding: 'utf8', env: cleanEnv({ TMPDIR: scratch }) });
  assert.equal(built.status, 0, built.stderr);
  return { root, stream: built.stdout };
}

function resourceList(stream: string): { text: string; items: unknown[] } {
  const items = parseAllDocuments(stream).map((document) => document.toJS());
  return { text: stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items }), items };
}

interface KrmResult {
  message: string;
  severity: string;
  resourceRef: { kind: string; name: string; namespace: string | null };
  field: { path: string };
  file?: { path: string; index?: number };
  tags: Record<string, string>;
}

/** A KRM result in the same one-line form as describeFindings (its tags carry file:line only). */
function describeResults(results: KrmResult[]): string[] {
  const loc = (text: string | undefined) => (text ? text.replace(`${FIXTURES}/`, '') : '-');
  return results.map(
    (r) => `${r.tags.check} ${r.resourceRef.kind}/${r.resourceRef.name}${r.tags.container ? ` ${r.tags.container}` : ''} ${r.field.path} @ ${loc(r.tags.source)} from ${loc(r.tags.origin)}`,
  );
}

const withoutExactness = (lines: string[]) => lines.map((line) => line.replace(/~/g, '')).sort();

for (const tools of HELM_VERSIONS) {
  describe(`hostns-check kustomize on kubectl ${tools.label}`, () => {
    for (const overlay of Object.keys(EXPECTED)) {
      test(`overlays/${overlay}: every finding with its check, resource, source line and origin`, () => {
        const result = cli([...overlayArgs(overlay, tools), '--format', 'json']);
        assert.equal(result.status, 1, result.stderr);
        const report = json(result);
        assert.deepEqual(describeFindings(report.findings), EXPECTED[overlay]);
        assert.ok(report.findings.every((f) => f.resource.namespace === NAMESPACES[overlay]));
        assert.deepEqual(report.targets, [{ type: 'kustomize', path: `${FIXTURES}/overlays/${overlay}`, ok: true, error: null }]);
        // `origin` is only there when it differs from `source`.
        assert.ok(report.findings.every((f) => !f.origin || f.origin.file !== f.source?.file || f.origin.line !== f.source?.line));
      });
    }

    test('rendered positions are those of the plain build: the wrapper\'s annotations never reach them', () => {
      const report = json(cli([...overlayArgs('prod', tools), '--format', 'json']));
      const plain = spawnSync(tools.kubectl, ['kustomize', `${FIXTURES}/overlays/prod`], { cwd: PROJECT_ROOT, encoding: 'utf8' }).stdout.split('\n');
      for (const finding of report.findings) {
        const key = finding.path.split('.').pop()!.replace(/\[\d+\]$/, '');
        assert.match(plain[finding.rendered!.line - 1] ?? '', new RegExp(`^\\s*(- )?${key}:`), `${finding.path} at line ${finding.rendered!.line}`);
      }
    });

    test('the stream checked is byte for byte the overlay\'s own build', async () => {
      for (const overlay of ['prod', 'staging']) {
        const kustomize = locateKustomize({ flag: tools.kubectl });
        const workspace = prepareWorkspace(path.join(fixturesDir, 'overlays', overlay), null);
        try {
          const run = runKustomize(kustomize, kustomizeBuildArgs('kubectl', workspace.root, { dir: '', enableHelm: false, enableAlphaPlugins: false, extraArgs: [] }), {
            cwd: PROJECT_ROOT,
            env: process.env,
            timeoutSeconds: 60,
            tmpDir: workspace.tmpDir,
          });
          const taken: string[] = [];
          let text = '';
          for await (const chunk of stripAnnotations(run.stdout, [ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION], (_, a) => taken.push(a[ORIGIN_ANNOTATION] ?? ''))) text += chunk;
          assert.equal((await run.done).exitCode, 0);
          const plain = spawnSync(tools.kubectl, ['kustomize', path.join(fixturesDir, 'overlays', overlay)], { encoding: 'utf8' }).stdout;
          assert.equal(text, plain);
          assert.ok(taken.length >= 3 && taken.every((origin) => origin.length > 0), 'every resource had an origin');
        } finally {
          workspace.remove();
        }
      }
    });

    test('generated ConfigMaps name the kustomization line of their generator', () => {
      for (const [overlay, name, expected] of [
        ['prod', 'prod-web-settings', 'base/kustomization.yaml:6~'],
        ['staging', 'agent-flags-staging', 'overlays/staging/kustomization.yaml:21~'],
      ] as const) {
        const { root, stream } = pipelineBuild(overlay, tools);
        const configMap = parseAllDocuments(stream)
          .map((d) => d.toJS() as { kind: string; metadata: { name: string; annotations: Record<string, string> }; data: Record<string, string> })
          .find((r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith(name))!;
        const mapping = resolveKustomizeSource({
          resource: configMap,
          path: ['data', Object.keys(configMap.data)[0]!],
          origin: parseOriginAnnotation(configMap.metadata.annotations[ORIGIN_ANNOTATION]!)!,
          transformations: parseTransformationsAnnotation(configMap.metadata.annotations[TRANSFORMATIONS_ANNOTATION]!),
          root,
          load: (absolute) => parseYamlFile(absolute, path.relative(PROJECT_ROOT, absolute), readFileSync(absolute, 'utf8')),
        });
        assert.equal(where(mapping?.source), expected, `${overlay} ${name}`);
        assert.equal(mapping?.origin, undefined);
      }
    });

    for (const overlay of Object.keys(EXPECTED)) {
      test(`overlays/${overlay}: kustomize build | scan - and the krm function give the same findings`, () => {
        const direct = describeFindings(json(cli([...overlayArgs(overlay, tools), '--format', 'json'])).findings);
        const { root, stream } = pipelineBuild(overlay, tools);

        const piped = cli(['scan', '-', '--kustomize-root', root, '--format', 'json'], { input: stream });
        assert.equal(piped.status, 1, piped.stderr);
        assert.deepEqual(describeFindings(json(piped).findings), direct);

        const list = resourceList(stream);
        const krm = cli(['krm', '--kustomize-root', root], { input: list.text });
        assert.equal(krm.status, 1, 'non-zero on findings');
        assert.ok(krm.stdout.startsWith(list.text), 'the ResourceList comes back as it was, results appended');
        const output = parse(krm.stdout) as { items: unknown[]; results: KrmResult[] };
        assert.deepEqual(output.items, list.items);
        assert.deepEqual(withoutExactness(describeResults(output.results)), withoutExactness(direct));
        for (const result of output.results) {
          assert.equal(result.severity, 'error');
          assert.ok(result.message.length > 0);
          assert.ok(result.file?.path, 'file path');
        }
        assert.match(krm.stderr, /^fail: \d+ findings/m, 'the report for people goes to standard error');
      });
    }

    test('an overlay that asks for origin annotations itself keeps them, and still maps the same way', () => {
      const own = path.join(scratch, `own-metadata-${tools.label}`);
      mkdirSync(own, { recursive: true });
      writeFileSync(path.join(own, 'kustomization.yaml'), `resources:\n  - ${path.relative(own, path.join(fixturesDir, 'overlays/prod'))}\nbuildMetadata: [originAnnotations]\n`);
      const report = json(cli(['kustomize', own, '--kustomize', tools.kubectl, '--format', 'json']));
      assert.deepEqual(describeFindings(report.findings), EXPECTED.prod);
      const plain = spawnSync(tools.kubectl, ['kustomize', own], { encoding: 'utf8' }).stdout.split('\n');
      assert.ok(plain.some((line) => line.includes('config.kubernetes.io/origin')), 'the overlay\'s own build has them');
      const hostPid = report.findings.find((f) => f.check === 'host-pid')!;
      assert.match(plain[hostPid.rendered!.line - 1] ?? '', /^\s*hostPID: true$/, 'rendered lines are those of the build with its own annotations');
    });

    test('a build error: exit 2 with Kustomize\'s own message, as building the overlay directly gives it', () => {
      const broken = path.join(scratch, `broken-${tools.label}`);
      mkdirSync(broken, { recursive: true });
      writeFileSync(path.join(broken, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: c}]\n');
      writeFileSync(path.join(broken, 'kustomization.yaml'), 'resources:\n  - pod.yaml\npatches:\n  - path: missing.yaml\n');
      const result = cli(['kustomize', broken, '--kustomize', tools.kubectl, '--format', 'json']);
      assert.equal(result.status, 2);
      const report = json(result);
      assert.equal(report.targets[0]!.ok, false);
      const direct = spawnSync(tools.kubectl, ['kustomize', broken], { encoding: 'utf8' });
      assert.equal(report.errors[0]!.message, `kubectl kustomize failed (exit 1): ${direct.stderr.trim().replace(/^error: /, '')}`);
      assert.match(report.errors[0]!.message, /missing\.yaml: no such file or directory/);
      assertNoStackTrace(result.stderr);
      const text = cli(['kustomize', broken, '--kustomize', tools.kubectl]);
      assert.equal(text.status, 2);
      assert.match(text.stdout, new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  error  kubectl kustomize failed`, 'm'));
    });

    test('helmCharts without --enable-helm: exit 2 saying to pass it', () => {
      const result = cli(['kustomize', `${FIXTURES}/overlays/helm`, '--kustomize', tools.kubectl, '--format', 'json']);
      assert.equal(result.status, 2);
      assert.match(json(result).errors[0]!.message, /must specify --enable-helm.*pass --enable-helm/s);
    });

    test('--load-restrictor and arguments after -- reach the build', () => {
      const outer = path.join(scratch, `restricted-${tools.label}`);
      mkdirSync(path.join(outer, 'overlay'), { recursive: true });
      writeFileSync(path.join(outer, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: outside}\nspec:\n  hostIPC: true\n  securityContext: {runAsUser: 20000}\n  containers: [{name: c, image: c}]\n');
      writeFileSync(path.join(outer, 'overlay', 'kustomization.yaml'), 'resources:\n  - ../pod.yaml\n');
      const overlay = path.join(outer, 'overlay');
      const refused = cli(['kustomize', overlay, '--kustomize', tools.kubectl, '--format', 'json']);
      assert.equal(refused.status, 2);
      assert.match(json(refused).errors[0]!.message, /security; file .*pod\.yaml.* is not in or below/);
      for (const flags of [['--load-restrictor', 'LoadRestrictionsNone'], ['--', '--load-restrictor', 'LoadRestrictionsNone']]) {
        const allowed = json(cli(['kustomize', overlay, '--kustomize', tools.kubectl, '--format', 'json', ...flags]));
        assert.deepEqual(describeFindings(allowed.findings), [`host-ipc Pod/outside spec.hostIPC @ ${path.relative(PROJECT_ROOT, path.join(outer, 'pod.yaml'))}:5 from -`]);
      }
    });

    test('--enable-alpha-plugins reaches the build', () => {
      const overlay = path.join(scratch, `plugins-${tools.label}`);
      mkdirSync(overlay, { recursive: true });
      writeFileSync(path.join(overlay, 'kustomization.yaml'), 'resources: [pod.yaml]\ntransformers: [check.yaml]\n');
      writeFileSync(path.join(overlay, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 20000}\n  containers: [{name: c, image: c}]\n');
      writeFileSync(
        path.join(overlay, 'check.yaml'),
        'apiVersion: example.com/v1\nkind: Probe\nmetadata:\n  name: probe\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./probe.sh\n',
      );
      const disabled = cli(['kustomize', overlay, '--kustomize', tools.kubectl, '--format', 'json']);
      assert.equal(disabled.status, 2);
      assert.match(json(disabled).errors[0]!.message, /external plugins disabled/);
      // kubectl kustomize accepts the function with the flag (it has no --enable-exec to run it).
      assert.equal(cli(['kustomize', overlay, '--kustomize', tools.kubectl, '--enable-alpha-plugins']).status, 0);
    });

    test('not a folder, or a folder without a kustomization: exit 2 saying so', () => {
      const missing = cli(['kustomize', 'no/such/overlay', '--kustomize', tools.kubectl]);
      assert.equal(missing.status, 2);
      assert.match(missing.stdout, /no\/such\/overlay is not a folder/);
      const empty = cli(['kustomize', 'charts-fixtures', '--kustomize', tools.kubectl]);
      assert.equal(empty.status, 2);
      assert.match(empty.stdout, /has no kustomization\.yaml/);
    });

    test('as a Helm plugin: helm hostns-check kustomize DIR', () => {
      const result = cli(overlayArgs('prod', tools).concat(['--format', 'json']), { entry: path.join(PROJECT_ROOT, 'bin/helm-plugin.js') });
      assert.equal(result.status, 1, result.stderr);
      assert.deepEqual(describeFindings(json(result).findings), EXPECTED.prod);
    });
  });
}

describe('Helm 4 behind Kustomize 5.5 and 5.6', () => {
  const helm4 = HELM_VERSIONS.find((t) => t.label.startsWith('helm-4'))!;

  test('kubectl kustomize cannot run Helm 4 itself, and hostns-check kustomize can', () => {
    for (const tools of HELM_VERSIONS) {
      const plain = spawnSync(tools.kubectl, ['kustomize', `${FIXTURES}/overlays/helm`, '--enable-helm', '--helm-command', helm4.helm], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: cleanEnv({ TMPDIR: scratch }),
      });
      assert.notEqual(plain.status, 0);
      assert.match(plain.stderr, /unknown shorthand flag: 'c' in -c/);
      const bridged = json(cli([...overlayArgs('helm', { ...tools, helm: helm4.helm }), '--format', 'json']));
      assert.deepEqual(describeFindings(bridged.findings), EXPECTED.helm, tools.label);
    }
  });
});

describe('kpt runs the krm function', () => {
  const kpt = spawnSync('kpt', ['version'], { encoding: 'utf8' });
  const skip = kpt.status === 0 ? false : 'kpt is not on PATH';

  test('kpt fn eval --exec: the results carry the same sources, and kpt fails on findings', { skip }, () => {
    const tools = HELM_VERSIONS[0];
    const { root, stream } = pipelineBuild('prod', tools);
    const pkg = path.join(scratch, 'kpt-package');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(path.join(pkg, 'resources.yaml'), stream);
    const fn = path.join(scratch, 'hostns-check-krm.sh');
    writeFileSync(fn, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} krm --kustomize-root ${JSON.stringify(root)}\n`, { mode: 0o755 });
    const results = path.join(scratch, 'kpt-results');
    const run = spawnSync('kpt', ['fn', 'eval', pkg, '--exec', fn, '--results-dir', results], { cwd: PROJECT_ROOT, encoding: 'utf8', env: cleanEnv({ TMPDIR: scratch }), timeout: 120_000 });
    assert.notEqual(run.status, 0, 'kpt fails when the function reports findings');
    const list = parse(readFileSync(path.join(results, 'results.yaml'), 'utf8')) as { items: { results: KrmResult[] }[] };
    const reported = list.items[0]!.results;
    assert.deepEqual(withoutExactness(describeResults(reported)), withoutExactness(EXPECTED.prod!));
    // kpt names the package file and each resource's index in it.
    assert.ok(reported.every((r) => r.file?.path === 'resources.yaml' && typeof r.file.index === 'number'));
  });
});

describe('stopping a run', () => {
  /** An overlay whose chart takes minutes to render, so the run can be stopped while Helm works. */
  function slowOverlay(): string {
    const overlay = path.join(scratch, 'slow-overlay');
    const chart = path.join(overlay, 'charts', 'slow');
    mkdirSync(path.join(chart, 'templates'), { recursive: true });
    writeFileSync(path.join(overlay, 'kustomization.yaml'), 'helmCharts:\n  - name: slow\n    releaseName: slow\n');
    writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: slow\nversion: 0.1.0\n');
    writeFileSync(path.join(chart, 'values.yaml'), '{}\n');
    writeFileSync(path.join(chart, 'templates', 'slow.yaml'), '{{- range until 100000 }}{{- range until 3000 }}{{- end }}{{- end }}\n');
    return overlay;
  }

  /** kubectl (its wrapper is under the child's $TMPDIR), the relay and Helm (they name the chart). */
  const leftRunning = (overlay: string) => [...processesWith(childTmp), ...processesWith(overlay)];

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const skip = process.platform === 'linux' ? false : 'reads /proc';

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} while Helm renders: exit ${code}, kubectl and Helm stopped, no temporary folder left`, { skip }, async () => {
      const overlay = slowOverlay();
      const tools = HELM_VERSIONS[0];
      const child = spawn(process.execPath, [BIN, 'kustomize', overlay, '--enable-helm', '--kustomize', tools.kubectl, '--helm-command', tools.helm], {
        cwd: PROJECT_ROOT,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      const exited = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
      const helmChart = path.join(overlay, 'charts', 'slow');
      try {
        const started = Date.now();
        // Helm gets the chart folder as an argument: once it runs, so do kubectl and the relay.
        while (processesWith('template', helmChart).length === 0) {
          assert.ok(Date.now() - started < 60_000, `Helm never started: ${stderr}`);
          await sleep(100);
        }
        assert.ok(readdirSync(childTmp).length > 0, 'the run has its temporary folder while it works');
        child.kill(signal);
        assert.equal(await exited, code, stderr);
        assert.match(stderr, new RegExp(`stopped by ${signal}; temporary files removed`));
        assert.deepEqual(readdirSync(childTmp), []);
        // SIGKILL is immediate, but the kernel may take a moment to reap under load.
        for (let waited = 0; leftRunning(overlay).length > 0 && waited < 5000; waited += 100) await sleep(100);
        assert.deepEqual(leftRunning(overlay), [], 'kubectl, the relay and Helm are gone');
      } finally {
        child.kill('SIGKILL');
        for (const pid of leftRunning(overlay)) process.kill(Number(pid), 'SIGKILL');
      }
    });
  }

  test('--timeout stops a build that takes too long: exit 2, nothing left running or on disk', { skip }, () => {
    const overlay = slowOverlay();
    const tools = HELM_VERSIONS[1];
    const started = Date.now();
    const result = cli(['kustomize', overlay, '--enable-helm', '--kustomize', tools.kubectl, '--helm-command', tools.helm, '--timeout', '2', '--format', 'json']);
    assert.equal(result.status, 2);
    assert.match(json(result).errors[0]!.message, /kubectl kustomize did not finish within 2 seconds/);
    assert.ok(Date.now() - started < 30_000);
    const deadline = Date.now() + 5000;
    while (leftRunning(overlay).length > 0 && Date.now() < deadline) spawnSync('sleep', ['0.1']);
    assert.deepEqual(leftRunning(overlay), []);
  });
});

describe('the fixture overlays', () => {
  test('are never written to', () => {
    assert.equal(treeDigestWithTimes(fixturesDir), fixturesBefore);
  });
});

/** Contents and modification times: a run must not even touch the overlay's files. */
function treeDigestWithTimes(root: string): string {
  return treeDigest(root, { mtimes: true });
}

test('krm: input that is not a ResourceList is answered with an empty one carrying the error, exit 2', () => {
  for (const [input, message] of [
    ['garbage: [\n', /not valid YAML \(line \d+\)/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', /not a KRM ResourceList/],
  ] as const) {
    const result = runCli(['krm'], { input });
    assert.equal(result.status, 2);
    const list = parse(result.stdout) as { kind: string; items: unknown[]; results: { message: string }[] };
    assert.equal(list.kind, 'ResourceList');
    assert.deepEqual(list.items, []);
    assert.match(list.results[0]!.message, message);
    assert.doesNotMatch(result.stderr, /cannot be stringified|\n\s+at /);
  }
});
