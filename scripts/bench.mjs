// `npm run bench`: measures what hostns-check adds on top of rendering, side by side in one run,
// and writes the figures to bench/results.md. Not a test: numbers depend on the machine.
//   1. scan of a generated 50 MB stream, from a file and from standard input (MB/s, peak RSS)
//   2. hostns-check helm next to `helm template` and next to a bare Node script that only starts,
//      spawns Helm and drains its output (the floor any Node tool pays), on a small chart, the
//      corpus charts with and without a values override, and a generated 5 MB chart; the source
//      mapping's proof renders on their own line
//   3. run over 40 generated targets next to the same 40 bare `helm template` renders two at a time
//   4. the standalone executable's start-up versus the npm command's
//   5. --base on a chart versus the same check without it; run over 40 targets in 4 shards, one
//      after another, versus the unsharded run
// Every render is read through a pipe, as the tool reads Helm; each comparison is the median of
// interleaved rounds (each side first in turn), since the machine's speed drifts over minutes.
// BENCH_ONLY=2,5 runs only those sections (the file then holds only them); BENCH_RUNS=N rounds.
// The real charts come from the shared corpus (../shared/corpus beside the repository): without
// it the bench stops, rather than print a table with rows missing.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const corpus = path.resolve(root, '../shared/corpus');
if ((want(2) || want(5)) && !existsSync(path.join(corpus, 'charts/datadog/Chart.yaml'))) {
  console.error(`bench: the chart corpus is not at ${corpus} (../shared/corpus beside the repository); sections 2 and 5 measure its charts. Put it there, or run other sections with BENCH_ONLY=1,3,4.`);
  process.exit(1);
}
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => `${value.toFixed(0)} ms`;

/**
 * Wall time of a command in milliseconds. Its standard output is a pipe this process drains, as
 * hostns-check drains Helm's (a render written to /dev/null would be cheaper than any reader).
 */
function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...options });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

/** Runs each of `commands` (functions returning milliseconds) once per round, the order rotated every round. */
function interleaved(commands, rounds = runs) {
  const times = commands.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < commands.length; k++) {
      const index = (k + round) % commands.length;
      times[index].push(commands[index]());
    }
  }
  return times;
}

/** Median over rounds of a / b, each round's pair measured back to back. */
const ratioOf = (a, b) => median(a.map((value, i) => value / b[i]));

// A bare Node program that starts, spawns the command and drains its output: what any Node tool
// reading Helm pays at least.
const floorScript = path.join(scratch, 'floor.cjs');
writeFileSync(
  floorScript,
  `const child = require('node:child_process').spawn(process.argv[2], process.argv.slice(3), { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.on('data', () => {});
child.on('close', (code) => { process.exitCode = code; });
`,
);
// Peak RSS of the real command: a preloaded hook writes the process's own maximum at exit.
const rssHook = path.join(scratch, 'rss-hook.cjs');
writeFileSync(rssHook, `process.on('exit', () => require('node:fs').writeFileSync(process.env.HOSTNS_BENCH_RSS, String(process.resourceUsage().maxRSS)));\n`);
function peakRssKb(args, options = {}) {
  const out = path.join(scratch, 'rss.txt');
  const result = spawnSync(process.execPath, ['--require', rssHook, bin, ...args], { maxBuffer: 1 << 30, ...options, env: { ...process.env, HOSTNS_BENCH_RSS: out } });
  if (result.status !== 0 && result.status !== 1) throw new Error(`hostns-check ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return Number(readFileSync(out, 'utf8'));
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
say(`- machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg()[0].toFixed(1)} at the start`);
say(`- Node ${process.version}, Helm ${helmVersion}; ${runs} rounds, each comparison the median of interleaved rounds (the order rotated every round)`);
say(
  `- ${extraCerts ? 'NODE_EXTRA_CA_CERTS is set on this machine; every command here ran with it unset, as most users run' : 'NODE_EXTRA_CA_CERTS is not set: the figures are as most users see them'}.`,
);
say('- every render and report is read through a pipe, as hostns-check reads Helm');
say('');

const empty = path.join(scratch, 'empty.yaml');
writeFileSync(empty, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');

// 1
if (want(1)) {
  const stream = path.join(scratch, 'stream.yaml');
  const bytes = generateStream(stream, 50);
  const mb = bytes / (1024 * 1024);
  const input = readFileSync(stream);
  const [startup, fromFile, fromStdin] = interleaved([
    () => timed(bin, ['scan', empty, '--format', 'json']),
    () => timed(bin, ['scan', stream, '--format', 'json']),
    () => timed(bin, ['scan', '-', '--format', 'json'], { stdio: ['pipe', 'pipe', 'pipe'], input }),
  ]);
  const rounds = Math.max(3, Math.ceil(runs / 2));
  const rssFile = median(Array.from({ length: rounds }, () => peakRssKb(['scan', stream, '--format', 'json'])));
  const rssStdin = median(Array.from({ length: rounds }, () => peakRssKb(['scan', '-', '--format', 'json'], { input })));
  say('## 1. scan throughput');
  say('');
  say(`${mb.toFixed(1)} MB generated stream, JSON report; start-up alone (\`scan\` of one small document): ${ms(median(startup))}. Peak RSS: median of ${rounds} runs.`);
  say('');
  say('| read from | wall (median) | MB/s (wall) | MB/s (without start-up) | peak RSS |');
  say('| --- | --- | --- | --- | --- |');
  for (const [label, times, rss] of [['a file', fromFile, rssFile], ['standard input (a pipe)', fromStdin, rssStdin]]) {
    const wall = median(times);
    say(`| ${label} | ${ms(wall)} | ${(mb / (wall / 1000)).toFixed(1)} | ${(mb / ((wall - median(startup)) / 1000)).toFixed(1)} | ${(rss / 1024).toFixed(0)} MB |`);
  }
  say('');
}

// 2
const datadog = path.join(corpus, 'charts/datadog');
/** The corpus's override for datadog, or one written here when the corpus has none. */
function datadogOverride() {
  const folder = path.join(corpus, 'values/datadog');
  const own = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.yaml')).sort() : [];
  if (own.length > 0) return { file: path.join(folder, own[0]), label: `-f values/datadog/${own[0]}` };
  // The settings of the corpus case datadog-hostports, as a values file: the agent with host ports.
  const file = path.join(scratch, 'datadog-override.yaml');
  writeFileSync(file, 'datadog:\n  apiKeyExistingSecret: datadog-secret\n  dogstatsd:\n    useHostPort: true\n  apm:\n    portEnabled: true\n');
  return { file, label: '-f host-ports.yaml (written by the bench: the corpus has no values/datadog)' };
}

if (want(2)) {
  say('## 2. hostns-check helm next to helm template and a bare-Node floor');
  say('');
  const large = path.join(scratch, 'large');
  generateLargeChart(large);
  const override = datadogOverride();
  const cases = [
    ['small: charts-fixtures/insecure-pod', path.join(root, 'charts-fixtures/insecure-pod'), []],
    ['corpus datadog', datadog, []],
    [`corpus datadog ${override.label}`, datadog, ['-f', override.file]],
    ['corpus vector -f values/vector/agent.yaml', path.join(corpus, 'charts/vector'), ['-f', path.join(corpus, 'values/vector/agent.yaml')]],
    ['corpus alloy -f values/alloy/node-logs.yaml', path.join(corpus, 'charts/alloy'), ['-f', path.join(corpus, 'values/alloy/node-logs.yaml')]],
    ['corpus multus-cni -f values/multus-cni/sidecars.yaml', path.join(corpus, 'charts/multus-cni'), ['-f', path.join(corpus, 'values/multus-cni/sidecars.yaml')]],
    ['generated large chart', large, []],
  ];
  for (const [label, chart] of cases) if (!existsSync(chart)) throw new Error(`bench: ${label}: ${chart} is missing`);
  say(`Node's own start-up (\`node -e 0\`): ${ms(median(Array.from({ length: runs }, () => timed(process.execPath, ['-e', '0']))))}. The floor is a bare Node script that starts, spawns \`helm template\` and drains its output.`);
  say('');
  say('| chart | rendered | helm template | bare-Node floor | hostns-check helm | ratio to helm template | ratio to the floor | added over the floor |');
  say('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, chart, extra] of cases) {
    const helmArgs = ['template', 't', chart, ...extra];
    const rendered = spawnSync(helm, helmArgs, { maxBuffer: 1 << 30 }).stdout.length;
    const [plain, floor, ours] = interleaved([
      () => timed(helm, helmArgs),
      () => timed(process.execPath, [floorScript, helm, ...helmArgs]),
      () => timed(bin, ['helm', 't', chart, ...extra, '--helm', helm, '--format', 'json']),
    ]);
    const added = median(ours.map((value, i) => value - floor[i]));
    say(`| ${label} | ${(rendered / 1e6).toFixed(2)} MB | ${ms(median(plain))} | ${ms(median(floor))} | ${ms(median(ours))} | ${ratioOf(ours, plain).toFixed(2)} | ${ratioOf(ours, floor).toFixed(2)} | ${ms(added)} |`);
  }
  say('');
  // The source mapping's proof renders (renders that confirm a mapped values line), where the
  // tool has them: the same check with and without them.
  const help = spawnSync(bin, ['helm', '--help'], { encoding: 'utf8' }).stdout;
  say(`**Proof renders** (corpus datadog ${override.label}, with proof renders versus \`--no-verify\`):`);
  say('');
  if (!help.includes('--no-verify')) {
    say('not available: this build has no `--no-verify`.');
  } else {
    const check = (extra) => timed(bin, ['helm', 't', datadog, '-f', override.file, '--helm', helm, '--format', 'json', ...extra]);
    const [plain, proved, unproved] = interleaved([
      () => timed(helm, ['template', 't', datadog, '-f', override.file]),
      () => check([]),
      () => check(['--no-verify']),
    ]);
    say('| helm template | with proof renders | --no-verify | proof renders cost | with proof, ratio to helm template |');
    say('| --- | --- | --- | --- | --- |');
    say(`| ${ms(median(plain))} | ${ms(median(proved))} | ${ms(median(unproved))} | ${ms(median(proved.map((value, i) => value - unproved[i])))} | ${ratioOf(proved, plain).toFixed(2)} |`);
  }
  say('');
}

// 3
const targetsDir = path.join(scratch, 'targets');
mkdirSync(targetsDir);
generateTargets(targetsDir);
const runCommand = (extra) => timed(bin, ['run', '--format', 'json', '--helm', helm, ...extra], { cwd: targetsDir });

/** The 40 targets' `helm template` renders, two at a time, each drained through a pipe. */
function bareRenders() {
  const script = `const { spawn } = require('node:child_process');
const helm = process.argv[1];
let next = 0;
const one = () => new Promise((resolve) => {
  const i = next++;
  const child = spawn(helm, ['template', 'target-' + i, 'chart', '--set', 'hostNetwork=' + (i % 4 === 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', () => {});
  child.on('close', resolve);
});
const worker = async () => { while (next < 40) await one(); };
const started = process.hrtime.bigint();
Promise.all([worker(), worker()]).then(() => process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6)));
`;
  // Timed inside one Node process: 40 renders, not 40 Node start-ups.
  const result = spawnSync(process.execPath, ['-e', script, helm], { cwd: targetsDir, encoding: 'utf8' });
  return Number(result.stdout);
}

if (want(3)) {
  say('## 3. run over 40 targets');
  say('');
  const probe = spawnSync(bin, ['run', '--format', 'json', '--helm', helm], { cwd: targetsDir, encoding: 'utf8' });
  if (probe.status !== 0 && probe.status !== 1) {
    say(`\`run\` is not available yet (exit ${probe.status}: ${probe.stderr.trim().split('\n')[0]}); not measured.`);
  } else {
    const [bare, parallel, serial] = interleaved([bareRenders, () => runCommand([]), () => runCommand(['--concurrency', '1'])], Math.max(3, Math.ceil(runs / 2)));
    say(`40 targets of one small chart, each with its own \`--set\`; run at the default concurrency (${os.cpus().length} CPUs here).`);
    say('');
    say('| 40 bare helm template, two at a time | run (default concurrency) | ratio | run --concurrency 1 |');
    say('| --- | --- | --- | --- |');
    say(`| ${ms(median(bare))} | ${ms(median(parallel))} | ${ratioOf(parallel, bare).toFixed(2)} | ${ms(median(serial))} |`);
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
  cpSync(datadog, path.join(repo, 'chart'), { recursive: true });
  const git = (...args) => spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  writeFileSync(path.join(repo, 'override.yaml'), '# the change under review\n{}\n');
  const check = (extra) => timed(bin, ['helm', 'chart', '-f', 'override.yaml', '--helm', helm, '--format', 'json', ...extra], { cwd: repo });
  const [plain, withBase] = interleaved([() => check([]), () => check(['--base', 'HEAD'])]);
  say('| --base on corpus datadog | without | with --base HEAD | ratio (median of rounds) |');
  say('| --- | --- | --- | --- |');
  say(`| ${os.cpus().length} CPUs | ${ms(median(plain))} | ${ms(median(withBase))} | ${ratioOf(withBase, plain).toFixed(2)} |`);
  say('');
  // Shards: the 40 targets of section 3 in 4 shards, one after another, against the unsharded run.
  const merged = [];
  const shards = () => {
    let sum = 0;
    for (let index = 0; index < 4; index++) sum += runCommand(['--shard', `${index}/4`, '-o', `shard-${index}.json`]);
    merged.push(timed(bin, ['merge', '--format', 'json', ...[0, 1, 2, 3].map((index) => `shard-${index}.json`)], { cwd: targetsDir }));
    return sum;
  };
  const [whole, sharded] = interleaved([() => runCommand([]), shards], Math.max(3, Math.ceil(runs / 2)));
  say('| run over 40 targets | unsharded | 4 shards one after another | ratio (median of rounds) | merge of the 4 reports |');
  say('| --- | --- | --- | --- | --- |');
  say(`| default concurrency | ${ms(median(whole))} | ${ms(median(sharded))} | ${ratioOf(sharded, whole).toFixed(2)} | ${ms(median(merged))} |`);
  say('');
}

mkdirSync(path.join(root, 'bench'), { recursive: true });
writeFileSync(path.join(root, 'bench/results.md'), lines.join('\n') + '\n');
console.log('written to bench/results.md');
