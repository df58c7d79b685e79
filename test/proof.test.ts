// The proof render's pure parts (src/targets/helm/proof/): the text edits made to a scratch copy of
// a chart, the reading of its render, and the copy itself. Table-driven: each case names what it
// shows. The markBlocks cases at the end render with the real Helm (3 and 4): a marked template must
// still be a valid template whose output holds the same data, with the markers around the block.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { parseAllDocuments } from 'yaml';
import {
  applySentinels,
  markBlocks,
  proofToken,
  tokenIn,
  tokenizeTemplate,
  truthySentinel,
  valuesLeaves,
  withoutTokens,
  SENTINEL_BASE,
  type SentinelEdit,
} from '../src/targets/helm/proof/proofEdits.js';
import { firstDifference, parseFindingPath, podSpecPath, readPath, restore, samePodData } from '../src/targets/helm/proof/proofRead.js';
import { copyChartForProof, type ProofChart } from '../src/targets/helm/proof/proofChart.js';
import type { JsonPath } from '../src/types.js';
import { makeHelmHome, runSync } from './support/helmHome.js';
import { HELM_VERSIONS } from './support/tools.js';

interface Case<I, E> {
  name: string;
  input: I;
  expected: E;
}

/** One test per case: `run(input)` deep-equals `expected`. */
function table<I, E>(title: string, cases: readonly Case<I, E>[], run: (input: I) => unknown): void {
  for (const { name, input, expected } of cases) {
    test(`${title}: ${name}`, () => assert.deepEqual(run(input), expected));
  }
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-proof-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// ---- tokenizeTemplate -------------------------------------------------------------------------

const t = (line: number) => proofToken(3, line);

table<string, string | null>(
  'tokenizeTemplate',
  [
    { name: 'a literal key is renamed with its file and line', input: 'spec:\n  hostNetwork: true\n', expected: `spec:\n  hostNetwork${t(2)}: true\n` },
    { name: 'a double-quoted key keeps its quotes around the token', input: '"hostPID": true', expected: `"hostPID${t(1)}": true` },
    { name: "a single-quoted key keeps its quotes around the token", input: "'hostIPC': true", expected: `'hostIPC${t(1)}': true` },
    { name: 'mismatched quotes are not a key', input: `"hostIPC': true`, expected: null },
    { name: 'a key after a list dash', input: '        - hostPort: 80', expected: `        - hostPort${t(1)}: 80` },
    { name: 'a key after two list dashes', input: '- - hostPort: 80', expected: `- - hostPort${t(1)}: 80` },
    { name: 'a key whose value is on the next lines', input: 'securityContext:\n  runAsUser:\n    {{ .Values.uid }}', expected: `securityContext:\n  runAsUser${t(2)}:\n    {{ .Values.uid }}` },
    { name: '`- name:` of a list item is renamed (a container\'s first line)', input: '  - name: app', expected: `  - name${t(1)}: app` },
    { name: '`name:` of a map is left alone', input: 'metadata:\n  name: app\n', expected: null },
    { name: 'keys the checks do not read are left alone', input: 'image: x\n- image: y\nprivileged: true\nports:\n', expected: null },
    { name: 'a key that only starts like a checked one is left alone', input: 'hostNetworkMode: true\nhostPorts: [1]', expected: null },
    { name: 'a key after an action on the same line is not matched', input: '{{ if .x }}hostIPC: true{{ end }}\n{{- /* c */}} hostPID: true', expected: null },
    { name: 'a key in a comment is not matched', input: '# hostNetwork: true', expected: null },
    { name: 'CRLF lines keep their CR after the renamed key', input: 'hostNetwork: true\r\nrunAsUser:\r\n  1000\r\n', expected: `hostNetwork${t(1)}: true\r\nrunAsUser${t(2)}:\r\n  1000\r\n` },
    { name: 'only the lines with a checked key change', input: 'a: 1\n  hostPID: {{ .Values.pid }}\nb: 2\n', expected: `a: 1\n  hostPID${t(2)}: {{ .Values.pid }}\nb: 2\n` },
    { name: 'a text with no checked key gives null', input: 'kind: Pod\nspec:\n  containers: []\n', expected: null },
    { name: 'an empty text gives null', input: '', expected: null },
  ],
  (input) => tokenizeTemplate(input, 3),
);

test('tokenizeTemplate: each token names its line (tokenIn), and withoutTokens gives the template back', () => {
  const original = 'spec:\n  hostNetwork: true\n  containers:\n    - name: a\n      ports:\n        - hostPort: 80\n';
  const tokenized = tokenizeTemplate(original, 12);
  assert.ok(tokenized);
  const keys = [...tokenized.matchAll(/(\w+_hnsproof\d+x\d+)/g)].map((m) => m[1]!);
  assert.deepEqual(
    keys.map((key) => ({ key: withoutTokens(key), at: tokenIn(key) })),
    [
      { key: 'hostNetwork', at: { file: 12, line: 2 } },
      { key: 'name', at: { file: 12, line: 4 } },
      { key: 'hostPort', at: { file: 12, line: 6 } },
    ],
  );
  assert.equal(withoutTokens(tokenized), original);
  assert.equal(tokenIn('hostNetwork'), null, 'a key without a token names no line');
  assert.equal(tokenIn(`hostNetwork${proofToken(1, 2)}x`), null, 'a token must end the key');
});

// ---- markBlocks (text) ------------------------------------------------------------------------

table<string, string | null>(
  'markBlocks',
  [
    {
      name: '`{{- toYaml .x | nindent 4 }}`: the markers go on their own lines at the nindent width',
      input: '  {{- toYaml .x | nindent 4 }}',
      expected: '  {{- "\\n    #hnsbeg0x1\\n" }}{{ toYaml .x | nindent 4 }}{{ "\\n    #hnsend0x1" }}',
    },
    {
      name: '`{{ toYaml . | indent 6 }}` at column 0: marker indented 6, first output line in its place',
      input: '{{ toYaml . | indent 6 }}',
      expected: '{{ "      #hnsbeg0x1\\n" }}{{ toYaml . | indent 6 }}{{ "\\n      #hnsend0x1" }}',
    },
    {
      name: 'an indented line without trim writes its indentation again after the begin marker',
      input: 'x:\n    {{ toYaml .x }}',
      expected: 'x:\n    {{ "#hnsbeg0x2\\n    " }}{{ toYaml .x }}{{ "\\n    #hnsend0x2" }}',
    },
    {
      name: '`-}}` right trim: the end marker ends its own line and the trim is kept',
      input: '  {{- toYaml .x | nindent 2 -}}',
      expected: '  {{- "\\n  #hnsbeg0x1\\n" }}{{ toYaml .x | nindent 2 }}{{ "\\n  #hnsend0x1\\n" -}}',
    },
    {
      name: '`| nindent 12 | trim`: the widest of the line and nindent 12',
      input: '            {{ toYaml .Values.sc | nindent 12 | trim }}',
      expected: '            {{ "#hnsbeg0x1\\n            " }}{{ toYaml .Values.sc | nindent 12 | trim }}{{ "\\n            #hnsend0x1" }}',
    },
    { name: 'tpl is a block', input: '{{ tpl .Values.extra . }}', expected: '{{ "#hnsbeg0x1\\n" }}{{ tpl .Values.extra . }}{{ "\\n#hnsend0x1" }}' },
    { name: 'CRLF: the CR stays at the end of the line', input: '{{ toJson .x }}\r\n', expected: '{{ "#hnsbeg0x1\\n" }}{{ toJson .x }}{{ "\\n#hnsend0x1" }}\r\n' },
    { name: 'include is not a block', input: '{{- include "x.labels" . | nindent 4 }}', expected: null },
    { name: 'template is not a block', input: '{{ template "x" . }}', expected: null },
    { name: 'if is not a block', input: '{{- if (toYaml .x) }}', expected: null },
    { name: 'range is not a block', input: '{{- range (toYaml .x | indent 2) }}', expected: null },
    { name: 'with is not a block', input: '{{- with .Values.x | toYaml }}', expected: null },
    { name: 'end is not a block', input: '{{- end }}', expected: null },
    { name: 'an assignment is not a block', input: '{{ $x := toYaml .Values.x | indent 2 }}', expected: null },
    { name: 'a re-assignment is not a block', input: '{{- $x = toYaml .Values.x }}', expected: null },
    { name: 'a comment is not a block', input: '{{/* toYaml .x | indent 4 */}}', expected: null },
    { name: 'a line with text besides the action is not a block', input: 'securityContext: {{ toYaml .x | nindent 4 }}', expected: null },
    { name: 'a line with text after the action is not a block', input: '{{ toYaml .x }} # note', expected: null },
    { name: 'a line of two actions is not a block', input: '{{ toYaml .a }}{{ toYaml .b }}', expected: null },
    { name: 'an action that writes no block is not marked', input: '{{ .Values.name | quote }}', expected: null },
  ],
  (input) => markBlocks(input, 0),
);

// ---- applySentinels ---------------------------------------------------------------------------

const VALUES = [
  'pod:', //                         1
  '  hostNetwork: true', //          2
  '  ports:', //                     3
  '    - 8080', //                   4
  '  uid: "1000"', //                5
  '  pid: true  # on purpose', //    6
  '  flow: {port: 9090}', //         7
  '  two: {a: 1, b: 2}', //          8
  '  key: value', //                 9
  '',
].join('\n');

const edit = (line: number, expected: unknown, replacement: string): SentinelEdit => ({ line, expected, replacement });

table<{ source: string; edits: SentinelEdit[] }, { text: string; applied: number[] }>(
  'applySentinels',
  [
    { name: 'a map value', input: { source: VALUES, edits: [edit(2, true, 'hnsproofv0')] }, expected: { text: VALUES.replace('hostNetwork: true', 'hostNetwork: hnsproofv0'), applied: [2] } },
    { name: 'a list item', input: { source: VALUES, edits: [edit(4, 8080, '7310001')] }, expected: { text: VALUES.replace('- 8080', '- 7310001'), applied: [4] } },
    { name: 'a quoted scalar, quotes and all', input: { source: VALUES, edits: [edit(5, '1000', '"s1"')] }, expected: { text: VALUES.replace('"1000"', '"s1"'), applied: [5] } },
    { name: 'a quoted "1000" is a string, not the number 1000: not applied', input: { source: VALUES, edits: [edit(5, 1000, '7310000')] }, expected: { text: VALUES, applied: [] } },
    { name: 'a line whose value differs from expected: not applied', input: { source: VALUES, edits: [edit(2, false, 'hnsproofv0')] }, expected: { text: VALUES, applied: [] } },
    { name: 'a line with no value scalar (a map key only): not applied', input: { source: VALUES, edits: [edit(3, null, 'x')] }, expected: { text: VALUES, applied: [] } },
    { name: 'a line outside the file: not applied', input: { source: VALUES, edits: [edit(99, true, 'x')] }, expected: { text: VALUES, applied: [] } },
    { name: 'a comment after the value stays', input: { source: VALUES, edits: [edit(6, true, 'hnsproofv1')] }, expected: { text: VALUES.replace('pid: true  #', 'pid: hnsproofv1  #'), applied: [6] } },
    { name: 'flow style: the value inside the braces', input: { source: VALUES, edits: [edit(7, 9090, '7310002')] }, expected: { text: VALUES.replace('{port: 9090}', '{port: 7310002}'), applied: [7] } },
    { name: 'flow style, two values on a line: only the last can be edited', input: { source: VALUES, edits: [edit(8, 1, '7310003'), edit(8, 2, '7310004')] }, expected: { text: VALUES.replace('b: 2}', 'b: 7310004}'), applied: [8] } },
    {
      name: 'several edits in one file, each in its place',
      input: { source: VALUES, edits: [edit(2, true, 'hnsproofv0'), edit(4, 8080, '7310001'), edit(6, true, 'false'), edit(9, 'other', 'x')] },
      expected: { text: VALUES.replace('hostNetwork: true', 'hostNetwork: hnsproofv0').replace('- 8080', '- 7310001').replace('pid: true', 'pid: false'), applied: [2, 4, 6] },
    },
    { name: 'YAML 1.1: `yes` is the boolean true as Helm reads it', input: { source: 'a: yes\n', edits: [edit(1, true, 'hnsproofv0')] }, expected: { text: 'a: hnsproofv0\n', applied: [1] } },
    { name: 'a file that does not parse is left unchanged, nothing applied', input: { source: 'a: [1\nb: true\n', edits: [edit(2, true, 'x')] }, expected: { text: 'a: [1\nb: true\n', applied: [] } },
    { name: 'duplicate keys parse (as Helm reads them) and are edited', input: { source: 'a: 1\na: 2\n', edits: [edit(2, 2, '7310000')] }, expected: { text: 'a: 1\na: 7310000\n', applied: [2] } },
  ],
  ({ source, edits }) => {
    const result = applySentinels(source, edits);
    return { text: result.text, applied: result.applied.map((e) => e.line).sort((a, b) => a - b) };
  },
);

test('applySentinels returns the edit objects it applied (identity: the caller looks them up)', () => {
  const made = edit(2, true, 'hnsproofv0');
  const result = applySentinels(VALUES, [made, edit(2, false, 'x')]);
  assert.equal(result.applied.length, 1);
  assert.equal(result.applied[0], made);
});

// ---- valuesLeaves -----------------------------------------------------------------------------

table<string, { line: number; key: (string | number)[]; value: unknown }[]>(
  'valuesLeaves',
  [
    {
      name: 'nested maps and lists give key paths and lines',
      input: 'a:\n  b:\n    c: 1\n  list:\n    - x\n    - name: web\n      port: 80\n',
      expected: [
        { line: 3, key: ['a', 'b', 'c'], value: 1 },
        { line: 5, key: ['a', 'list', 0], value: 'x' },
        { line: 6, key: ['a', 'list', 1, 'name'], value: 'web' },
        { line: 7, key: ['a', 'list', 1, 'port'], value: 80 },
      ],
    },
    {
      name: 'YAML 1.1 words as go-yaml reads them: yes/on/y are true, no/off false, ~ null; quoted stays text',
      input: 'a: yes\nb: on\nc: y\nd: no\ne: Off\nf: ~\ng: "yes"\nh: 0x10\ni: 010\nj: 1_000\n',
      expected: [
        { line: 1, key: ['a'], value: true },
        { line: 2, key: ['b'], value: true },
        { line: 3, key: ['c'], value: true },
        { line: 4, key: ['d'], value: false },
        { line: 5, key: ['e'], value: false },
        { line: 6, key: ['f'], value: null },
        { line: 7, key: ['g'], value: 'yes' },
        { line: 8, key: ['h'], value: 16 },
        { line: 9, key: ['i'], value: 8 },
        { line: 10, key: ['j'], value: 1000 },
      ],
    },
    { name: 'flow maps and lists', input: 'a: {b: [1, two]}\n', expected: [{ line: 1, key: ['a', 'b', 0], value: 1 }, { line: 1, key: ['a', 'b', 1], value: 'two' }] },
    { name: 'an empty value is a null leaf', input: 'a:\nb: 1\n', expected: [{ line: 1, key: ['a'], value: null }, { line: 2, key: ['b'], value: 1 }] },
    { name: 'a file that does not parse has none', input: 'a: [1\n', expected: [] },
  ],
  (input) => valuesLeaves(input),
);

table<{ value: unknown; index: number }, string | null>(
  'truthySentinel',
  [
    { name: 'a non-zero integer gets a number of its own', input: { value: 80, index: 2 }, expected: String(SENTINEL_BASE + 2) },
    { name: 'a negative integer too', input: { value: -1, index: 0 }, expected: String(SENTINEL_BASE) },
    { name: 'true gets a string (truthy)', input: { value: true, index: 4 }, expected: 'hnsproofv4' },
    { name: '0 has no truthy sentinel', input: { value: 0, index: 0 }, expected: null },
    { name: 'false has none', input: { value: false, index: 0 }, expected: null },
    { name: 'a float has none', input: { value: 1.5, index: 0 }, expected: null },
    { name: 'a string has none', input: { value: 'x', index: 0 }, expected: null },
  ],
  ({ value, index }) => truthySentinel(value, index),
);

// ---- parseFindingPath / podSpecPath -----------------------------------------------------------

table<string, { path: JsonPath; pod: JsonPath | null }>(
  'parseFindingPath and podSpecPath',
  [
    { name: 'a Pod', input: 'spec.hostNetwork', expected: { path: ['spec', 'hostNetwork'], pod: ['spec'] } },
    {
      name: 'a Deployment container port',
      input: 'spec.template.spec.containers[0].ports[1].hostPort',
      expected: { path: ['spec', 'template', 'spec', 'containers', 0, 'ports', 1, 'hostPort'], pod: ['spec', 'template', 'spec'] },
    },
    {
      name: 'a CronJob',
      input: 'spec.jobTemplate.spec.template.spec.initContainers[2].securityContext.runAsUser',
      expected: { path: ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'initContainers', 2, 'securityContext', 'runAsUser'], pod: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
    },
    { name: 'a List item', input: 'items[3].spec.hostPID', expected: { path: ['items', 3, 'spec', 'hostPID'], pod: ['items', 3, 'spec'] } },
    { name: 'a quoted key with a dot and an escaped quote', input: 'metadata["a.b/c\\"d"].x', expected: { path: ['metadata', 'a.b/c"d', 'x'], pod: null } },
    { name: 'a path with no spec has no pod spec', input: 'kind', expected: { path: ['kind'], pod: null } },
  ],
  (input) => {
    const parsed = parseFindingPath(input);
    return { path: parsed, pod: podSpecPath(parsed) };
  },
);

// ---- restore / samePodData / firstDifference --------------------------------------------------

const SENTINELS = new Map<string, unknown>([
  ['7310000', 80],
  ['7310001', 8080],
  ['hnsproofv0', true],
]);

table<unknown, unknown>(
  'restore',
  [
    { name: 'tokens in keys removed', input: { [`hostNetwork${proofToken(0, 3)}`]: true }, expected: { hostNetwork: true } },
    { name: 'tokens in strings removed', input: { name: `app${proofToken(1, 2)}` }, expected: { name: 'app' } },
    { name: 'a number sentinel restored', input: { hostPort: 7310000 }, expected: { hostPort: 80 } },
    { name: 'a string sentinel restored to its boolean', input: { hostNetwork: 'hnsproofv0' }, expected: { hostNetwork: true } },
    { name: 'a number sentinel quoted into a string restored', input: { hostPort: '7310001' }, expected: { hostPort: 8080 } },
    { name: 'a sentinel inside a longer string restored as text', input: { image: 'x:7310001-hnsproofv0' }, expected: { image: 'x:8080-true' } },
    { name: 'a number that is no sentinel stays', input: { hostPort: 7310009 }, expected: { hostPort: 7310009 } },
    { name: 'lists and nesting', input: { containers: [{ [`name${proofToken(0, 9)}`]: 'a', ports: [{ hostPort: 7310000 }] }] }, expected: { containers: [{ name: 'a', ports: [{ hostPort: 80 }] }] } },
    { name: 'null and booleans stay', input: [null, false, true], expected: [null, false, true] },
  ],
  (input) => restore(input, SENTINELS),
);

test('restore: a sentinel that starts another (hnsproofv1, hnsproofv10) is not taken for it inside a string', () => {
  const sentinels = new Map<string, unknown>(Array.from({ length: 11 }, (_, i) => [`hnsproofv${i}`, i === 10 ? 'ten' : i]));
  assert.equal(restore('a-hnsproofv10-b', sentinels), 'a-ten-b');
  assert.equal(restore('hnsproofv10', sentinels), 'ten');
  assert.equal(restore('hnsproofv1-hnsproofv10', sentinels), '1-ten');
});

table<{ scratch: unknown; original: unknown; ignored?: Set<string> }, { same: boolean; difference: string | null }>(
  'samePodData and firstDifference',
  [
    { name: 'equal data', input: { scratch: { a: 1, b: [1, 2] }, original: { a: 1, b: [1, 2] } }, expected: { same: true, difference: null } },
    { name: 'key order ignored', input: { scratch: { a: 1, b: { c: 2, d: 3 } }, original: { b: { d: 3, c: 2 }, a: 1 } }, expected: { same: true, difference: null } },
    { name: 'false where the user had 0 is allowed', input: { scratch: { hostPort: false }, original: { hostPort: 0 } }, expected: { same: true, difference: null } },
    { name: '0 where the user had false is not', input: { scratch: { hostNetwork: 0 }, original: { hostNetwork: false } }, expected: { same: false, difference: 'hostNetwork' } },
    { name: 'false where the user had another number is not', input: { scratch: { p: false }, original: { p: 1 } }, expected: { same: false, difference: 'p' } },
    { name: 'env (never read) not compared', input: { scratch: { containers: [{ name: 'a', env: [{ name: 'X' }] }] }, original: { containers: [{ name: 'a' }] } }, expected: { same: true, difference: null } },
    {
      name: 'a difference in env (never read) is not the first difference reported',
      input: { scratch: { containers: [{ env: [{ name: 'X' }], name: 'a' }] }, original: { containers: [{ name: 'b' }] } },
      expected: { same: false, difference: 'containers[0].name' },
    },
    { name: 'a key missing from the scratch render', input: { scratch: { a: 1 }, original: { a: 1, b: 2 } }, expected: { same: false, difference: 'b' } },
    { name: 'an extra key in the scratch render', input: { scratch: { a: 1, c: 2 }, original: { a: 1 } }, expected: { same: false, difference: 'c' } },
    { name: 'the first difference in a list of maps', input: { scratch: { a: { b: [1, { c: 2 }] } }, original: { a: { b: [1, { c: 3 }] } } }, expected: { same: false, difference: 'a.b[1].c' } },
    { name: 'lists of different lengths differ at the list', input: { scratch: { l: [1, 2] }, original: { l: [1] } }, expected: { same: false, difference: 'l' } },
    { name: 'a list against a map', input: { scratch: { l: [] }, original: { l: {} } }, expected: { same: false, difference: 'l' } },
    { name: 'scalars at the top', input: { scratch: 1, original: 2 }, expected: { same: false, difference: '(the whole resource)' } },
    { name: 'a given ignored set is used in place of the fields never read', input: { scratch: { env: 1, x: 1 }, original: { env: 1, x: 2 }, ignored: new Set(['x']) }, expected: { same: true, difference: null } },
    { name: 'with a given ignored set, env is compared', input: { scratch: { env: 1, x: 1 }, original: { env: 2, x: 2 }, ignored: new Set(['x']) }, expected: { same: false, difference: 'env' } },
    { name: 'a given ignored set also applies inside lists', input: { scratch: { l: [{ env: 1 }] }, original: { l: [{}] }, ignored: new Set<string>() }, expected: { same: false, difference: 'l[0].env' } },
  ],
  ({ scratch: a, original: b, ignored }) => ({
    same: ignored ? samePodData(a, b, ignored) : samePodData(a, b),
    // firstDifference always leaves out the fields never read: with another set only `same` is asked.
    difference: ignored ? (samePodData(a, b, ignored) ? null : firstDifferenceIgnoring(a, b, ignored)) : firstDifference(a, b),
  }),
);

/** firstDifference with a given ignored set, for the cases above (it only knows FIELDS_NEVER_READ). */
function firstDifferenceIgnoring(a: unknown, b: unknown, ignored: Set<string>, at = ''): string | null {
  if (samePodData(a, b, ignored)) return null;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const inner = firstDifferenceIgnoring(a[i], b[i], ignored, `${at}[${i}]`);
      if (inner !== null) return inner;
    }
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (ignored.has(key)) continue;
      const inner = firstDifferenceIgnoring((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], ignored, at ? `${at}.${key}` : key);
      if (inner !== null) return inner;
    }
  }
  return at || '(the whole resource)';
}

// ---- readPath ---------------------------------------------------------------------------------

const tok = (line: number) => proofToken(2, line);
const at = (line: number) => ({ file: 2, line });

table<{ resource: unknown; path: string }, unknown>(
  'readPath',
  [
    { name: 'a key with a token: its value and the line', input: { resource: { spec: { [`hostNetwork${tok(7)}`]: true } }, path: 'spec.hostNetwork' }, expected: { key: { value: true, token: at(7) }, item: null, problem: null } },
    { name: 'a key without a token (a block wrote it)', input: { resource: { spec: { hostNetwork: true } }, path: 'spec.hostNetwork' }, expected: { key: { value: true, token: null }, item: null, problem: null } },
    {
      name: 'tokens on the way to the key are read through',
      input: { resource: { spec: { containers: [{ [`name${tok(4)}`]: 'a', ports: [{ [`hostPort${tok(6)}`]: 7310000 }] }] } }, path: 'spec.containers[0].ports[0].hostPort' },
      expected: { key: { value: 7310000, token: at(6) }, item: null, problem: null },
    },
    {
      name: 'a missing key under a list item with a tokenized name: the item\'s line',
      input: { resource: { spec: { containers: [{ [`name${tok(4)}`]: 'a' }] } }, path: 'spec.containers[0].securityContext.runAsUser' },
      expected: { key: null, item: { token: at(4) }, problem: null },
    },
    {
      name: 'a missing key under a list item whose name has no token',
      input: { resource: { spec: { containers: [{ name: 'a', securityContext: {} }] } }, path: 'spec.containers[0].securityContext.runAsUser' },
      expected: { key: null, item: { token: null }, problem: null },
    },
    {
      name: 'a missing key under the deepest list item',
      input: { resource: { spec: { containers: [{ [`name${tok(4)}`]: 'a', ports: [{ [`name${tok(5)}`]: 'p' }] }] } }, path: 'spec.containers[0].ports[0].hostPort' },
      expected: { key: null, item: { token: at(5) }, problem: null },
    },
    {
      name: 'two keys the same once tokens are removed: ambiguous',
      input: { resource: { spec: { [`hostPID${tok(1)}`]: true, [`hostPID${tok(2)}`]: true } }, path: 'spec.hostPID' },
      expected: { key: null, item: null, problem: 'two keys of the scratch render are both hostPID' },
    },
    {
      name: 'a token key and a plain key of the same name: ambiguous',
      input: { resource: { spec: { hostPID: true, [`hostPID${tok(2)}`]: true } }, path: 'spec.hostPID' },
      expected: { key: null, item: null, problem: 'two keys of the scratch render are both hostPID' },
    },
    { name: 'a path through a missing index, before any list item', input: { resource: { spec: { containers: [] } }, path: 'spec.containers[0].securityContext.runAsUser' }, expected: { key: null, item: null, problem: 'the path is not in the scratch render' } },
    {
      name: 'a path through a missing index after a list item: that item',
      input: { resource: { items: [{ spec: { containers: [] }, [`name${tok(3)}`]: 'x' }] }, path: 'items[0].spec.containers[1].securityContext.runAsUser' },
      expected: { key: null, item: { token: at(3) }, problem: null },
    },
    { name: 'an index into a map is missing', input: { resource: { spec: { containers: {} } }, path: 'spec.containers[0].name' }, expected: { key: null, item: null, problem: 'the path is not in the scratch render' } },
    { name: 'the empty path', input: { resource: {}, path: '' }, expected: { key: null, item: null, problem: 'the path is empty' } },
  ],
  ({ resource, path: dotted }) => {
    const { actual: _actual, ...reading } = readPath(resource, parseFindingPath(dotted));
    return reading;
  },
);

test('readPath: the path as the scratch render spells it, to the key or to the list item', () => {
  const resource = { spec: { containers: [{ [`name${tok(4)}`]: 'a', ports: [{ [`hostPort${tok(6)}`]: 1 }] }] } };
  assert.deepEqual(readPath(resource, parseFindingPath('spec.containers[0].ports[0].hostPort')).actual, ['spec', 'containers', 0, 'ports', 0, `hostPort${tok(6)}`]);
  assert.deepEqual(readPath(resource, parseFindingPath('spec.containers[0].securityContext.runAsUser')).actual, ['spec', 'containers', 0]);
});

// ---- copyChartForProof ------------------------------------------------------------------------

/** Copies `chart` of the current folder into `out` with the compiled copyChartForProof; prints the result. */
const COPY_SCRIPT = `
import { copyChartForProof } from ${JSON.stringify(new URL('../src/targets/helm/proof/proofChart.js', import.meta.url).href)};
process.stdout.write(JSON.stringify(copyChartForProof('chart', 'chart', process.cwd(), 'out')));
`;

/** A folder chart `chart` with a subchart folder and archive, a link out of the chart, a link inside it and a FIFO. */
function buildChartWithArchive(root: string): void {
  const sub = path.join(root, 'build', 'sub');
  mkdirSync(path.join(sub, 'templates'), { recursive: true });
  writeFileSync(path.join(sub, 'Chart.yaml'), 'apiVersion: v2\nname: sub\nversion: 1.0.0\n');
  writeFileSync(path.join(sub, 'values.yaml'), 'hostNetwork: true\n');
  writeFileSync(path.join(sub, 'templates', 'x.yaml'), 'kind: Pod\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n');
  const chart = path.join(root, 'chart');
  mkdirSync(path.join(chart, 'templates'), { recursive: true });
  mkdirSync(path.join(chart, 'charts'), { recursive: true });
  writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: chart\nversion: 1.0.0\n');
  writeFileSync(path.join(chart, 'values.yaml'), 'a: 1\n');
  writeFileSync(path.join(chart, 'templates', 'pod.yaml'), 'kind: Pod\n');
  tar.create({ gzip: true, sync: true, file: path.join(chart, 'charts', 'sub-1.0.0.tgz'), cwd: path.join(root, 'build'), portable: true }, ['sub']);
  const lib = path.join(chart, 'charts', 'lib');
  mkdirSync(path.join(lib, 'templates'), { recursive: true });
  writeFileSync(path.join(lib, 'Chart.yaml'), 'apiVersion: v2\nname: lib\nversion: 1.0.0\n');
  writeFileSync(path.join(lib, 'values.yaml'), 'b: 2\n');
  writeFileSync(path.join(lib, 'templates', 'y.yaml'), 'kind: Pod\n');
  writeFileSync(path.join(root, 'secret.txt'), 'outside the chart\n');
  symlinkSync(path.join(root, 'secret.txt'), path.join(chart, 'templates', 'leak.yaml'));
  symlinkSync(path.join(chart, 'values.yaml'), path.join(chart, 'templates', 'inside.yaml'));
  execFileSync('mkfifo', [path.join(chart, 'templates', 'fifo.yaml')]);
}

test('copyChartForProof: a subchart archive is expanded and named as chartTree shows it; no link out, no FIFO', { skip: process.platform === 'win32' ? 'symlinks and FIFOs' : false }, () => {
  const root = path.join(scratch, 'copy');
  buildChartWithArchive(root);
  // Reading a FIFO would block this process for good, where no test timeout can fire: the copy
  // runs in a child that is killed after a while, and prints what it copied.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', COPY_SCRIPT], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.signal, null, 'the copy did not hang on the FIFO');
  assert.equal(child.status, 0, child.stderr);
  const copy = JSON.parse(child.stdout) as ProofChart;
  assert.equal(copy.chart, path.join('out', 'chart'));
  const byShown = Object.fromEntries(copy.files.map((file) => [file.shown, { template: file.template, values: file.values, text: file.text, at: path.relative(copy.chart, file.file) }]));
  const copied = path.join(root, copy.chart);
  assert.deepEqual(byShown, {
    'chart/Chart.yaml': { template: false, values: false, text: null, at: 'Chart.yaml' },
    'chart/charts/lib/Chart.yaml': { template: false, values: false, text: null, at: 'charts/lib/Chart.yaml' },
    'chart/charts/lib/templates/y.yaml': { template: true, values: false, text: 'kind: Pod\n', at: 'charts/lib/templates/y.yaml' },
    'chart/charts/lib/values.yaml': { template: false, values: true, text: 'b: 2\n', at: 'charts/lib/values.yaml' },
    'chart/charts/sub-1.0.0.tgz!/sub/Chart.yaml': { template: false, values: false, text: null, at: 'charts/sub-1.0.0-expanded/Chart.yaml' },
    'chart/charts/sub-1.0.0.tgz!/sub/templates/x.yaml': {
      template: true,
      values: false,
      text: 'kind: Pod\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n',
      at: 'charts/sub-1.0.0-expanded/templates/x.yaml',
    },
    'chart/charts/sub-1.0.0.tgz!/sub/values.yaml': { template: false, values: true, text: 'hostNetwork: true\n', at: 'charts/sub-1.0.0-expanded/values.yaml' },
    'chart/templates/inside.yaml': { template: true, values: false, text: 'a: 1\n', at: 'templates/inside.yaml' },
    'chart/templates/pod.yaml': { template: true, values: false, text: 'kind: Pod\n', at: 'templates/pod.yaml' },
    'chart/values.yaml': { template: false, values: true, text: 'a: 1\n', at: 'values.yaml' },
  });
  for (const file of copy.files) assert.equal(readFileSync(path.join(root, file.file), 'utf8').length > 0, true, `${file.shown} written`);
  assert.throws(() => readFileSync(path.join(copied, 'templates', 'leak.yaml')), /ENOENT/, 'the link out of the chart is not copied');
  assert.throws(() => readFileSync(path.join(copied, 'charts', 'sub-1.0.0.tgz')), /ENOENT/, 'the archive itself is replaced by its folder');
});

test('copyChartForProof: a chart given as a .tgz is expanded, its files named inside the archive', () => {
  const root = path.join(scratch, 'archive');
  const sub = path.join(root, 'src', 'hello');
  mkdirSync(path.join(sub, 'templates'), { recursive: true });
  writeFileSync(path.join(sub, 'Chart.yaml'), 'apiVersion: v2\nname: hello\nversion: 1.0.0\n');
  writeFileSync(path.join(sub, 'templates', 'pod.yaml'), 'kind: Pod\n');
  tar.create({ gzip: true, sync: true, file: path.join(root, 'hello-1.0.0.tgz'), cwd: path.join(root, 'src'), portable: true }, ['hello']);
  const copy = copyChartForProof('hello-1.0.0.tgz', 'hello-1.0.0.tgz', root, path.join(root, 'out'));
  assert.deepEqual(
    copy.files.map((file) => [file.shown, file.template, path.relative(copy.chart, file.file)]),
    [
      ['hello-1.0.0.tgz!/hello/Chart.yaml', false, 'Chart.yaml'],
      ['hello-1.0.0.tgz!/hello/templates/pod.yaml', true, path.join('templates', 'pod.yaml')],
    ],
  );
});

// ---- markBlocks with the real Helm ------------------------------------------------------------

/** Templates with block lines, each as a chart would write it, and a key its block writes. */
const BLOCK_TEMPLATES: { name: string; text: string; key: string; inBlockScalar?: true }[] = [
  {
    name: 'nindent-left-trim.yaml',
    key: 'runAsUser',
    text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  securityContext:\n    {{- toYaml .Values.podSc | nindent 4 }}\n  containers:\n    - name: c\n      image: x\n',
  },
  {
    name: 'indent-column-0.yaml',
    key: 'hostPort',
    text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n    - name: c\n      image: x\n      ports:\n{{ toYaml .Values.ports | indent 6 }}\n  hostNetwork: true\n',
  },
  {
    name: 'right-trim.yaml',
    key: 'hostPID',
    text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\nspec:\n  {{- with .Values.hostFlags }}\n  {{- toYaml . | nindent 2 -}}\n  {{- end }}\n  containers:\n    - name: c\n      image: x\n',
  },
  {
    name: 'nindent-trim.yaml',
    key: 'runAsUser',
    text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        {{ toYaml .Values.podSc | nindent 8 | trim }}\n',
  },
  {
    name: 'include-define.yaml',
    key: 'runAsUser',
    text:
      '{{- define "t.sc" -}}\n{{ toYaml .Values.podSc }}\n{{- end }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e\nspec:\n  securityContext:\n    {{- include "t.sc" . | nindent 4 }}\n  containers:\n    - name: c\n      image: x\n',
  },
  {
    name: 'with-block.yaml',
    key: 'hostPort',
    text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: f\nspec:\n  containers:\n    - name: c\n      image: x\n      {{- with .Values.ports }}\n      ports:\n        {{- toYaml . | nindent 8 }}\n      {{- end }}\n',
  },
  {
    name: 'block-scalar.yaml',
    key: 'nested',
    inBlockScalar: true,
    text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: g\ndata:\n  x.yaml: |\n{{ toYaml .Values.cfg | indent 4 }}\n  other: v\n',
  },
];

const BLOCK_VALUES = [
  'podSc:',
  '  runAsUser: 1000',
  '  fsGroup: 2000',
  'ports:',
  '  - containerPort: 80',
  '    hostPort: 8080',
  '  - containerPort: 81',
  'hostFlags:',
  '  hostPID: true',
  '  hostIPC: false',
  'cfg:',
  '  a: 1',
  '  nested:',
  '    b: [1, 2]',
  '',
].join('\n');

/** A chart of the block templates, marked or not; its `helm template` output, split by source file. */
function renderBlockChart(helm: string, root: string, mark: boolean): Map<string, string> {
  const chart = path.join(root, mark ? 'marked' : 'plain');
  mkdirSync(path.join(chart, 'templates'), { recursive: true });
  writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: blocks\nversion: 1.0.0\n');
  writeFileSync(path.join(chart, 'values.yaml'), BLOCK_VALUES);
  BLOCK_TEMPLATES.forEach(({ name, text }, file) => {
    const marked = mark ? markBlocks(text, file) : text;
    assert.ok(marked !== null, `${name} has a block line`);
    writeFileSync(path.join(chart, 'templates', name), marked);
  });
  const home = makeHelmHome(path.join(root, 'home'));
  const result = runSync(helm, ['template', 'r', chart], { cwd: root, env: home.env });
  assert.equal(result.status, 0, `helm template ${mark ? 'marked' : 'plain'}: ${result.stderr}`);
  const bySource = new Map<string, string>();
  for (const part of result.stdout.split(/^---\n/m)) {
    const source = /^# Source: blocks\/templates\/(.+)$/m.exec(part)?.[1];
    if (source) bySource.set(source, part);
  }
  return bySource;
}

const MARKER_LINE = /^[ \t]*#hns(?:beg|end)\d+x\d+\n?/gm;

/** The data of a document, comments ignored; with `unmark`, marker lines taken out of strings. */
function dataOf(text: string, unmark = false): unknown {
  const documents = parseAllDocuments(text);
  for (const document of documents) assert.deepEqual(document.errors, [], text);
  const data: unknown = documents.map((d) => d.toJS());
  return unmark ? JSON.parse(JSON.stringify(data, (_key, value: unknown) => (typeof value === 'string' ? value.replace(MARKER_LINE, '') : value))) : data;
}

for (const tool of HELM_VERSIONS) {
  test(`markBlocks with ${tool.label}: the marked chart renders the same data, each block's key between its markers`, { timeout: 60_000 }, () => {
    const root = path.join(scratch, `render-${tool.label}`);
    const plain = renderBlockChart(tool.helm, root, false);
    const marked = renderBlockChart(tool.helm, root, true);
    assert.deepEqual([...marked.keys()].sort(), BLOCK_TEMPLATES.map((b) => b.name).sort(), 'every template rendered');
    for (const [file, { name, key, inBlockScalar }] of BLOCK_TEMPLATES.entries()) {
      const output = marked.get(name)!;
      if (inBlockScalar) {
        // Inside a block scalar the markers are text, not comments (indented so the scalar goes on):
        // the string holds them, and nothing else changes.
        assert.notDeepEqual(dataOf(output), dataOf(plain.get(name)!), `${name}: the markers are in the string`);
        assert.deepEqual(dataOf(output, true), dataOf(plain.get(name)!), `${name}: the same data once the marker lines are taken out\n${output}`);
      } else assert.deepEqual(dataOf(output), dataOf(plain.get(name)!), `${name}: the same data as without markers\n${output}`);
      const lines = output.split('\n');
      const begin = lines.findIndex((line) => /^\s*#hnsbeg(\d+)x\d+\s*$/.exec(line)?.[1] === String(file));
      const end = lines.findIndex((line) => /^\s*#hnsend(\d+)x\d+\s*$/.exec(line)?.[1] === String(file));
      const keyLine = lines.findIndex((line) => new RegExp(`^\\s*(?:-\\s+)?${key}:`).test(line));
      assert.ok(begin !== -1 && begin < keyLine && keyLine < end, `${name}: ${key} (line ${keyLine}) between the markers (${begin}..${end})\n${output}`);
    }
  });
}
