// Writes dist/src/cli/bundle.cache: V8's code cache for the bundle, made by this Node after
// running the CLI on a small sample, so it holds the functions a run compiles (the command
// wiring, the parser, the checks, every report format), not only the bundle's top level.
// Run by scripts/bundle.mjs in a process of its own, with the flags the CLI runs with: none.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
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

const { exports, script, id } = loadBundle();
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
for (const format of ['text', 'json', 'sarif', 'junit', 'github', 'codeclimate', 'markdown']) {
  const stdin = Readable.from([Buffer.from(SAMPLE)]);
  await exports.main(['scan', '-', '--format', format], { cwd: os.tmpdir(), env: {}, stdin, stdout: sink, stderr: sink });
}
await exports.main(['--version'], { cwd: os.tmpdir(), env: {}, stdin: Readable.from([]), stdout: sink, stderr: sink });
writeFileSync(new URL('../dist/src/cli/bundle.cache', import.meta.url), Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
