// Writes dist/src/cli/bundle.cache: V8's code cache for the bundle, made by this Node after
// running the CLI on small samples, so it holds the functions a run compiles (the command
// wiring, the parser, the checks, every report format, and the Helm path: `helm` with a values
// override and `run`, rendering, chart reading, source and values mapping), not only the bundle's
// top level. Functions missing from the cache are compiled on first use, on every run.
// Run by scripts/bundle.mjs in a process of its own, with the flags the CLI runs with: none.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { loadBundle } from '../bin/run.js';

const SAMPLE = `---
# Source: sample/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sample
  labels:
    app.kubernetes.io/name: sample
spec:
  template:
    metadata:
      annotations:
        checksum/config: "0"
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: "example/app:1.0"
          args: ["--port", "8080"]
          ports:
            - containerPort: 8080
              hostPort: 8080
          env:
            - name: MODE
              value: sample
          securityContext:
            runAsUser: 0 # hostns-check:ignore host-port sample
---
# Source: sample/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: sample
data:
  key: value
`;

// A chart with a helper, a subchart and a values file, and a stand-in for Helm that prints its
// render: the Helm path runs end to end without Helm (the build does not need one).
const CHART = {
  'Chart.yaml': 'apiVersion: v2\nname: sample\nversion: 1.0.0\ndependencies:\n  - name: agent\n    version: 1.0.0\n',
  'values.yaml': 'hostNetwork: false\nsecurityContext:\n  runAsUser: 20000\nports:\n  - containerPort: 80\n',
  'templates/_helpers.tpl': '{{- define "sample.securityContext" -}}\n{{ toYaml .Values.securityContext }}\n{{- end }}\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-sample
spec:
  template:
    spec:
      hostNetwork: {{ .Values.hostNetwork }}
      containers:
        - name: app
          image: "example/app:1.0"
          ports:
            {{- toYaml .Values.ports | nindent 12 }}
          securityContext:
            {{- include "sample.securityContext" . | nindent 12 }}
`,
  'charts/agent/Chart.yaml': 'apiVersion: v2\nname: agent\nversion: 1.0.0\n',
  'charts/agent/values.yaml': 'hostPID: true\n',
  'charts/agent/templates/ds.yaml': 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  template:\n    spec:\n      hostPID: {{ .Values.hostPID }}\n      containers:\n        - name: agent\n          image: agent:1\n',
};
const RENDER = `---
# Source: sample/charts/agent/templates/ds.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: agent
          image: agent:1
---
# Source: sample/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: t-sample
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: "example/app:1.0"
          ports:
            - containerPort: 80
              hostPort: 80
          securityContext:
            runAsUser: 0
`;

/** `helm` with a values override, and `run` over two targets of the sample chart. */
async function warmHelmPath() {
  // The stand-in is a shell script; where there is no shell, the Helm path compiles on first use.
  if (process.platform === 'win32') return;
  const folder = mkdtempSync(path.join(os.tmpdir(), 'hostns-code-cache-'));
  try {
    for (const [name, text] of Object.entries(CHART)) {
      mkdirSync(path.dirname(path.join(folder, 'sample', name)), { recursive: true });
      writeFileSync(path.join(folder, 'sample', name), text);
    }
    writeFileSync(path.join(folder, 'render.yaml'), RENDER);
    writeFileSync(path.join(folder, 'override.yaml'), 'hostNetwork: true\nsecurityContext:\n  runAsUser: 0\nports:\n  - containerPort: 80\n    hostPort: 80\n');
    const helm = path.join(folder, 'helm');
    writeFileSync(helm, '#!/bin/sh\ncat render.yaml\n');
    chmodSync(helm, 0o755);
    writeFileSync(path.join(folder, '.hostns-check.yaml'), 'targets:\n  - helm: sample\n    name: one\n    values: [override.yaml]\n  - helm: sample\n    name: two\n    set:\n      hostNetwork: true\n');
    const io = { cwd: folder, env: { PATH: process.env.PATH }, stdin: Readable.from([]), stdout: sink, stderr: sink };
    await exports.main(['helm', 't', 'sample', '-f', 'override.yaml', '--helm', helm, '--format', 'json'], io);
    await exports.main(['run', '--helm', helm, '--format', 'json'], io);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const { exports, script, id } = loadBundle();
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
for (const format of ['text', 'json', 'sarif', 'junit', 'github', 'codeclimate', 'markdown']) {
  const stdin = Readable.from([Buffer.from(SAMPLE)]);
  await exports.main(['scan', '-', '--format', format], { cwd: os.tmpdir(), env: {}, stdin, stdout: sink, stderr: sink });
}
await warmHelmPath();
await exports.main(['--version'], { cwd: os.tmpdir(), env: {}, stdin: Readable.from([]), stdout: sink, stderr: sink });
writeFileSync(new URL('../dist/src/cli/bundle.cache', import.meta.url), Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
