// `run --shard I/N` and `run --list`: every target in exactly one shard for N = 1..5, a stable
// share (adding a target moves no other), shard reports that add up to the unsharded run, and
// the list a CI matrix reads. Plain manifests targets: no renderer needed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { inShard, parseShard, shardOf } from '../src/cli/runSelection.js';
import type { Report } from '../src/types.js';
import { assertNoStackTrace, runCli } from './support/runCli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hostns-shards-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = Array.from({ length: 12 }, (_, i) => `app-${i}`);
mkdirSync(path.join(dir, 'm'));
for (const name of NAMES) {
  const hostNetwork = Number(name.slice(4)) % 3 === 0;
  writeFileSync(
    path.join(dir, 'm', `${name}.yaml`),
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  hostNetwork: ${hostNetwork}\n  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        runAsUser: 20000\n`,
  );
}
const config = (names: string[]) => `targets:\n${names.map((name) => `  - manifests: m/${name}.yaml\n    name: ${name}\n`).join('')}`;
writeFileSync(path.join(dir, '.hostns-check.yaml'), config(NAMES));

function list(args: string[], cwd = dir): { name: string; type: string; path: string }[] {
  const result = runCli(['run', '--list', '--format', 'json', ...args], { cwd });
  assertNoStackTrace(result.stderr);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

test('parseShard takes 0-based I/N and refuses anything else', () => {
  assert.deepEqual(parseShard('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShard('3/4'), { index: 3, count: 4 });
  for (const bad of ['4/4', '1/0', '-1/3', 'a/b', '1', '1/2/3', '']) assert.equal(typeof parseShard(bad), 'string', bad);
});

test('a target\'s shard depends only on its name', () => {
  for (const count of [1, 2, 3, 4, 5]) {
    const before = new Map(NAMES.map((name) => [name, shardOf(name, count)]));
    const grown = [...NAMES, 'added-later'].map((name) => ({ name }));
    const shards = Array.from({ length: count }, (_, index) => inShard(grown, { index, count }).map((t) => t.name));
    for (const name of NAMES) assert.ok(shards[before.get(name)!]!.includes(name), `${name} stays in its shard when a target is added (N=${count})`);
  }
});

test('run --list --format json prints every target as a CI matrix reads it', () => {
  assert.deepEqual(list([]), NAMES.map((name) => ({ name, type: 'manifests', path: `m/${name}.yaml` })));
  const text = runCli(['run', '--list'], { cwd: dir });
  assert.equal(text.status, 0);
  assert.equal(text.stdout, NAMES.map((name) => `${name}\tmanifests\tm/${name}.yaml\n`).join(''));
});

test('the union of --shard i/N for N in 1..5 is every target, none twice', () => {
  for (let count = 1; count <= 5; count++) {
    const seen: string[] = [];
    for (let index = 0; index < count; index++) seen.push(...list(['--shard', `${index}/${count}`]).map((t) => t.name));
    assert.deepEqual([...seen].sort(), [...NAMES].sort(), `N=${count}`);
  }
  assert.ok(list(['--shard', '0/2']).length < NAMES.length, 'a shard is a share, not everything');
});

test('adding a target moves no other between shards', () => {
  const grown = path.join(dir, 'grown.yaml');
  writeFileSync(grown, config([...NAMES.slice(0, 5), 'app-new', ...NAMES.slice(5)]));
  for (let index = 0; index < 3; index++) {
    const before = list(['--shard', `${index}/3`]).map((t) => t.name);
    const after = list(['--shard', `${index}/3`, '--config', 'grown.yaml']).map((t) => t.name).filter((name) => name !== 'app-new');
    assert.deepEqual(after, before);
  }
});

test('shard reports add up to the unsharded run; an empty shard is an empty report; a bad --shard is exit 2', () => {
  const json = (args: string[]) => {
    const result = runCli(['run', '--format', 'json', ...args], { cwd: dir });
    assertNoStackTrace(result.stderr);
    return { status: result.status, report: JSON.parse(result.stdout) as Report };
  };
  const whole = json([]);
  assert.equal(whole.status, 1);
  const parts = [0, 1, 2, 3].map((index) => json(['--shard', `${index}/4`]));
  const key = (report: Report) => report.findings.map((f) => `${f.target}:${f.check}`);
  assert.deepEqual(parts.flatMap((p) => key(p.report)).sort(), key(whole.report).sort());
  assert.deepEqual(parts.flatMap((p) => p.report.targets.map((t) => t.name)).sort(), [...NAMES].sort());
  const single = path.join(dir, 'single.yaml');
  writeFileSync(single, config(['app-1']));
  const empty = [0, 1, 2, 3, 4, 5].map((index) => json(['--shard', `${index}/6`, '--config', 'single.yaml'])).find((p) => p.report.targets.length === 0)!;
  assert.equal(empty.status, 0);
  assert.deepEqual(empty.report.findings, []);
  const bad = runCli(['run', '--shard', '4/4'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--shard 4\/4: I must be at least 0 and below N/);
});
