// `npm run bench`: measures what hostns-check adds on top of rendering, side by side in one run,
// and writes the figures to bench/results.md. Not a test: numbers depend on the machine.
//   1. scan throughput on a generated 50 MB stream (MB/s, peak RSS)
//   2. hostns-check helm versus helm template alone (wall-time ratio and added milliseconds)
//   3. run over 40 generated targets, --concurrency 1 versus the default
//   4. the standalone executable's start-up versus the npm command's
//   5. --base on a chart versus the same check without it; run over 40 targets in 4 shards, one
//      after another, versus the unsharded run
// BENCH_ONLY=2,5 runs only those sections (the file then holds only them).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Run as the installed command runs: the file itself, started by its `#!/usr/bin/env node` line
// with the `node` found on PATH: this very Node, so the versions printed are the ones measured.
const bin = path.join(root, 'bin/hostns-check.js');
process.env.PATH = [path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
// Measured as most users run: Node reads the file NODE_EXTRA_CA_CERTS names at every start-up
// (tens of milliseconds), and most machines do not set it. Every command below runs without it.
const extraCerts = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;
const helm = path.join(root, '.tools/helm-4.1.4/helm');
const runs = Number(process.env.BENCH_RUNS ?? 7);
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
const want = (section) => !only || only.includes(String(section));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Wall time of a command in milliseconds, with its peak RSS in KB (from the child's rusage). */
function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/** Peak RSS of a node command, read from a wrapper that reports its own resource usage. */
function peakRssKb(args) {
  const probe = `import(${JSON.stringify(path.join(root, 'bin/run.js'))}).then(async ({ run }) => { const fs = await import('node:fs'); const out = fs.createWriteStream('/dev/null'); const code = await run(process.argv.slice(1), { stdout: out }); process.stderr.write('RSS ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = code; })`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const match = /RSS (\d+)/.exec(result.stderr);
  return match ? Number(match[1]) : NaN;
}

// ---------------------------------------------------------------------------------------------
// 1. A 50 MB stream of mixed workloads, ConfigMaps and CRDs.
function generateStream(file, megabytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < megabytes * 1024 * 1024; i++) {
    let doc;
    switch (i % 4) {
      case 0:
        doc = `---\n# Source: big/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n${Array.from({ length: 30 }, (_, k) => `  key${k}: "value ${k} ${'x'.repeat(40)}"`).join('\n')}\n`;
        break;
      case 2:
        doc = `---\n# Source: big/templates/crd.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things${i}.example.com\nspec:\n  group: example.com\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n${Array.from({ length: 40 }, (_, k) => `            field${k}:\n              type: integer\n              description: "hostPort runAsUser ${k}"`).join('\n')}\n`;
        break;
      default:
        doc = `---\n# Source: big/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dep-${i}\n  labels: {app: big}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: big\n  template:\n    metadata:\n      labels:\n        app: big\n    spec:\n      hostNetwork: ${i % 7 === 0}\n      containers:\n        - name: app\n          image: "app:1"\n          args: ["--port", "80"]\n          ports:\n            - containerPort: 80\n${i % 5 === 0 ? '              hostPort: 8080\n' : ''}          env:\n${Array.from({ length: 10 }, (_, k) => `            - name: VAR_${k}\n              value: "v${k}"`).join('\n')}\n          command:\n            - /bin/sh\n            - -c\n            - |\n              echo start\n              exec app\n          securityContext:\n            runAsUser: ${i % 3 === 0 ? 0 : 20000}\n`;
    }
    parts.push(doc);
    size += doc.length;
  }
  writeFileSync(file, parts.join(''));
  return statSync(file).size;
}

// 2. A chart whose render is at least 5 MB.
function generateLargeChart(dir) {
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: large\nversion: 0.1.0\n');
  writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 2400\nhostNetwork: false\nrunAsUser: 20000\n');
  writeFileSync(
    path.join(dir, 'templates/workloads.yaml'),
    `{{- range $i := until (int .Values.replicas) }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{{ $i }}
  labels:
    app.kubernetes.io/name: app-{{ $i }}
spec:
  selector:
    matchLabels:
      app: app-{{ $i }}
  template:
    metadata:
      labels:
        app: app-{{ $i }}
    spec:
      hostNetwork: {{ $.Values.hostNetwork }}
      containers:
        - name: app
          image: "app:{{ $i }}"
          ports:
            - containerPort: 8080
              {{- if eq (mod $i 10) 0 }}
              hostPort: 8080
              {{- end }}
          env:
            {{- range $k := until 12 }}
            - name: VAR_{{ $k }}
              value: "value-{{ $k }}"
            {{- end }}
          securityContext:
            runAsUser: {{ $.Values.runAsUser }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-{{ $i }}
data:
  {{- range $k := until 20 }}
  key{{ $k }}: "{{ repeat 30 "x" }}"
  {{- end }}
{{- end }}
`,
  );
}

// 3. 40 small targets for `run`.
function generateTargets(dir) {
  const chart = path.join(dir, 'chart');
  mkdirSync(path.join(chart, 'templates'), { recursive: true });
  writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: small\nversion: 0.1.0\n');
  writeFileSync(path.join(chart, 'values.yaml'), 'hostNetwork: false\n');
  writeFileSync(
    path.join(chart, 'templates/pod.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n    - name: c\n      image: i\n      securityContext:\n        runAsUser: 20000\n',
  );
  const targets = Array.from({ length: 40 }, (_, i) => `  - helm: chart\n    name: target-${i}\n    set:\n      hostNetwork: ${i % 4 === 0}\n`).join('');
  writeFileSync(path.join(dir, '.hostns-check.yaml'), `targets:\n${targets}`);
}

// ---------------------------------------------------------------------------------------------
const lines = [];
const say = (text) => {
  console.log(text);
  lines.push(text);
};

const helmVersion = spawnSync(helm, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' }).stdout.trim();
say('# hostns-check benchmark');
say('');
say(`- date: ${new Date().toISOString().slice(0, 10)}`);
say(`- machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
say(`- Node ${process.version}, Helm ${helmVersion}; medians of ${runs} runs, measured side by side`);
say('');

const empty = path.join(scratch, 'empty.yaml');
writeFileSync(empty, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');

// 1
if (want(1)) {
const stream = path.join(scratch, 'stream.yaml');
const bytes = generateStream(stream, 50);
const mb = bytes / (1024 * 1024);
const startup = median(Array.from({ length: runs }, () => timed(bin, ['scan', empty, '--format', 'json'])));
const scanMs = median(Array.from({ length: runs }, () => timed(bin, ['scan', stream, '--format', 'json'])));
const rss = peakRssKb(['scan', stream, '--format', 'json']);
say('## 1. scan throughput');
say('');
say(`| stream | wall (median) | start-up alone | MB/s (wall) | MB/s (without start-up) | peak RSS |`);
say(`| --- | --- | --- | --- | --- | --- |`);
say(`| ${mb.toFixed(1)} MB generated | ${scanMs.toFixed(0)} ms | ${startup.toFixed(0)} ms | ${(mb / (scanMs / 1000)).toFixed(1)} | ${(mb / ((scanMs - startup) / 1000)).toFixed(1)} | ${(rss / 1024).toFixed(0)} MB |`);
say('');
}

// 2
const datadog = path.resolve(root, '../shared/corpus/charts/datadog');
if (want(2)) {
say('## 2. hostns-check helm versus helm template');
say('');
const large = path.join(scratch, 'large');
generateLargeChart(large);
const charts = [['small: charts-fixtures/insecure-pod', path.join(root, 'charts-fixtures/insecure-pod')]];
if (existsSync(datadog)) charts.push(['../shared/corpus/charts/datadog', datadog]);
charts.push(['generated large chart', large]);

const nodeAlone = (env) => median(Array.from({ length: runs }, () => timed(process.execPath, ['-e', '0'], { env })));
say(`Node's own start-up (\`node -e 0\`): ${nodeAlone(process.env).toFixed(0)} ms.`);
say('');
say(
  extraCerts
    ? 'NODE_EXTRA_CA_CERTS is set on this machine; every figure here is measured with it unset, as most users run.'
    : 'NODE_EXTRA_CA_CERTS is not set: the figures are as most users see them.',
);
say('');
say('| chart | rendered | helm template | hostns-check helm | ratio (median of pairs) | added (median of pairs) |');
say('| --- | --- | --- | --- | --- | --- |');
for (const [label, chart] of charts) {
  const rendered = spawnSync(helm, ['template', chart], { maxBuffer: 1 << 28 }).stdout.length;
  const plain = [];
  const ours = [];
  for (let i = 0; i < runs; i++) {
    // Back-to-back pairs, each side first in turn: the machine's speed drifts over minutes, and
    // a pair sees the same speed. Ratio and added time are medians over the pairs.
    const runPlain = () => plain.push(timed(helm, ['template', chart]));
    const runOurs = () => ours.push(timed(bin, ['helm', chart, '--helm', helm, '--format', 'json']));
    if (i % 2 === 0) {
      runPlain();
      runOurs();
    } else {
      runOurs();
      runPlain();
    }
  }
  const ratio = median(ours.map((b, i) => b / plain[i]));
  const added = median(ours.map((b, i) => b - plain[i]));
  say(`| ${label} | ${(rendered / 1e6).toFixed(2)} MB | ${median(plain).toFixed(0)} ms | ${median(ours).toFixed(0)} ms | ${ratio.toFixed(2)} | ${added >= 0 ? '' : '-'}${Math.abs(added).toFixed(0)} ms |`);
}
say('');
}

// 3
const targetsDir = path.join(scratch, 'targets');
mkdirSync(targetsDir);
generateTargets(targetsDir);
const runCommand = (extra) => timed(bin, ['run', '--format', 'json', '--helm', helm, ...extra], { cwd: targetsDir });
if (want(3)) {
say('## 3. run over 40 targets');
say('');
const probe = spawnSync(bin, ['run', '--format', 'json', '--helm', helm], { cwd: targetsDir, encoding: 'utf8' });
if (probe.status !== 0 && probe.status !== 1) {
  say(`\`run\` is not available yet (exit ${probe.status}: ${probe.stderr.trim().split('\n')[0]}); not measured.`);
} else {
  const serial = [];
  const parallel = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    serial.push(runCommand(['--concurrency', '1']));
    parallel.push(runCommand([]));
  }
  const s = median(serial);
  const p = median(parallel);
  say('| --concurrency 1 | default (CPUs) | ratio |');
  say('| --- | --- | --- |');
  say(`| ${s.toFixed(0)} ms | ${p.toFixed(0)} ms | ${(p / s).toFixed(2)} |`);
}
say('');
}

// 4
if (want(4)) {
say('## 4. standalone executable versus the npm command');
say('');
const standalone = path.join(scratch, 'hostns-check-standalone');
const built = spawnSync(process.execPath, [path.join(root, 'scripts/sea.mjs'), '--out', standalone], { encoding: 'utf8' });
if (built.status !== 0) {
  say(`The standalone executable could not be built here (exit ${built.status}: ${(built.stderr || built.stdout).trim().split('\n').pop()}); not measured.`);
} else {
  // Interleaved, so both see the same machine speed; start-up on a one-document scan.
  const npmCommand = [];
  const single = [];
  for (let i = 0; i < runs; i++) {
    npmCommand.push(timed(bin, ['scan', empty, '--format', 'json']));
    single.push(timed(standalone, ['scan', empty, '--format', 'json']));
  }
  say('| start-up (`scan` of one small document) | npm command (`bin/hostns-check.js`) | standalone executable |');
  say('| --- | --- | --- |');
  say(`| median of ${runs} | ${median(npmCommand).toFixed(0)} ms | ${median(single).toFixed(0)} ms |`);
}
say('');
}

// 5
if (want(5)) {
  say('## 5. review and shards');
  say('');
  // --base: the chart in a scratch git repository, the base a commit that differs in one values line.
  const repo = path.join(scratch, 'review');
  const chartLabel = existsSync(datadog) ? '../shared/corpus/charts/datadog' : 'charts-fixtures/insecure-pod';
  cpSync(existsSync(datadog) ? datadog : path.join(root, 'charts-fixtures/insecure-pod'), path.join(repo, 'chart'), { recursive: true });
  const git = (...args) => spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  writeFileSync(path.join(repo, 'override.yaml'), '# the change under review\n{}\n');
  const check = (extra) => timed(bin, ['helm', 'chart', '-f', 'override.yaml', '--helm', helm, '--format', 'json', ...extra], { cwd: repo });
  const plain = [];
  const withBase = [];
  for (let i = 0; i < runs; i++) {
    // Interleaved pairs, each side first in turn.
    if (i % 2 === 0) {
      plain.push(check([]));
      withBase.push(check(['--base', 'HEAD']));
    } else {
      withBase.push(check(['--base', 'HEAD']));
      plain.push(check([]));
    }
  }
  say(`| --base on ${chartLabel} | without | with --base HEAD | ratio (median of pairs) |`);
  say('| --- | --- | --- | --- |');
  say(`| ${os.cpus().length} CPUs | ${median(plain).toFixed(0)} ms | ${median(withBase).toFixed(0)} ms | ${median(withBase.map((b, i) => b / plain[i])).toFixed(2)} |`);
  say('');
  // Shards: the 40 targets of section 3 in 4 shards, one after another, against the unsharded run.
  const whole = [];
  const sharded = [];
  const merged = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    const shards = () => {
      let sum = 0;
      for (let index = 0; index < 4; index++) sum += runCommand(['--shard', `${index}/4`, '-o', `shard-${index}.json`]);
      sharded.push(sum);
      merged.push(timed(bin, ['merge', '--format', 'json', ...[0, 1, 2, 3].map((index) => `shard-${index}.json`)], { cwd: targetsDir }));
    };
    if (i % 2 === 0) {
      whole.push(runCommand([]));
      shards();
    } else {
      shards();
      whole.push(runCommand([]));
    }
  }
  say('| run over 40 targets | unsharded | 4 shards one after another | ratio (median of pairs) | merge of the 4 reports |');
  say('| --- | --- | --- | --- | --- |');
  say(`| default concurrency | ${median(whole).toFixed(0)} ms | ${median(sharded).toFixed(0)} ms | ${median(sharded.map((b, i) => b / whole[i])).toFixed(2)} | ${median(merged).toFixed(0)} ms |`);
  say('');
}

mkdirSync(path.join(root, 'bench'), { recursive: true });
writeFileSync(path.join(root, 'bench/results.md'), lines.join('\n') + '\n');
console.log('written to bench/results.md');
