// The layout's promises, checked on the source: no import cycles, arrows only from the CLI down
// to the targets and from there to the core, one target kind never reaching into another except
// by the named edges, and every file opening with a comment that says what it holds.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from './support/tools.js';

const SRC = path.join(PROJECT_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of a file, static, type-only or dynamic, as a path relative to src/. */
export function importsOf(text: string, file: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)) {
    const target = path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts'));
    found.push(path.relative(SRC, target).split(path.sep).join('/'));
  }
  return found;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    graph.set(path.relative(SRC, file).split(path.sep).join('/'), importsOf(readFileSync(file, 'utf8'), file));
  }
  return graph;
}

/** The cycles of a graph, each once, as the list of files around it. */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** Which layer a file is in: the CLI, the targets (with their kind), the process shell, or the core. */
function layerOf(file: string): { layer: 'cli' | 'targets' | 'process' | 'core'; kind?: string } {
  const [top, second] = file.split('/');
  if (top === 'cli') return { layer: 'cli' };
  if (top === 'process') return { layer: 'process' };
  if (top === 'targets') return { layer: 'targets', kind: second?.endsWith('.ts') ? undefined : second };
  return { layer: 'core' };
}

/** Kind-to-kind imports the design names: Kustomize maps `helmCharts` through Helm's mapping, and
 *  plain manifests from `kustomize build` map through Kustomize's origin annotations, and those
 *  from `helm template` (`scan --chart`) through Helm's mapping. */
const ALLOWED_CROSS_KIND = new Set(['kustomize->helm', 'manifests->kustomize', 'manifests->helm', 'postrender->helm']);

test('cyclesOf finds a cycle and its files, and none in a tree', () => {
  assert.deepEqual(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), [['a', 'b', 'c', 'a']]);
  assert.deepEqual(cyclesOf(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('importsOf reads static, type-only and dynamic imports, not node: or package imports', () => {
  const file = path.join(SRC, 'cli', 'x.ts');
  const text = "import a from './a.js';\nimport type { B } from '../b/b.js';\nconst c = await import('../c.js');\nimport d from 'node:fs';\nimport './side.js';\n";
  assert.deepEqual(importsOf(text, file), ['cli/a.ts', 'b/b.ts', 'c.ts', 'cli/side.ts']);
});

test('src has no import cycles, dynamic imports included', () => {
  assert.deepEqual(cyclesOf(importGraph()), []);
});

test('imports run from the CLI down to the targets, then to the core; kinds stay in their folders', () => {
  const wrong: string[] = [];
  for (const [file, imports] of importGraph()) {
    const from = layerOf(file);
    for (const target of imports) {
      const to = layerOf(target);
      if (to.layer === 'cli' && from.layer !== 'cli') wrong.push(`${file} -> ${target}: only the CLI imports the CLI`);
      if (to.layer === 'targets' && from.layer === 'core') wrong.push(`${file} -> ${target}: the core knows no target`);
      if (to.layer === 'targets' && from.layer === 'process') wrong.push(`${file} -> ${target}: process handling knows no target`);
      if (from.kind && to.kind && from.kind !== to.kind && !ALLOWED_CROSS_KIND.has(`${from.kind}->${to.kind}`)) {
        wrong.push(`${file} -> ${target}: one target kind reaching into another`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('every source file opens with a comment that says what it holds', () => {
  const bare = sourceFiles(SRC)
    .filter((file) => !/^\/\/ \S/.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(SRC, file));
  assert.deepEqual(bare, []);
});
