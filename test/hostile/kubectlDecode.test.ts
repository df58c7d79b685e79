// The differential test against Kubernetes' own decoder: `kubectl label --local -f DIR x=y -o
// json` decodes every manifest as the API machinery does (go-yaml v2 through sigs.k8s.io/yaml,
// client side, no cluster). Over the fixtures, the fixture and corpus charts rendered by Helm, the
// conformance data and thousands of seeded mutations aimed at merge keys, anchors, odd line
// breaks, YAML 1.1 scalars, tags and duplicate keys, the value the tool checks (parseManifest, as
// the pipeline calls it) must equal kubectl's object, or the tool must report the document as an
// error. The seed is printed; FUZZ_SEED=<n> replays a run, KUBECTL_MUTATIONS=<n> changes its size.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseManifest } from '../../src/manifests/parseManifest.js';
import { quickType } from '../../src/manifests/quickKind.js';
import { splitDocuments, type RawDocument } from '../../src/manifests/splitDocuments.js';
import { FIELDS_NEVER_READ, kindNeverHoldsPods } from '../../src/rules/findPodSpecs.js';
import { HELM4, KUBECTL_132, KUBECTL_133, PROJECT_ROOT, sharedDir } from '../support/tools.js';
import { yamlFilesUnder } from '../support/yamlFiles.js';
import { random } from '../support/random.js';

const seed = Number(process.env.FUZZ_SEED ?? 20261127);
const mutations = Number(process.env.KUBECTL_MUTATIONS ?? 8500);
const kubectl = [KUBECTL_133, KUBECTL_132].find((file) => existsSync(file)) ?? null;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-kubectl-decode-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Scalars whose reading differs between YAML 1.1, YAML 1.2, go-yaml and JavaScript. */
const SCALARS = [
  'true', 'false', 'yes', 'no', 'y', 'n', 'Y', 'N', 'on', 'off', 'On', 'OFF', 'TRUE', 'True', 'tRue', '~', 'null', 'Null', '',
  '0', '00', '000', '0o0', '0x0', '0X0', '0b0', '0B1', '0_0', '-0', '+0', '0.0', '-0.0', '.0', '0.', '1:00', '0:0', '190:20:30',
  '1_000', '010', '08', '09', '0o17', '0O17', '0x1F', '0x_1F', '1e3', '1E3', '1e+3', '.5', '+.5', '-.5', '1.5e-3', '0e0', '.inf',
  '-.inf', '.nan', '.NaN', '2001-12-14', '2001-12-14T21:59:43.10Z', '2001-12-14 21:59:43.10', '2002-02-30', '9223372036854775807',
  '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616', '1e400',
  '0b1_0', '-0b11', '0b-1', '+0x10', '1__', '_1', '20000', '65534', '8080', '"0"', "'0'", '"true"', "'yes'", '!!str 0', '!!int "0"',
  '!!int 0x0', '!!bool "yes"', '!!bool true', '!!float 0', '!!float "1.5"', '!!null ~', '!!null ""', '! 0', '!foo 0', '! yes',
  '!!timestamp 2001-12-14', '!!timestamp 2001-13-14', '!!binary dHJ1ZQ==', '!!binary "MA=="', '!!int abc', '!!str true', '!!map 0',
  '!<tag:yaml.org,2002:int> 0', 'x', '"x"', '[]', '{}', '[0]', '{a: 1}', '"\\x30"', '"\\u0030"', '"a\\tb"', "'it''s'",
];
const FIELDS = ['hostNetwork', 'hostPID', 'hostIPC', 'runAsUser', 'privileged', 'hostPort', 'nodeName'];
const BREAKS = ['\u2028', '\u2029', '\u0085', '\r'];
const KEYS = ['yes', 'on', 'y', 'n', '1', '0x10', '01', '1.5', '1e3', '~', 'null', '"1"', '.inf', '.nan', '2001-12-14', '1:00', '!!str 1', '!!int "1"', '"<<"', '! <<', '!!merge <<', '? [a]', '*k'];

type Next = () => number;
const pick = <T>(next: Next, list: readonly T[]): T => list[Math.floor(next() * list.length)]!;

/** Lines of one construct aimed at go-yaml's reading, at one mapping's indentation. */
function construct(next: Next, indent: string, n: number): string[] {
  const field = pick(next, FIELDS);
  const value = () => pick(next, SCALARS);
  const lineBreak = pick(next, BREAKS);
  switch (Math.floor(next() * 12)) {
    case 0:
      return [`${field}: ${value()}`];
    case 1: {
      // A merge before or after the explicit key.
      const lines = [`${field}: ${value()}`, `<<: *m${n}`];
      if (next() < 0.5) lines.reverse();
      return [`x-m${n}: &m${n} {${field}: ${value()}}`, ...lines];
    }
    case 2: {
      // A list of merges, and explicit keys around it.
      const lines = [`<<: [*a${n}, *b${n}]`];
      if (next() < 0.5) lines.unshift(`${field}: ${value()}`);
      if (next() < 0.3) lines.push(`${field}: ${value()}`);
      return [`x-a${n}: &a${n} {${field}: ${value()}}`, `x-b${n}: &b${n} {${field}: ${value()}, other: 1}`, ...lines];
    }
    case 3:
      return next() < 0.5 ? [`<<: {${field}: ${value()}}`, `${field}: ${value()}`] : [`${field}: ${value()}`, '<<:', `  ${field}: ${value()}`];
    case 4:
      // A line break that ends a comment for go-yaml, then a key at some indentation.
      return [`# tuning${lineBreak}${pick(next, ['', '  ', ' '])}${field}: ${value()}`];
    case 5:
      return [`${field}: ${pick(next, [`"a${lineBreak}b"`, `a${lineBreak}b`, `'a${lineBreak}  b'`, `x #${lineBreak}y`, `${value()}${lineBreak}`])}`];
    case 6:
      return [`${field}: ${value()}`, `${field}: ${value()}`];
    case 7:
      return [`${pick(next, KEYS.filter((key) => key !== '*k'))}: ${value()}`, ...(next() < 0.4 ? [`${pick(next, KEYS.slice(0, 9))}: ${value()}`] : [])];
    case 8:
      return [`x-v${n}: &v${n} ${value()}`, `${field}: *v${n}`];
    case 9:
      return [pick(next, [`"${field}": ${value()}`, `'${field}': ${value()}`, `? ${field}\n${indent}: ${value()}`, `${field} : ${value()}`])];
    case 10:
      return [`x-k${n}: &k ${pick(next, ['hostNetwork', 'yes', '1', 'a'])}`, `*k : ${value()}`];
    default:
      return [pick(next, [`${field}: !!map {a: 1}`, `${field}: !!seq [1]`, `${field}: !!str {a: 1}`, `x-${n}: !!set {a, b}`, `${field}: &s [*s]`])];
  }
}

/** A Pod with a few constructs in its spec and in its container's securityContext. */
function generatedPod(next: Next, index: number): string {
  const spec: string[] = [];
  const security: string[] = [];
  for (let i = 0, count = 1 + Math.floor(next() * 4); i < count; i++) {
    if (next() < 0.6) spec.push(...construct(next, '  ', i));
    else security.push(...construct(next, '        ', i));
  }
  const indent = (lines: string[], by: string) => lines.map((line) => by + line.replace(/\n/g, `\n${by}`)).join('\n');
  const securityBlock = security.length > 0 ? `\n${indent(security, '        ')}` : ' {}';
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: generated-${index}\nspec:\n${spec.length > 0 ? `${indent(spec, '  ')}\n` : ''}  containers:\n    - name: c\n      image: i\n      securityContext:${securityBlock}\n`;
}

/** A real document with one value swapped, or a merge, comment break or duplicate inserted. */
function mutatedDocument(next: Next, text: string, index: number): string {
  const lines = text.split('\n');
  const candidates = lines.map((line, i) => [line, i] as const).filter(([line]) => /^\s*(?:- )?[\w.-]+: \S/.test(line));
  if (candidates.length === 0) return text;
  const [line, at] = pick(next, candidates);
  const match = /^(\s*(?:- )?)([\w.-]+): (.*)$/.exec(line)!;
  const indent = match[1]!.replace('-', ' ');
  const key = match[2]!;
  switch (Math.floor(next() * 4)) {
    case 0:
      lines[at] = `${match[1]}${key}: ${pick(next, SCALARS)}`;
      break;
    case 1:
      lines.splice(at + 1, 0, `${indent}# note${pick(next, BREAKS)}${indent}${key}: ${pick(next, SCALARS)}`);
      break;
    case 2:
      lines[at] = `${match[1]}x-m${index}: &m${index} {${key}: ${pick(next, SCALARS)}}`;
      lines.splice(at + 1, 0, ...(next() < 0.5 ? [`${indent}${key}: ${match[3]}`, `${indent}<<: *m${index}`] : [`${indent}<<: *m${index}`, `${indent}${key}: ${match[3]}`]));
      break;
    default:
      lines.splice(at + 1, 0, `${indent}${key}: ${pick(next, SCALARS)}`);
  }
  return lines.join('\n');
}

/** Every document of a text, as the splitter hands them to the pipeline. */
async function documentsOf(text: string): Promise<RawDocument[]> {
  const out: RawDocument[] = [];
  for await (const raw of splitDocuments([text])) if (raw.tooLarge === undefined && raw.text.trim() !== '') out.push(raw);
  return out;
}

/** What the pipeline makes of a document: skipped by its kind, refused, or the values it checks. */
type ToolView = { skippedKind: string } | { error: string } | { values: unknown[] };

function toolView(raw: RawDocument): ToolView {
  const type = quickType(raw.text);
  if (type !== null && kindNeverHoldsPods(type.apiVersion, type.kind)) return { skippedKind: type.kind };
  const parsed = parseManifest(raw, FIELDS_NEVER_READ);
  if (parsed.errors.length > 0) return { error: parsed.errors[0]!.message };
  const values = parsed.manifests.map((manifest) => manifest.value).filter((value) => value !== null && value !== undefined);
  if (values.some((value) => typeof value !== 'object' || Array.isArray(value))) return { error: 'not an object' };
  return { values };
}

/** As JSON carries it, without the keys the tool passes over, kubectl's rewrites of labels and namespace, or empty metadata. */
function normalized(value: unknown, fromKubectl: boolean): unknown {
  const prune = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(prune);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(Object.entries(node).filter(([key]) => !FIELDS_NEVER_READ.has(key)).map(([key, item]) => [key, prune(item)]));
  };
  const copy = prune(JSON.parse(JSON.stringify(value))) as Record<string, unknown>;
  const metadata = copy.metadata as Record<string, unknown> | null | undefined;
  if (metadata && typeof metadata === 'object') {
    const labels = metadata.labels as Record<string, unknown> | null | undefined;
    if (fromKubectl && labels && typeof labels === 'object') delete labels.x;
    // kubectl rewrites the labels as a string map (a null value becomes ""), not a YAML matter.
    if (!fromKubectl && labels && typeof labels === 'object') for (const [key, item] of Object.entries(labels)) if (item === null) labels[key] = '';
    // kubectl's builder sets the namespace it resolved, dropping a null or empty one (not a YAML matter).
    if (metadata.namespace === null || metadata.namespace === '') delete metadata.namespace;
    if (labels === null || (typeof labels === 'object' && Object.keys(labels).length === 0)) delete metadata.labels;
    if (Object.keys(metadata).length === 0) delete copy.metadata;
  } else if (metadata === null) delete copy.metadata;
  return copy;
}

function renderCharts(dirs: string[]): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  for (const dir of dirs) {
    if (!existsSync(path.join(dir, 'Chart.yaml'))) continue;
    const result = spawnSync(HELM4, ['template', 'decode-test', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    if (result.status === 0) out.push({ label: `helm template ${path.basename(dir)}`, text: result.stdout });
  }
  return out;
}

const subfolders = (dir: string) => readdirSync(dir).map((name) => path.join(dir, name)).filter((full) => statSync(full).isDirectory());

test(`kubectl decodes every document as the tool reads it (seed ${seed})`, { skip: kubectl ? false : 'kubectl is missing (npm run tools fetches it)', timeout: 600_000 }, async (t) => {
  t.diagnostic(`seed ${seed}; replay with FUZZ_SEED=${seed}; kubectl ${kubectl}`);
  const sources: { label: string; text: string }[] = [];
  for (const file of yamlFilesUnder(path.join(PROJECT_ROOT, 'test/fixtures'))) sources.push({ label: path.relative(PROJECT_ROOT, file), text: readFileSync(file, 'utf8') });
  const charts = subfolders(path.join(PROJECT_ROOT, 'charts-fixtures'));
  const shared = sharedDir();
  if (shared) {
    for (const file of yamlFilesUnder(path.join(shared, 'conformance'))) sources.push({ label: path.relative(shared, file), text: readFileSync(file, 'utf8') });
    charts.push(...subfolders(path.join(shared, 'corpus/charts')));
  } else t.diagnostic('../shared is absent: no conformance data or corpus charts');
  if (existsSync(HELM4)) sources.push(...renderCharts(charts));
  else t.diagnostic('Helm is missing: charts are not rendered');

  const documents: { label: string; raw: RawDocument }[] = [];
  for (const source of sources) {
    for (const raw of await documentsOf(source.text)) documents.push({ label: `${source.label} (document at line ${raw.startLine})`, raw });
  }
  const real = documents.length;
  const next = random(seed);
  for (let i = 0; i < mutations; i++) {
    const text = next() < 0.7 ? generatedPod(next, i) : mutatedDocument(next, pick(next, documents.slice(0, real)).raw.text, i);
    for (const raw of await documentsOf(text)) documents.push({ label: `mutation ${i} ${JSON.stringify(text)}`, raw });
  }

  // One file per document, each followed by a sentinel object that marks where its output ends.
  const dir = path.join(scratch, 'documents');
  mkdirSync(dir);
  const id = (i: number) => String(i).padStart(6, '0');
  documents.forEach(({ raw }, i) => {
    writeFileSync(path.join(dir, `${id(i)}-a.yaml`), raw.text);
    writeFileSync(path.join(dir, `${id(i)}-b.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sentinel-${id(i)}\n`);
  });
  const started = Date.now();
  const result = spawnSync(kubectl!, ['label', '--local', '-f', dir, 'x=y', '-o', 'json'], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  t.diagnostic(`kubectl decoded ${documents.length} documents (${real} real, the rest mutations) in ${Date.now() - started} ms`);
  const refused = new Set([...result.stderr.matchAll(/(\d{6})-a\.yaml/g)].map((match) => Number(match[1])));
  assert.ok(!/\d{6}-b\.yaml/.test(result.stderr), `a sentinel was refused: ${result.stderr.slice(0, 2000)}`);

  const outputs = new Map<number, unknown[]>();
  let group: unknown[] = [];
  for (const chunk of result.stdout.split(/\n(?=\{$)/m)) {
    if (chunk.trim() === '') continue;
    const object = JSON.parse(chunk) as { kind?: string; metadata?: { name?: string } };
    const sentinel = object.kind === 'ConfigMap' ? /^sentinel-(\d{6})$/.exec(object.metadata?.name ?? '') : null;
    if (sentinel) {
      outputs.set(Number(sentinel[1]), group);
      group = [];
    } else group.push(object);
  }
  assert.equal(outputs.size, documents.length, 'every sentinel came back');

  const tally = { compared: 0, kubectlRefused: 0, toolRefused: 0, skippedByKind: 0, lists: 0, toolRefusedKubectlAccepted: 0 };
  const disagreements: string[] = [];
  documents.forEach(({ label, raw }, i) => {
    const decoded = outputs.get(i) ?? [];
    const view = toolView(raw);
    if (refused.has(i)) {
      tally.kubectlRefused++;
      if ('error' in view) tally.toolRefused++;
      return;
    }
    if ('error' in view) {
      tally.toolRefused++;
      tally.toolRefusedKubectlAccepted++;
      if (process.env.KUBECTL_DECODE_VERBOSE) t.diagnostic(`refused, kubectl accepts: ${label}: ${view.error}`);
      return;
    }
    if ('skippedKind' in view) {
      tally.skippedByKind++;
      const kinds = decoded.map((object) => (object as { kind?: unknown }).kind);
      if (kinds.length !== 1 || kinds[0] !== view.skippedKind) disagreements.push(`${label}: skipped as ${view.skippedKind}, kubectl decodes ${JSON.stringify(kinds)}`);
      return;
    }
    const first = view.values[0] as { kind?: unknown; items?: unknown } | undefined;
    if (first && typeof first.kind === 'string' && first.kind.endsWith('List') && Array.isArray(first.items)) {
      tally.lists++; // kubectl flattens lists into their items: another part's comparison
      return;
    }
    tally.compared++;
    const ours = first === undefined ? [] : [normalized(first, false)];
    const theirs = decoded.map((object) => normalized(object, true));
    try {
      assert.deepStrictEqual(ours, theirs);
    } catch {
      disagreements.push(`${label}:\n  tool:    ${JSON.stringify(ours)}\n  kubectl: ${JSON.stringify(theirs)}`);
    }
  });
  t.diagnostic(JSON.stringify(tally));
  if (mutations >= 8500) assert.ok(tally.compared >= 5000, `only ${tally.compared} documents compared`);
  assert.deepEqual(disagreements.slice(0, 20), [], `${disagreements.length} disagreements (seed ${seed}); the first:\n${disagreements.slice(0, 5).join('\n')}`);
});
