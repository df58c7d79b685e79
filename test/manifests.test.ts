// Splitting streams into documents and mapping paths back to lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitDocuments, type RawDocument } from '../src/manifests/splitDocuments.js';
import { parseManifest } from '../src/manifests/parseManifest.js';
import { formatJsonPath } from '../src/manifests/jsonPath.js';
import { checkYaml, summarize } from './support/checkYaml.js';

async function split(chunks: (string | Uint8Array)[]): Promise<RawDocument[]> {
  const docs: RawDocument[] = [];
  for await (const doc of splitDocuments(chunks)) docs.push(doc);
  return docs;
}

const HELM_STREAM = `---
# Source: app/templates/a.yaml
apiVersion: v1
kind: Pod
---
apiVersion: v1
kind: Service
---
# Source: app/templates/b.yaml
apiVersion: v1
kind: ConfigMap
`;

test('documents carry their start line and # Source: header; a document without one keeps the previous', async () => {
  const docs = await split([HELM_STREAM]);
  assert.deepEqual(
    docs.map((d) => [d.startLine, d.sourceHeader, d.sourceHeaderLine]),
    [
      [1, 'app/templates/a.yaml', 2],
      [5, 'app/templates/a.yaml', null],
      [8, 'app/templates/b.yaml', 9],
    ],
  );
});

test('chunks split anywhere, even inside a UTF-8 character, give the same documents', async () => {
  const text = `a: "é"\n---\nb: 1\n`;
  const bytes = new TextEncoder().encode(text);
  const whole = await split([bytes]);
  for (let cut = 1; cut < bytes.length; cut++) {
    const parts = await split([bytes.slice(0, cut), bytes.slice(cut)]);
    assert.deepEqual(parts, whole, `cut at byte ${cut}`);
  }
});

test('CRLF line endings and a BOM are read as Kubernetes reads them, with the same lines', async () => {
  const text = '\ufeffapiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p}\r\nspec:\r\n  hostPID: true\r\n  containers: []\r\n';
  const out = await checkYaml(text);
  assert.deepEqual(summarize(out), ['host-pid@5']);
  assert.deepEqual(out.findings[0]!.rendered, { line: 5, column: 3 });
});

test('empty and comment-only documents are skipped without error', async () => {
  const out = await checkYaml('---\n# only a comment\n---\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
  assert.deepEqual(out.errors, []);
  assert.equal(out.resources, 1);
  const empty = await checkYaml('');
  assert.deepEqual(empty.errors, []);
  assert.equal(empty.resources, 0);
});

test('a document that does not parse is an error with its line; the others are still checked', async () => {
  const text = `apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  hostNetwork: true
  containers: []
---
apiVersion: v1
kind: Pod
metadata: {name: broken
spec: [
---
apiVersion: v1
kind: Pod
metadata: {name: later}
spec:
  hostIPC: true
  containers: []
`;
  const out = await checkYaml(text);
  assert.deepEqual(summarize(out), ['host-network@5', 'host-ipc@17']);
  assert.ok(out.errors.length >= 1);
  assert.ok(out.errors.every((e) => e.line !== null && e.line >= 8 && e.line <= 12), JSON.stringify(out.errors));
  assert.match(out.errors[0]!.message, /YAML syntax error/);
});

test('a document that is a list or a scalar is an error, not a silent pass', async () => {
  const list = await checkYaml('- a\n- b\n');
  assert.match(list.errors[0]!.message, /document is a list/);
  const scalar = await checkYaml('---\njust text\n');
  assert.match(scalar.errors[0]!.message, /document is a string/);
  assert.equal(scalar.errors[0]!.line, 1);
});

test('tabs used for indentation are a syntax error with the line', async () => {
  const out = await checkYaml('apiVersion: v1\nkind: Pod\nspec:\n\thostPID: true\n');
  assert.equal(out.errors.length > 0, true);
  assert.equal(out.errors[0]!.line, 4);
});

test('an alias bomb stops with an error instead of exhausting memory', async () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  lines.push('kind: Pod');
  const out = await checkYaml(lines.join('\n') + '\n');
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0]!.message, /alias/i);
});

test('invalid UTF-8 is an error naming the line', async () => {
  const bytes = new Uint8Array([...new TextEncoder().encode('a: 1\nb: '), 0xff, 0xfe, 0x0a]);
  const out = await (await import('../src/pipeline/checkStream.js')).checkStream([bytes], {
    target: (await import('../src/types.js')).targetId('t'),
    file: 'bad.yaml',
    config: (await import('../src/rules/hostNamespaceRule.js')).defaultRuleConfig(),
    sourceOf: () => ({ source: null }),
  });
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0]!.message, /not valid UTF-8/);
  assert.equal(out.errors[0]!.line, 2);
});

test('locate maps a path to the key through aliases, and returns null for a missing path', () => {
  const raw: RawDocument = {
    text: 'base: &b\n  x: 1\nitems:\n  - name: a\n    <<: *b\n',
    startLine: 10,
    sourceHeader: null,
    sourceHeaderLine: null,
    index: 0,
  };
  const manifest = parseManifest(raw).manifests[0]!;
  assert.deepEqual(manifest.locate(['items', 0, 'x']), { line: 11, column: 3 });
  assert.deepEqual(manifest.locate(['items', 0]), { line: 13, column: 5 });
  assert.equal(manifest.locate(['items', 1]), null);
  assert.equal(manifest.locate(['nope']), null);
});

test('JSON paths print as Kubernetes field paths', () => {
  assert.equal(formatJsonPath(['spec', 'containers', 0, 'ports', 1, 'hostPort']), 'spec.containers[0].ports[1].hostPort');
  assert.equal(formatJsonPath(['metadata', 'annotations', 'a.b/c']), 'metadata.annotations["a.b/c"]');
});
