// The fast parser must agree with the `yaml` package, value for value and position for position,
// on everything it accepts: fixtures, real chart renders, peer conformance data, and traps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseSimpleYaml } from '../src/manifests/fastParse.js';
import { parseManifestFully } from '../src/manifests/parseManifest.js';
import { splitDocuments, type RawDocument } from '../src/manifests/splitDocuments.js';
import type { JsonPath } from '../src/types.js';
import { HELM4, PROJECT_ROOT, sharedDir } from './support/tools.js';
import { yamlFilesUnder } from './support/yamlFiles.js';
import { FIELDS_NEVER_READ } from '../src/rules/findPodSpecs.js';

/** Every path in a value tree. */
function* pathsOf(value: unknown, prefix: JsonPath = []): Generator<JsonPath> {
  yield prefix;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* pathsOf(value[i], [...prefix, i]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* pathsOf(item, [...prefix, key]);
  }
}

interface Tally {
  documents: number;
  fast: number;
  /** Counted (not failed) only where given: documents whose only errors are inside passed-over keys. */
  errorsInSkippedKeys?: number;
}

/** The value without the keys the fast parser was told to pass over. */
function pruned(value: unknown, skip: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => pruned(item, skip));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !skip.has(key)).map(([key, item]) => [key, pruned(item, skip)]));
}

/**
 * Compares both parsers on one document, as the pipeline runs the fast one (passing over
 * FIELDS_NEVER_READ) and without any key passed over: whatever the fast parser accepts, the full
 * parser must read the same way, value for value and position for position.
 */
function compareDocument(raw: RawDocument, label: string, tally: Tally): void {
  tally.documents++;
  for (const skip of [null, FIELDS_NEVER_READ]) {
    const fast = parseSimpleYaml(raw.text, raw.startLine, skip);
    if (!fast) continue;
    if (skip) tally.fast++;
    const full = parseManifestFully(raw);
    const where = `${label} (document at line ${raw.startLine}${skip ? ', keys passed over' : ''})`;
    if (skip && full.errors.length > 0 && tally.errorsInSkippedKeys !== undefined) {
      // A known limit: what is inside a passed-over key is not read, so an error there goes
      // unseen. It must be there: read in full, the same text is refused.
      assert.equal(parseSimpleYaml(raw.text, raw.startLine, null), null, `${where}: an error outside passed-over keys was missed: ${JSON.stringify(full.errors)}`);
      tally.errorsInSkippedKeys++;
      continue;
    }
    assert.equal(full.errors.length, 0, `${where}: the fast parser accepted a document the full parser rejects: ${JSON.stringify(full.errors)}`);
    assert.equal(full.manifests.length, 1, where);
    const manifest = full.manifests[0]!;
    const expected = skip ? pruned(manifest.value, skip) : manifest.value;
    assert.deepEqual(fast.value, expected, `${where}: values differ`);
    for (const p of pathsOf(expected)) {
      assert.deepEqual(fast.locate(p), manifest.locate(p), `${where}: position of ${JSON.stringify(p)} differs`);
    }
  }
}

/** Compares both parsers on every document of a text. */
async function compare(text: string, label: string, tally: Tally): Promise<void> {
  for await (const raw of splitDocuments([text])) compareDocument(raw, label, tally);
}

const TRAPS: Record<string, string> = {
  'booleans and nulls of YAML 1.1': 'a: yes\nb: On\nc: n\nd: ~\ne:\nf: NULL\ng: "yes"\nh: \'no\'\n',
  numbers: 'a: 0755\nb: 0x1F\nc: 1_000\nd: 12:30\ne: 1.5\nf: -3\ng: +4\nh: .inf\ni: e5\nj: 1e3\nk: 007\n',
  'keys that are not strings': 'yes: 1\n',
  'literal block scalars': 'a: |\n  line one\n\n  line three\nb: |-\n  kept\n    indented\nc: |\n\nd: x\n',
  'literal list items': 'command:\n  - /bin/sh\n  - -c\n  - |\n    echo start\n      exec app\nnext: 1\nlist:\n- |-\n  a\n- b\n',
  'a literal at the end': 'a: |\n  x\n  y\n\n\n',
  'keep chomping': 'a: |+\n  x\n\nb: 1\n',
  'folded scalar': 'a: >\n  folded\n  text\n',
  'indentless sequence': 'a:\n- x\n- y\nb: 1\n',
  'nested sequences': 'a:\n  - - x\n    - y\n  - -\n      z: 1\n',
  'empty items and values': 'a:\n  -\n  - \n  - b:\n    c:\n',
  'flow collections': 'a: {}\nb: []\nc: {x: 1}\nd: [1, 2]\ne: ["a", \'b\', c]\nf: {a: "b", c: d}\ng: [a, [b]]\n',
  'flow traps': 'a: {a: b,}\nb: [http://x]\nc: [a\n  ,b]\nd: {"k": yes}\n',
  'flow items': '- [x, y]\n- {k: v}\n',
  'quoted keys and escapes': '"a b": 1\n\'c\': "tab\\there"\nd: "\\x41"\ne: "it\'s"\nf: \'it\'\'s\'\n',
  'comments everywhere': '# top\na: 1 # trailing\n# between\nb:\n  # inside\n  c: "#not" # yes\nd: a#b\n',
  'anchors and merges': 'a: &x {b: 1}\nc:\n  <<: *x\n',
  'duplicate keys': 'a: 1\na: 2\n',
  'multi-line plain scalar': 'a: one\n  two\n',
  'a tab in the indentation': 'a:\n\tb: 1\n',
  'a scalar document': 'just text\n',
  'a list document': '- a\n- b\n',
  'document markers': '---\na: 1\n...\n---\nb: 2\n',
  'trailing spaces': 'a: 1   \nb:   \n  c: d  \n',
  'bad indentation': 'a:\n    b: 1\n  c: 2\n',
  'colon in a value': 'a: b: c\n',
  'keys passed over': 'spec:\n  containers:\n    - name: c\n      env:\n      - name: A\n        value: |\n          x\n      command: ["a", "b"]\n      args:\n        - "-c"\n      securityContext: {runAsUser: 1}\n  volumes:\n    - name: v\n  hostPID: true\n',
  'url values': 'a: http://example.com:8080/x\nb: "c: d"\n',
  'a dash value': 'a: -\nb: -1\nc: - x\n',
  'a no-break space ending a plain value (content, not a blank)': 'a: x\u00a0\n',
  'a no-break space as the value': 'a: \u00a0\n',
  'a no-break space after a quoted value': 'a: "q"\u00a0\n',
  'a no-break space in a literal block': 'a: |\n  \u00a0\nb: 1\n',
};

test('the fast parser agrees with the yaml package on trap documents', async () => {
  const tally: Tally = { documents: 0, fast: 0 };
  for (const [name, text] of Object.entries(TRAPS)) await compare(text, name, tally);
  assert.ok(tally.fast >= 10, `the fast path took ${tally.fast} of ${tally.documents}`);
});

test('the fast parser agrees with the yaml package on thousands of mutated fixture documents', async (t) => {
  // Small edits (a blank, a dash, a quote, a tab, a marker, a deleted character, a repeated line)
  // at seeded random places: what the fast parser accepts of them, the full parser must read alike.
  const files = yamlFilesUnder(path.join(PROJECT_ROOT, 'test/fixtures'));
  const shared = sharedDir();
  if (shared) files.push(...yamlFilesUnder(path.join(shared, 'conformance')));
  else t.diagnostic('../shared is absent: only the project fixtures are mutated');
  const originals: string[] = [];
  for (const file of files) for await (const raw of splitDocuments([readFileSync(file, 'utf8')])) if (raw.text.length < 4000) originals.push(raw.text);
  const edits = ['\r', '\r\n', ' ', '  ', '\t', '-', '- ', ':', ': ', '#', ' #', '|', '|-', '|+', '>', '"', "'", '\n', '\n\n', '---', '...', '%', '[', '{', ',', ']', '}',
    '&a', '*a', '!', 'x', '\u00a0', 'yes', '0x1', '~', '\\', '"a\\tb"', "'it''s'"];
  let seed = 20261126;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const tally: Tally = { documents: 0, fast: 0, errorsInSkippedKeys: 0 };
  for (let i = 0; i < 4000; i++) {
    let text = originals[random(originals.length)]!;
    for (let edit = 1 + random(3); edit > 0; edit--) {
      const at = random(text.length + 1);
      const kind = random(3);
      if (kind === 0) text = text.slice(0, at) + edits[random(edits.length)] + text.slice(at);
      else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + random(3));
      else {
        const lines = text.split('\n');
        lines.splice(random(lines.length), 0, lines[random(lines.length)]!);
        text = lines.join('\n');
      }
    }
    // Parsed as one raw text, not split first: a stray `---` stays inside the document.
    compareDocument({ text, startLine: 1, sourceHeader: null, sourceHeaderLine: null, index: 0 }, `mutation ${i} ${JSON.stringify(text)}`, tally);
  }
  t.diagnostic(`the fast parser accepted ${tally.fast} of ${tally.documents} mutated documents`);
  t.diagnostic(`${tally.errorsInSkippedKeys} had their only syntax errors inside passed-over keys, which are not read`);
  assert.ok(tally.fast > 500, `only ${tally.fast} mutated documents took the fast path`);
});

test('text with a carriage return, which the splitter never leaves in a CRLF, is left to the full parser', () => {
  for (const text of ['a: x\r\nb: 1\n', 'a: x\rb\n', 'a:\r\n  b: 1\n']) assert.equal(parseSimpleYaml(text, 1), null, JSON.stringify(text));
});

test('the fast parser agrees on the project fixtures', async () => {
  const tally: Tally = { documents: 0, fast: 0 };
  for (const file of [...yamlFilesUnder(path.join(PROJECT_ROOT, 'test/fixtures')), ...yamlFilesUnder(path.join(PROJECT_ROOT, 'charts-fixtures')).filter((f) => !f.includes('/templates/'))]) {
    await compare(readFileSync(file, 'utf8'), path.relative(PROJECT_ROOT, file), tally);
  }
  assert.ok(tally.fast > 0);
});

test('the fast parser agrees on real chart renders, and takes most of them', async (t) => {
  const charts = readdirSync(path.join(PROJECT_ROOT, 'charts-fixtures'))
    .filter((name) => existsSync(path.join(PROJECT_ROOT, 'charts-fixtures', name, 'Chart.yaml')))
    .map((name) => path.join(PROJECT_ROOT, 'charts-fixtures', name));
  const shared = sharedDir();
  if (shared) for (const name of ['metallb', 'fluent-bit', 'datadog']) charts.push(path.join(shared, 'corpus/charts', name));
  else t.diagnostic('../shared is absent: only the fixture charts are rendered');
  const tally: Tally = { documents: 0, fast: 0 };
  for (const chart of charts) {
    const render = spawnSync(HELM4, ['template', chart, '--include-crds', '--set', 'image=x', '--set', 'datadog.apiKey=0123456789abcdef0123456789abcdef'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (render.status !== 0) continue; // missing-deps and the like
    await compare(render.stdout, path.basename(chart), tally);
  }
  t.diagnostic(`fast path: ${tally.fast} of ${tally.documents} rendered documents`);
  assert.ok(tally.fast / tally.documents > 0.9, `only ${tally.fast} of ${tally.documents} documents took the fast path`);
});

test('the fast parser agrees on the peer conformance data', { skip: sharedDir() ? false : '../shared is absent' }, async () => {
  const tally: Tally = { documents: 0, fast: 0 };
  for (const file of yamlFilesUnder(path.join(sharedDir() as string, 'conformance'))) {
    await compare(readFileSync(file, 'utf8'), path.basename(file), tally);
  }
  assert.ok(tally.fast > 0);
});
