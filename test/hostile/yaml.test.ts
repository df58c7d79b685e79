// Hostile and broken YAML through `scan` and `helm`: a clear message with file and line, exit 2
// where something could not be read, no stack trace, bounded time and memory.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, assertNoStackTrace, runCli } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-hostile-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(scratch, name);
  writeFileSync(file, content);
  return file;
}

function scanJson(file: string) {
  const result = runCli(['scan', file, '--format', 'json'], { cwd: scratch });
  assertNoStackTrace(result.stdout + result.stderr);
  return { status: result.status, report: JSON.parse(result.stdout), stderr: result.stderr };
}

const SAFE = '  containers:\n    - name: c\n      image: i\n      securityContext: {runAsUser: 20000}\n';
const pod = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${spec}`;

describe('broken YAML through scan', () => {
  const cases: { name: string; content: string | Uint8Array; line: number | null; message: RegExp }[] = [
    { name: 'invalid syntax', content: 'apiVersion: v1\nkind: Pod\nmetadata: {name: oops\nspec: {}\n', line: 4, message: /YAML syntax error/ },
    { name: 'a document that is a list', content: '- apiVersion: v1\n- kind: Pod\n', line: 1, message: /document is a list, not a Kubernetes object/ },
    { name: 'a document that is a scalar', content: 'apiVersion: v1\n---\nhello\n', line: 2, message: /document is a string/ },
    { name: 'containers as a map', content: pod('  containers:\n    app: {image: i}\n'), line: 5, message: /containers must be a list of containers/ },
    { name: 'securityContext as a string', content: pod(`  securityContext: "runAsUser: 0"\n${SAFE}`), line: 5, message: /securityContext must be a mapping/ },
    { name: 'a tab in the indentation', content: 'apiVersion: v1\nkind: Pod\nspec:\n\thostPID: true\n', line: 4, message: /YAML syntax error/ },
    { name: 'bytes that are not UTF-8', content: new Uint8Array([...Buffer.from('apiVersion: v1\nkind: Pod\nmetadata:\n  name: '), 0xc3, 0x28, 0x0a]), line: 4, message: /not valid UTF-8/ },
    { name: 'an empty stream', content: '', line: null, message: /no Kubernetes resources .*nothing was checked/ },
    { name: 'only comments', content: '# nothing here\n---\n# nor here\n', line: null, message: /nothing was checked/ },
  ];
  for (const c of cases) {
    test(`${c.name}: exit 2, the file and line, no stack trace`, () => {
      const file = write(`${c.name.replace(/\W+/g, '-')}.yaml`, c.content);
      const { status, report } = scanJson(file);
      assert.equal(status, 2);
      const error = report.errors.find((e: { message: string }) => c.message.test(e.message));
      assert.ok(error, JSON.stringify(report.errors));
      assert.equal(error.file, path.basename(file));
      assert.equal(error.line, c.line);
      assert.equal(report.targets[0].ok, false);
    });
  }

  test('numbers as strings: findings with a note about the type', () => {
    const file = write('strings.yaml', pod('  hostNetwork: "true"\n  containers:\n    - name: c\n      image: i\n      ports: [{containerPort: 1, hostPort: "8080"}]\n      securityContext: {runAsUser: "0"}\n'));
    const { status, report } = scanJson(file);
    assert.equal(status, 1);
    assert.deepEqual(report.findings.map((f: { check: string }) => f.check).sort(), ['host-network', 'host-port', 'run-as-user']);
    assert.ok(report.findings.every((f: { notes: string[] }) => f.notes.some((n) => /reject|not an integer/.test(n))));
  });

  test('duplicate keys: the last value wins, with a warning at its line', () => {
    const file = write('dup.yaml', pod(`  hostPID: false\n  hostPID: true\n${SAFE}`));
    const { status, report } = scanJson(file);
    assert.equal(status, 1);
    assert.deepEqual(report.findings.map((f: { check: string }) => f.check), ['host-pid']);
    assert.equal(report.warnings[0].line, 6);
  });

  test('Windows line endings give the same findings and lines as Unix ones', () => {
    const text = pod(`  hostIPC: true\n${SAFE}`);
    const unix = scanJson(write('unix.yaml', text)).report.findings;
    const windows = scanJson(write('windows.yaml', text.replace(/\n/g, '\r\n'))).report.findings;
    assert.deepEqual(
      windows.map((f: { check: string; rendered: unknown }) => [f.check, f.rendered]),
      unix.map((f: { check: string; rendered: unknown }) => [f.check, f.rendered]),
    );
  });

  test('Lists nested ten levels deep are read to the bottom', () => {
    let inner = `apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nspec:\n  hostNetwork: true\n${SAFE}`;
    for (let level = 0; level < 10; level++) {
      inner = `apiVersion: v1\nkind: List\nitems:\n${inner.replace(/^/gm, '  ').replace(/^ {2}/, '- ')}`;
    }
    const { status, report } = scanJson(write('deep.yaml', inner));
    assert.equal(status, 1);
    assert.equal(report.findings[0].resource.name, 'deep');
    assert.equal(report.findings[0].path, `${'items[0].'.repeat(10)}spec.hostNetwork`);
  });

  test('an alias bomb is refused instead of expanded', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 14; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    lines.push('kind: Pod');
    const started = Date.now();
    const { status, report } = scanJson(write('bomb.yaml', lines.join('\n') + '\n'));
    // Not a speed target (that is in npm run bench): a guard against expanding 9^14 nodes.
    assert.ok(Date.now() - started < 15_000);
    assert.equal(status, 2);
    assert.match(report.errors[0].message, /alias/i);
  });
});

test('a 100 MB single document: refused with a clear message, in bounded memory', async () => {
  // The child gets a hard heap limit: reading the document whole would crash it instead of exit 2.
  const child = spawn(process.execPath, ['--max-old-space-size=160', BIN, 'scan', '-', '--format', 'json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => {});
  const line = `  key: "${'x'.repeat(1000)}"\n`;
  const chunk = line.repeat(1024); // about 1 MB
  child.stdin.write('apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\ndata:\n');
  for (let i = 0; i < 100; i++) {
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end('---\napiVersion: v1\nkind: Pod\nmetadata: {name: after}\nspec:\n  hostPID: true\n  containers: []\n');
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assertNoStackTrace(stdout + stderr);
  assert.equal(status, 2, stderr);
  const report = JSON.parse(stdout);
  assert.match(report.errors[0].message, /larger than 16 MiB/);
  assert.equal(report.errors[0].line, 1);
  assert.deepEqual(report.findings.map((f: { resource: { name: string } }) => f.resource.name), ['after'], 'the next document is still checked');
  assert.equal(report.findings[0].rendered.line, 102410);
});

describe('broken output through helm', () => {
  const chart = path.join(scratch, 'hostile-chart');
  mkdirSync(path.join(chart, 'templates'), { recursive: true });
  writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: hostile\nversion: 0.1.0\n');
  writeFileSync(path.join(chart, 'values.yaml'), 'raw: ""\n');
  writeFileSync(path.join(chart, 'templates/raw.yaml'), '{{ .Values.raw }}\n');
  for (const tools of HELM_VERSIONS) {
    test(`${tools.label}: a template that renders invalid YAML is exit 2 with Helm's message`, () => {
      const bad = path.join(scratch, 'bad-values.txt');
      writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tab\n');
      const result = runCli(['helm', chart, '--set-file', `raw=${bad}`, '--helm', tools.helm, '--format', 'json']);
      assertNoStackTrace(result.stdout + result.stderr);
      assert.equal(result.status, 2);
      const report = JSON.parse(result.stdout);
      assert.equal(report.targets[0].ok, false);
      assert.ok(report.errors.length > 0);
    });
    test(`${tools.label}: a template that renders a list document is exit 2`, () => {
      const result = runCli(['helm', chart, '--set-json', 'raw="- a\\n- b"', '--helm', tools.helm, '--format', 'json']);
      assertNoStackTrace(result.stdout + result.stderr);
      assert.equal(result.status, 2);
    });
  }
});
