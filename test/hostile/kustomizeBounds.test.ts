// Kustomize's build metadata as hostile input, with the real kubectl 1.32.3 (Kustomize 5.5.0) and
// 1.33.9 (Kustomize 5.6.0): origin and transformer annotations naming files outside the folder the
// user named, FIFOs, devices and symlinks to them (scan, krm, kustomize); standard input of `krm`
// past its cap; and overlays with many patched Deployments, where Kustomize's own build metadata
// is superlinear (the verdict must not wait for it).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { BIN, PROJECT_ROOT, assertNoStackTrace } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-kbounds-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Location {
  file: string;
  line: number;
  exact: boolean;
  text?: string;
  reason?: string;
}

interface Report {
  findings: { check: string; resource: { name: string }; source: Location | null; origin?: Location | null }[];
  errors: { message: string }[];
}

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs the CLI in `cwd`; a hang ends at `timeoutSeconds` with status null. */
function cli(args: string[], cwd: string, options: { input?: string | Buffer; timeoutSeconds?: number; tmp?: string } = {}): Result {
  const tmp = options.tmp ?? path.join(scratch, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    input: options.input ?? '',
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: undefined, FORCE_COLOR: undefined },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: (options.timeoutSeconds ?? 60) * 1000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
}

function report(result: Result): Report {
  assertNoStackTrace(result.stderr);
  try {
    return JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`not one JSON report (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { hostNetwork: true, securityContext: { runAsUser: 20000 }, containers: [{ name: 'c', image: 'c' }] } };

/** A Pod with hostNetwork whose annotations say it came from `origin`, with the given transformations. */
function annotatedPod(origin: unknown, transformations?: unknown[]): string {
  const annotations: Record<string, string> = { 'config.kubernetes.io/origin': stringify(origin) };
  if (transformations) annotations['alpha.config.kubernetes.io/transformations'] = stringify(transformations);
  return stringify({ ...POD, metadata: { ...POD.metadata, annotations } });
}

/** A project folder (the working directory) and, beside it, a folder the user never named. */
function project(name: string): { cwd: string; outside: string } {
  const cwd = path.join(scratch, name, 'project');
  const outside = path.join(scratch, name, 'outside');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(outside, { recursive: true });
  return { cwd, outside };
}

function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

describe('origin and transformer annotations resolve only inside the named folder', () => {
  test('scan: an origin outside the project is never read or shown, and says the same as a missing one', () => {
    const { cwd, outside } = project('outside');
    // A readable YAML file with the very resource: today it is read and shown as the exact line.
    writeFileSync(path.join(outside, 'secret.yaml'), `# secret: hunter2\n${stringify(POD)}`);
    const shared = (named: string) => annotatedPod({ path: named });
    writeFileSync(path.join(cwd, 'readable.yaml'), shared('../outside/secret.yaml'));
    writeFileSync(path.join(cwd, 'missing.yaml'), shared('../outside/nothing-here.yaml'));
    writeFileSync(path.join(cwd, 'passwd.yaml'), shared('../../../../../../../../../../etc/passwd'));
    const reasons: string[] = [];
    for (const file of ['readable.yaml', 'missing.yaml', 'passwd.yaml']) {
      const result = cli(['scan', file, '--format', 'json'], cwd);
      assert.equal(result.status, 1, result.stderr);
      const [finding] = report(result).findings;
      assert.equal(finding?.check, 'host-network');
      assert.equal(finding.source?.exact, false, file);
      assert.equal(finding.source.text, undefined, 'no code frame from outside');
      assert.doesNotMatch(result.stdout, /hunter2|root:/);
      reasons.push(finding.source.reason!.replace(/\S*(secret\.yaml|nothing-here\.yaml|etc\/passwd)\S*/g, 'NAMED'));
    }
    assert.equal(reasons[0], reasons[1], 'a file outside and a missing file are reported alike');
    assert.equal(reasons[0], reasons[2]);
    // The text report says nothing more.
    const text = cli(['scan', 'readable.yaml', '--debug'], cwd);
    assert.doesNotMatch(text.stdout + text.stderr, /hunter2/);
  });

  test('scan --kustomize-root: inside the named folder still maps exactly; a symlink out of it does not', () => {
    const { cwd, outside } = project('symlinked');
    const root = path.join(cwd, 'built');
    mkdirSync(root);
    writeFileSync(path.join(root, 'pod.yaml'), stringify(POD));
    writeFileSync(path.join(outside, 'pod.yaml'), stringify(POD));
    symlinkSync(path.join(outside, 'pod.yaml'), path.join(root, 'link.yaml'));
    writeFileSync(path.join(cwd, 'inside.yaml'), annotatedPod({ path: 'pod.yaml' }));
    writeFileSync(path.join(cwd, 'link.yaml'), annotatedPod({ path: 'link.yaml' }));
    const inside = report(cli(['scan', 'inside.yaml', '--kustomize-root', 'built', '--format', 'json'], cwd)).findings[0];
    assert.deepEqual([inside?.source?.file, inside?.source?.line, inside?.source?.exact], ['built/pod.yaml', 6, true]);
    const linked = report(cli(['scan', 'link.yaml', '--kustomize-root', 'built', '--format', 'json'], cwd)).findings[0];
    assert.equal(linked?.source?.exact, false);
    assert.equal(linked.source.text, undefined);
  });

  test('scan and krm: origins and transformations naming a FIFO, /dev/zero, /dev/urandom or a link to them end, exit 1', () => {
    const { cwd } = project('devices');
    mkfifo(path.join(cwd, 'fifo.yaml'));
    symlinkSync('/dev/zero', path.join(cwd, 'zero.yaml'));
    symlinkSync('/dev/urandom', path.join(cwd, 'urandom.yaml'));
    const cases: Record<string, string> = {
      'origin-fifo.yaml': annotatedPod({ path: 'fifo.yaml' }),
      'origin-zero.yaml': annotatedPod({ path: 'zero.yaml' }),
      'origin-dev-zero.yaml': annotatedPod({ path: '/dev/zero' }),
      'origin-urandom.yaml': annotatedPod({ path: 'urandom.yaml' }),
      'generated-fifo.yaml': annotatedPod({ configuredIn: 'fifo.yaml', configuredBy: { apiVersion: 'builtin', kind: 'ConfigMapGenerator' } }),
    };
    writeFileSync(path.join(cwd, 'pod.yaml'), stringify(POD));
    cases['transformation-fifo.yaml'] = annotatedPod({ path: 'pod.yaml' }, [{ configuredIn: 'fifo.yaml', configuredBy: { apiVersion: 'builtin', kind: 'PatchTransformer' } }]);
    cases['transformation-zero.yaml'] = annotatedPod({ path: 'pod.yaml' }, [{ configuredIn: 'zero.yaml', configuredBy: { apiVersion: 'builtin', kind: 'PatchTransformer' } }]);
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(path.join(cwd, name), text);
      const scanned = cli(['scan', name, '--format', 'json'], cwd, { timeoutSeconds: 60 });
      assert.equal(scanned.status, 1, `scan ${name}: ${scanned.stderr}`);
      assert.equal(report(scanned).findings.length, 1);
      const list = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [parse(text) as unknown] });
      const krm = cli(['krm'], cwd, { input: list, timeoutSeconds: 60 });
      assert.equal(krm.status, 1, `krm ${name}: ${krm.stderr}`);
      assertNoStackTrace(krm.stderr);
    }
  });

  for (const tools of HELM_VERSIONS) {
    test(`${tools.label}: kustomize: an overlay whose own annotations name a FIFO or an outside file ends, exit 1, nothing shown from outside`, () => {
      const { cwd, outside } = project(`overlay-${tools.label}`);
      const overlay = path.join(cwd, 'overlay');
      mkdirSync(overlay);
      mkfifo(path.join(overlay, 'fifo.yaml'));
      // Kustomize writes each resource's origin itself, but keeps transformations an overlay writes:
      // paths in them are relative to the folder kustomize built (a wrapper), or absolute.
      writeFileSync(path.join(outside, 'kustomization.yaml'), 'patches:\n- path: patch.yaml\n');
      writeFileSync(path.join(outside, 'patch.yaml'), '# secret: hunter2\napiVersion: v1\nkind: Pod\nmetadata: {name: outside}\nspec:\n  hostNetwork: true\n');
      writeFileSync(path.join(overlay, 'kustomization.yaml'), 'resources: [fifo-pod.yaml, outside-pod.yaml]\n');
      const named = (name: string, origin: unknown, transformations?: unknown[]) => annotatedPod(origin, transformations).replace('name: web', `name: ${name}`);
      const patchedIn = (file: string) => [{ configuredIn: file, configuredBy: { apiVersion: 'builtin', kind: 'PatchTransformer' } }];
      writeFileSync(path.join(overlay, 'fifo-pod.yaml'), named('fifo', { path: path.join(overlay, 'fifo.yaml') }, patchedIn(path.join(overlay, 'fifo.yaml'))));
      writeFileSync(path.join(overlay, 'outside-pod.yaml'), named('outside', { path: 'outside-pod.yaml' }, patchedIn(path.join(outside, 'kustomization.yaml'))));
      const result = cli(['kustomize', 'overlay', '--kustomize', tools.kubectl, '--format', 'json'], cwd, { timeoutSeconds: 60 });
      assert.equal(result.status, 1, result.stderr);
      const findings = report(result).findings;
      assert.equal(findings.length, 2);
      for (const finding of findings) {
        // Each points at its own file in the overlay, never at the file outside.
        assert.equal(finding.source?.file, `overlay/${finding.resource.name}-pod.yaml`);
        assert.equal(finding.origin ?? null, null);
      }
      assert.doesNotMatch(result.stdout, /hunter2/);
    });
  }
});

/** An overlay of `count` Deployments in a base, each patched by its own file that sets hostNetwork. */
function patchedOverlay(dir: string, count: number): string {
  const base = path.join(dir, 'base');
  const overlay = path.join(dir, 'overlay');
  mkdirSync(base, { recursive: true });
  mkdirSync(overlay, { recursive: true });
  const resources: string[] = [];
  const patches: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `d${i}`;
    resources.push(`- ${name}.yaml`);
    patches.push(`- path: p${i}.yaml`);
    writeFileSync(
      path.join(base, `${name}.yaml`),
      stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { securityContext: { runAsUser: 20000 }, containers: [{ name: 'c', image: 'c' }] } },
        },
      }),
    );
    writeFileSync(path.join(overlay, `p${i}.yaml`), stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { template: { spec: { hostNetwork: true } } } }));
  }
  writeFileSync(path.join(base, 'kustomization.yaml'), `resources:\n${resources.join('\n')}\n`);
  writeFileSync(path.join(overlay, 'kustomization.yaml'), `resources:\n- ../base\npatches:\n${patches.join('\n')}\n`);
  return overlay;
}

describe('many patched Deployments: the verdict does not wait for Kustomize\'s build metadata', () => {
  // The large case takes Kustomize alone about a minute on two idle cores (the test runs it plain,
  // then the tool runs it, about four minutes on a busy machine): it runs once, with
  // HOSTNS_SLOW_TESTS=1.
  const slow = process.env.HOSTNS_SLOW_TESTS === '1' ? false : 'set HOSTNS_SLOW_TESTS=1 to run the 3,000-Deployment case (minutes)';
  const sizes: [string, number, readonly (typeof HELM_VERSIONS)[number][], string | false][] = [
    ['200', 200, HELM_VERSIONS, false],
    ['3,000', 3000, [HELM_VERSIONS[0]], slow],
  ];
  for (const [label, count, toolsets, skip] of sizes) {
    for (const tools of toolsets) {
      test(`${tools.label}: ${label} patched Deployments: exit 1 with every finding, within 5x the plain build plus 10 s`, { timeout: 900_000, skip }, () => {
        const dir = path.join(scratch, `patched-${count}-${tools.label}`);
        const overlay = patchedOverlay(dir, count);
        const started = Date.now();
        const plain = spawnSync(tools.kubectl, ['kustomize', overlay], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
        const plainSeconds = (Date.now() - started) / 1000;
        assert.equal(plain.status, 0, plain.stderr);
        const tmp = path.join(dir, 'tmp');
        const result = cli(['kustomize', 'overlay', '--kustomize', tools.kubectl, '--format', 'json'], dir, { timeoutSeconds: 600, tmp });
        assert.equal(result.status, 1, result.stderr.slice(0, 2000));
        const findings = report(result).findings.filter((f) => f.check === 'host-network');
        assert.equal(findings.length, count);
        for (const finding of findings) assert.ok(finding.source, 'every finding points somewhere');
        assert.ok(result.seconds <= 5 * plainSeconds + 10, `${result.seconds.toFixed(1)} s against ${plainSeconds.toFixed(1)} s for the plain build`);
        assert.deepEqual(readdirSync(tmp), [], 'no scratch folder left');
      });
    }
  }
});

describe('krm reads at most 8 MiB of standard input', () => {
  /** Runs `krm` with standard input read from a file (or device). */
  function krmFrom(file: string): Result {
    const stdin = openSync(file, 'r');
    const started = Date.now();
    try {
      const result = spawnSync(process.execPath, [BIN, 'krm'], { cwd: scratch, stdio: [stdin, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
    } finally {
      closeSync(stdin);
    }
  }

  /** A ResourceList of about `megabytes` MB: Pods with a long annotation each. */
  function resourceListFile(name: string, megabytes: number): string {
    const file = path.join(scratch, name);
    const filler = 'x'.repeat(1000);
    const item = (i: number) =>
      `- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p${i}\n    annotations: {note: ${filler}}\n  spec:\n    securityContext: {runAsUser: 20000}\n    containers: [{name: c, image: c}]\n`;
    const count = Math.ceil((megabytes * 1024 * 1024) / item(0).length);
    const parts = ['apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n'];
    for (let i = 0; i < count; i++) parts.push(item(i));
    writeFileSync(file, parts.join(''));
    return file;
  }

  for (const [name, input] of [
    ['/dev/zero', () => '/dev/zero'],
    ['a 40 MB ResourceList', () => resourceListFile('large.yaml', 40)],
  ] as const) {
    test(`${name} on standard input: exit 2 with a message, no V8 crash`, () => {
      const result = krmFrom(input());
      assert.equal(result.status, 2, result.stderr.slice(0, 2000));
      assertNoStackTrace(result.stderr);
      assert.match(result.stderr, /standard input is larger than 8 MiB/);
      assert.match(result.stdout, /kind: ResourceList/, 'a KRM answer with the error in results');
    });
  }

  test('a ResourceList just under the cap is checked', () => {
    const result = krmFrom(resourceListFile('under.yaml', 7.5));
    assert.equal(result.status, 0, result.stderr.slice(0, 2000));
  });

  // Typed lists (PodList items carry no kind) are opened in findPodSpecs, which krm's items go
  // through like every other input; this passes once that change (another part of the same
  // issue) is merged.
  test('a PodList item of the ResourceList is opened: exit 1', () => {
    const list = stringify({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [{ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'p' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'c' }] } }] }],
    });
    const result = cli(['krm'], scratch, { input: list });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /hostNetwork/);
  });
});

describe('--output never replaces a file the run reads', () => {
  const dir = path.join(scratch, 'inputs');
  const chart = path.join(dir, 'chart');
  const overlay = path.join(dir, 'overlay');
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), chart, { recursive: true });
  mkdirSync(overlay);
  writeFileSync(path.join(overlay, 'kustomization.yaml'), 'resources: [pod.yaml]\n');
  writeFileSync(path.join(overlay, 'pod.yaml'), stringify(POD));
  writeFileSync(path.join(dir, 'pod.yaml'), stringify(POD));
  writeFileSync(path.join(dir, 'extra-values.yaml'), 'replicaCount: 1\n');
  writeFileSync(path.join(dir, 'config.yaml'), 'minUid: 10000\n');
  writeFileSync(path.join(dir, '.hostns-check.yaml'), 'minUid: 10000\n');
  linkSync(path.join(dir, 'pod.yaml'), path.join(dir, 'hard-link.yaml'));
  symlinkSync(path.join(dir, 'pod.yaml'), path.join(dir, 'soft-link.yaml'));

  /** Runs the command and checks that it refused, leaving the input as it was. */
  function refuses(args: string[], input: string): void {
    const file = path.join(dir, input);
    const before = readFileSync(file, 'utf8');
    const result = cli(args, dir);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assertNoStackTrace(result.stderr);
    assert.match(result.stderr, /the report would replace an input; nothing was written/);
    assert.equal(readFileSync(file, 'utf8'), before, `${input} is untouched`);
    assert.deepEqual(readdirSync(path.dirname(file)).filter((name) => name.endsWith('.tmp')), [], 'no temporary file left');
  }

  test('scan: the scanned file, through a hard link or a symlink, and the configuration file found upward', () => {
    refuses(['scan', 'pod.yaml', '--output', 'pod.yaml'], 'pod.yaml');
    refuses(['scan', 'pod.yaml', '--output', './sub/../pod.yaml'], 'pod.yaml');
    refuses(['scan', 'pod.yaml', '--output', 'hard-link.yaml'], 'pod.yaml');
    refuses(['scan', 'soft-link.yaml', '--output', 'pod.yaml'], 'pod.yaml');
    refuses(['scan', '.', '--output', 'extra-values.yaml'], 'extra-values.yaml');
    refuses(['scan', 'pod.yaml', '--output', '.hostns-check.yaml'], '.hostns-check.yaml');
    refuses(['scan', 'pod.yaml', '--config', 'config.yaml', '--output', 'config.yaml'], 'config.yaml');
    // Another file is written as before.
    const written = cli(['scan', 'pod.yaml', '--format', 'json', '--output', 'report.json'], dir);
    assert.equal(written.status, 1, written.stderr);
    assert.equal((JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report).findings.length, 1);
    rmSync(path.join(dir, 'report.json'));
  });

  for (const tools of HELM_VERSIONS) {
    test(`${tools.label}: helm: the chart's values.yaml, a file in the chart, a -f file`, () => {
      const helm = ['helm', 'chart', '--helm', tools.helm];
      refuses([...helm, '--output', 'chart/values.yaml'], 'chart/values.yaml');
      refuses([...helm, '--output', 'chart/Chart.yaml'], 'chart/Chart.yaml');
      refuses([...helm, '-f', 'extra-values.yaml', '--output', 'extra-values.yaml'], 'extra-values.yaml');
    });

    test(`${tools.label}: kustomize: a file inside the overlay`, () => {
      refuses(['kustomize', 'overlay', '--kustomize', tools.kubectl, '--output', 'overlay/pod.yaml'], 'overlay/pod.yaml');
      refuses(['kustomize', 'overlay', '--kustomize', tools.kubectl, '--output', 'overlay/kustomization.yaml'], 'overlay/kustomization.yaml');
    });
  }

  test('run: a manifests target\'s file and the configuration file', () => {
    writeFileSync(path.join(dir, 'targets.yaml'), 'targets:\n  - name: pods\n    manifests: pod.yaml\n');
    refuses(['run', '--config', 'targets.yaml', '--output', 'targets.yaml'], 'targets.yaml');
    refuses(['run', '--config', 'targets.yaml', '--output', 'pod.yaml'], 'pod.yaml');
  });
});
