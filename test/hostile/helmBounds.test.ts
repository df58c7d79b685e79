// Bounded Helm mapping and file reading (issue 15): recursive named templates, thousands of
// literal containers, a gzip-bomb subchart, values and configuration files that are FIFOs,
// devices or far too large, and chart links that lead out of the chart. Each case ends (no hang),
// keeps Helm's verdict, and says why a finding fell back to its # Source: file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { checkStream } from '../../src/pipeline/checkStream.js';
import { defaultRuleConfig } from '../../src/rules/hostNamespaceRule.js';
import { targetId, type SourceLocation } from '../../src/types.js';
import { assertNoStackTrace, BIN } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-helm-bounds-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Far above what any case needs now; the cases used to run for minutes or forever. */
const CEILING_MS = 60_000;

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The tool's own peak resident memory (Helm is a separate process), in KiB. */
  maxRssKiB: number | null;
}

/** Peak RSS of the tool's process, written at exit by a preloaded script. */
const rssProbe = path.join(scratch, 'rss.cjs');
writeFileSync(rssProbe, "process.on('exit', () => require('fs').writeSync(2, `\\nPEAK_RSS_KIB=${process.resourceUsage().maxRSS}\\n`));\n");

/** Runs the CLI, killed (SIGKILL: the old code ignored SIGTERM while it spun) past the ceiling. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: scratch,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, NODE_OPTIONS: `--require ${rssProbe}`, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: CEILING_MS,
    killSignal: 'SIGKILL',
    input: '',
  });
  const rss = /PEAK_RSS_KIB=(\d+)/.exec(result.stderr);
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr.replace(/\n?PEAK_RSS_KIB=\d+\n/, ''), maxRssKiB: rss ? Number(rss[1]) : null };
}

function ended(result: Run): void {
  assert.equal(result.signal, null, `the run did not end within ${CEILING_MS / 1000} s`);
  assertNoStackTrace(result.stderr);
}

function report(result: Run): { findings: { source: SourceLocation; check: string; path: string }[]; errors: { file: string | null; message: string }[] } {
  return JSON.parse(result.stdout) as ReturnType<typeof report>;
}

function chart(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [file, text] of Object.entries({ 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`, 'values.yaml': '', ...files })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

// --- 1. Recursive named templates in a branch Helm never takes ---------------------------------

// `.Release.IsUpgrade` is false in `helm template`, and not a value the walk can evaluate: it has to
// consider the branch.
const POD_WITH_INCLUDE = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  {{- if .Release.IsUpgrade }}\n  {{- include "${name}" . | nindent 2 }}\n  {{- end }}\n  {{- toYaml .Values.extra | nindent 2 }}\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        runAsUser: 20000\n`;
const VALUES = 'never: false\nextra:\n  hostNetwork: true\n';

const recursive = {
  self: chart('self', {
    'values.yaml': VALUES,
    'templates/_helpers.tpl': '{{- define "loop" -}}\n{{- if .Values.never }}\n{{ include "loop" . }}\n{{ include "loop" . }}\n{{- end }}\n{{ toYaml .Values.extra }}\n{{- end }}\n',
    'templates/pod.yaml': POD_WITH_INCLUDE('loop'),
  }),
  mutual: chart('mutual', {
    'values.yaml': VALUES,
    'templates/_helpers.tpl':
      '{{- define "a" -}}\n{{- if .Values.never }}\n{{ include "b" . }}\n{{ include "b" . }}\n{{- end }}\n{{ toYaml .Values.extra }}\n{{- end }}\n' +
      '{{- define "b" -}}\n{{- if .Values.never }}\n{{ include "a" . }}\n{{ include "a" . }}\n{{- end }}\n{{ toYaml .Values.extra }}\n{{- end }}\n',
    'templates/pod.yaml': POD_WITH_INCLUDE('a'),
  }),
  // Thirty templates, each including the next twice: no recursion, 2^30 paths; the step budget ends it.
  chain: chart('chain', {
    'values.yaml': VALUES,
    'templates/_helpers.tpl': Array.from(
      { length: 30 },
      (_, i) => `{{- define "d${i}" -}}\n{{- if .Release.IsUpgrade }}\n{{ include "d${i + 1}" . }}\n{{ include "d${i + 1}" . }}\n{{- end }}\n{{- end }}\n`,
    ).join(''),
    'templates/pod.yaml': POD_WITH_INCLUDE('d0'),
  }),
};

for (const tools of HELM_VERSIONS) {
  for (const [name, dir] of Object.entries(recursive)) {
    test(`${tools.label}: a ${name}-including named template in an untaken branch: mapped or given up with a reason, verdict kept, under --timeout`, () => {
      const result = run(['helm', dir, '--helm', tools.helm, '--timeout', '5', '--format', 'json']);
      ended(result);
      assert.equal(result.status, 1, result.stderr);
      const finding = report(result).findings.find((f) => f.check === 'host-network');
      assert.ok(finding, 'the host-network finding is reported');
      // The proof render finds the block that wrote the key, wherever the walk gave up.
      assert.deepEqual([finding.source.file.endsWith('templates/pod.yaml'), finding.source.line, finding.source.exact], [true, 9, true]);
      // The walk alone gives up, with the reason.
      const walked = run(['helm', dir, '--helm', tools.helm, '--timeout', '5', '--format', 'json', '--no-verify']);
      ended(walked);
      const unproven = report(walked).findings.find((f) => f.check === 'host-network');
      assert.equal(unproven?.source.exact, false);
      assert.match(unproven?.source.reason ?? '', name === 'chain' ? /the template walk took more than \d+ steps/ : /values block/);
    });
  }
}

test('checking yields to the event loop between findings: a timer (or a signal handler) runs while thousands are mapped', async () => {
  const containers = Array.from({ length: 400 }, (_, i) => `    - name: c${i}\n      image: x\n`).join('');
  const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n${containers}`;
  let mapped = 0;
  let mappedWhenTimerRan: number | null = null;
  setTimeout(() => (mappedWhenTimerRan = mapped), 30);
  const slowMapper = () => {
    const until = Date.now() + 3;
    while (Date.now() < until); // a mapping that takes a while, synchronously
    mapped++;
    return { source: null };
  };
  const outcome = await checkStream([text], { target: targetId('t'), file: null, config: defaultRuleConfig(), sourceOf: slowMapper });
  assert.equal(outcome.findings.length, mapped);
  assert.ok(mapped > 300, `${mapped} findings`);
  assert.ok(mappedWhenTimerRan !== null && mappedWhenTimerRan < mapped, `the timer ran only after all ${mapped} findings were mapped`);
});

// --- 2. Thousands of literal containers ---------------------------------------------------------

const manyContainers = chart('many', {
  'templates/pod.yaml':
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n' +
    Array.from({ length: 4000 }, (_, i) => `    - name: c${i}\n      image: x\n      securityContext:\n        privileged: true\n        runAsUser: 0\n`).join(''),
});

for (const tools of HELM_VERSIONS) {
  test(`${tools.label}: 4,000 literal containers, each a finding, map in linear time to their own lines`, () => {
    const result = run(['helm', manyContainers, '--helm', tools.helm, '--format', 'json']);
    ended(result);
    assert.equal(result.status, 1, result.stderr);
    const findings = report(result).findings.filter((f) => f.check === 'run-as-user');
    assert.equal(findings.length, 4000);
    for (const finding of findings) {
      const index = Number(/containers\[(\d+)\]/.exec(finding.path)![1]);
      assert.deepEqual({ line: finding.source.line, exact: finding.source.exact }, { line: 11 + 5 * index, exact: true }, finding.path);
    }
  });
}

// --- 3. A gzip-bomb subchart ----------------------------------------------------------------------

function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

/** A subchart whose archive holds a pod and 512 MiB of zeros (a few MB compressed), written as a stream. */
async function bombChart(): Promise<string> {
  const dir = chart('outer', { 'Chart.yaml': 'apiVersion: v2\nname: outer\nversion: 0.1.0\ndependencies:\n  - name: bomb\n    version: 0.1.0\n' });
  mkdirSync(path.join(dir, 'charts'));
  const gzip = createGzip({ level: 1 });
  const done = new Promise<void>((resolve) => gzip.pipe(createWriteStream(path.join(dir, 'charts', 'bomb-0.1.0.tgz'))).on('close', () => resolve()));
  const entry = (name: string, text: string) => {
    const data = Buffer.from(text);
    gzip.write(tarHeader(name, data.length));
    gzip.write(Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  };
  entry('bomb/Chart.yaml', 'apiVersion: v2\nname: bomb\nversion: 0.1.0\n');
  entry('bomb/templates/pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bomb\nspec:\n  hostNetwork: true\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        runAsUser: 20000\n');
  const mib = 512;
  gzip.write(tarHeader('bomb/files/zero.bin', mib * 1024 * 1024));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) if (!gzip.write(zeros)) await new Promise<void>((resolve) => gzip.once('drain', () => resolve()));
  gzip.end(Buffer.alloc(1024));
  await done;
  return dir;
}

const bomb = bombChart();

for (const tools of HELM_VERSIONS) {
  test(`${tools.label}: a gzip-bomb subchart is expanded only up to Helm's own limit: bounded memory, Helm's verdict, no scratch left`, async () => {
    const dir = await bomb;
    const tmpdir = path.join(scratch, `tmp-bomb-${tools.label}`);
    mkdirSync(tmpdir);
    const result = run(['helm', dir, '--helm', tools.helm, '--format', 'json'], { TMPDIR: tmpdir });
    ended(result);
    assert.ok(result.maxRssKiB !== null && result.maxRssKiB < 300 * 1024, `the tool's own peak memory was ${result.maxRssKiB} KiB`);
    assert.deepEqual(readdirSync(tmpdir), [], 'no scratch files left');
    const parsed = report(result);
    if (tools.label.startsWith('helm-4')) {
      // Helm 4 refuses the archive itself; that verdict stands.
      assert.equal(result.status, 2, result.stderr);
      assert.match(parsed.errors[0]?.message ?? '', /larger than the maximum size/);
    } else {
      // Helm 3 renders it: the finding stands, mapped to its # Source: file with the reason.
      assert.equal(result.status, 1, result.stderr);
      const [finding] = parsed.findings;
      assert.equal(finding?.source.exact, false);
      assert.match(finding?.source.reason ?? '', /bomb-0\.1\.0\.tgz expands to more than Helm's own limit for a chart \(100 MiB\)/);
    }
  });
}

// --- 4 and 5. Values files, configuration files, chart links: regular files within caps -----------

const plainChart = chart('plain', {
  'values.yaml': 'hostNetwork: true\n',
  'templates/pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        runAsUser: 20000\n',
});
const fifo = path.join(scratch, 'values.fifo');
execFileSync('mkfifo', [fifo]);
const hugeValues = path.join(scratch, 'huge-values.yaml');
writeFileSync(hugeValues, Array.from({ length: 200_000 }, (_, i) => `key${i}: {a: [1, 2, 3], b: "${'x'.repeat(10)}"}\n`).join(''));

for (const tools of HELM_VERSIONS) {
  for (const [what, args, file, why] of [
    ['-f /dev/zero', ['-f', '/dev/zero'], '/dev/zero', /it is a device, not a regular file/],
    ['-f a FIFO', ['-f', fifo], fifo, /it is a FIFO \(named pipe\), not a regular file/],
    ['--set-file naming /dev/urandom', ['--set-file', 'x=/dev/urandom'], '/dev/urandom', /it is a device, not a regular file/],
    ['-f a values file above 5 MiB', ['-f', hugeValues], hugeValues, /it is larger than 5 MiB/],
  ] as const) {
    test(`${tools.label}: ${what} is refused before Helm starts: exit 2 naming the file`, () => {
      const result = run(['helm', plainChart, '--helm', tools.helm, ...args, '--format', 'json']);
      ended(result);
      assert.equal(result.status, 2, result.stderr);
      const [error] = report(result).errors;
      assert.equal(error?.file, file);
      assert.match(error?.message ?? '', why);
    });
  }

  test(`${tools.label}: a template linked from outside the chart folder is rendered by Helm but not read for mapping, with the reason`, () => {
    const dir = chart('linkout', { 'values.yaml': 'hostNetwork: true\n' });
    const outside = path.join(scratch, 'outside-templates');
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        runAsUser: 20000\n');
    try {
      symlinkSync(outside, path.join(dir, 'templates'));
    } catch {
      // the link exists from the other Helm version's run
    }
    const result = run(['helm', dir, '--helm', tools.helm, '--format', 'json']);
    ended(result);
    assert.equal(result.status, 1, result.stderr);
    const [finding] = report(result).findings;
    assert.equal(finding?.source.exact, false);
    assert.match(finding?.source.reason ?? '', /leads out of the chart folder/);
  });

  test(`${tools.label}: a chart archive that is a FIFO: no hang, Helm stopped at --timeout, exit 2`, () => {
    const archive = path.join(scratch, `chart-${tools.label}.tgz`);
    execFileSync('mkfifo', [archive]);
    const result = run(['helm', archive, '--helm', tools.helm, '--timeout', '3', '--format', 'json']);
    ended(result);
    assert.equal(result.status, 2, result.stderr);
  });
}

const pod = path.join(scratch, 'pod.yaml');
writeFileSync(pod, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        runAsUser: 20000\n');
const hugeConfig = path.join(scratch, 'huge-config.yaml');
writeFileSync(hugeConfig, `minUid: 10000\n${'#'.repeat(100)}\n`.repeat(12_000));

for (const [what, config, why] of [
  ['a FIFO', fifo, /cannot read the configuration file: it is a FIFO \(named pipe\), not a regular file/],
  ['/dev/zero', '/dev/zero', /cannot read the configuration file: it is a device, not a regular file/],
  ['a file above 1 MiB', hugeConfig, /the configuration file is larger than 1 MiB/],
] as const) {
  test(`--config naming ${what} is refused at once: exit 2 naming the file`, () => {
    const result = run(['scan', pod, '--config', config]);
    ended(result);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`${path.basename(config).replace(/\./g, '\\.')}: `));
    assert.match(result.stderr, why);
  });
}
