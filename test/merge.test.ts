// `merge REPORT.json…`: the JSON reports of `run --shard i/N` merged give, byte for byte, the
// report of one run over all targets in all seven formats (for N = 1..5, with and without
// --base), with run's exit code; the merged SARIF is schema-valid with one run per category;
// what is not a whole split of shard reports is exit 2 naming the file. Plain manifests targets
// in a git repository the test creates: no renderer needed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FORMATS } from '../src/report/formatNames.js';
import { sarifSchemaErrors } from './support/formats.js';
import { gitIn } from './support/git.js';
import { assertNoStackTrace, runCli } from './support/runCli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hostns-merge-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function git(...args: string[]): void {
  gitIn(dir, dir, ...args);
}

const pod = (name: string, hostNetwork: boolean, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  hostNetwork: ${hostNetwork}\n${extra}  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        runAsUser: 20000\n`;
const config = (names: string[]) => `targets:\n${names.map((name) => `  - manifests: m/${name}.yaml\n    name: ${name}\n`).join('')}`;

function writePods(names: string[], hostNetwork: (name: string) => boolean): void {
  mkdirSync(path.join(dir, 'm'), { recursive: true });
  for (const name of names) {
    // Two hostPorts and hostPID on some: several findings per target, on several lines.
    const extra = name.endsWith('4') ? '  hostPID: true\n' : '';
    writeFileSync(path.join(dir, 'm', `${name}.yaml`), pod(name, hostNetwork(name), extra));
  }
}

const NAMES = Array.from({ length: 12 }, (_, i) => `app-${i}`);
writePods(NAMES, (name) => Number(name.slice(4)) % 3 === 0);
writeFileSync(path.join(dir, '.hostns-check.yaml'), config(NAMES));
git('init', '-q');
git('add', '-A');
git('commit', '-q', '-m', 'base');
git('tag', 'base');
// The head: app-0 fixed, app-1 new, app-3 removed (its findings fixed), app-new added.
const HEAD = [...NAMES.filter((name) => name !== 'app-3'), 'app-new'];
writePods(HEAD, (name) => name === 'app-new' || name === 'app-1' || (name !== 'app-0' && Number(name.slice(4)) % 3 === 0));
writeFileSync(path.join(dir, '.hostns-check.yaml'), config(HEAD));

function cli(args: string[]) {
  const result = runCli(args, { cwd: dir });
  assertNoStackTrace(result.stderr);
  return result;
}

function shardFiles(count: number, extra: readonly string[], tag: string): string[] {
  return Array.from({ length: count }, (_, index) => {
    const file = `shard-${tag}-${index}-of-${count}.json`;
    const result = cli(['run', '--format', 'json', '--shard', `${index}/${count}`, '-o', file, ...extra]);
    assert.ok(result.status === 0 || result.status === 1 || (result.status === 2 && extra.includes('broken.yaml')), result.stderr);
    return file;
  });
}

for (const [tag, extra] of [
  ['plain', []],
  ['base', ['--base', 'base']],
] as const) {
  test(`merge of --shard i/N, N = 1..5, equals one run in all seven formats (${tag})`, () => {
    const whole = new Map(FORMATS.map((format) => [format, cli(['run', '--format', format, ...extra])]));
    assert.equal(whole.get('json')!.status, 1, whole.get('json')!.stderr);
    if (tag === 'base') assert.match(whole.get('text')!.stdout, /adds 2 findings?, fixes 2/);
    for (let count = 1; count <= 5; count++) {
      const files = shardFiles(count, [...extra], tag);
      // The order of the files on the command line does not matter.
      const given = count % 2 === 0 ? [...files].reverse() : files;
      for (const format of FORMATS) {
        const merged = cli(['merge', '--format', format, ...given]);
        const expected = whole.get(format)!;
        assert.equal(merged.stdout, expected.stdout, `${format}, N=${count}`);
        assert.equal(merged.status, expected.status, `${format}, N=${count}: ${merged.stderr}`);
      }
      if (tag === 'base') {
        assert.equal(cli(['merge', '--fail-on', 'new', ...given]).status, 1);
        assert.equal(cli(['merge', '--fail-on', 'none', ...given]).status, 0);
      }
      const sarif = JSON.parse(cli(['merge', '--format', 'sarif', ...files]).stdout) as { runs: { automationDetails?: { id: string } }[] };
      assert.deepEqual(sarifSchemaErrors(sarif), []);
      const categories = sarif.runs.map((run) => run.automationDetails?.id);
      assert.ok(categories.every((id) => typeof id === 'string'), 'every run has a category');
      assert.equal(new Set(categories).size, categories.length, 'no two runs share a category');
    }
  });
}

test('merge with run --fail-on new: exit 0 when every finding exists at the base', () => {
  git('stash', '-u', '-q');
  try {
    const same = shardFiles(3, ['--base', 'base'], 'clean');
    assert.equal(cli(['merge', '--fail-on', 'new', ...same]).status, 0);
    assert.equal(cli(['merge', ...same]).status, 1);
  } finally {
    git('stash', 'pop', '-q');
  }
});

test('a target that fails to render: the merge exits 2 as the run does', () => {
  writeFileSync(path.join(dir, 'broken.yaml'), `${config(['app-1', 'app-2'])}  - manifests: m/missing-*.yaml\n    name: missing\n`);
  const whole = cli(['run', '--format', 'json', '--config', 'broken.yaml']);
  assert.equal(whole.status, 2, whole.stdout);
  const files = shardFiles(3, ['--config', 'broken.yaml'], 'broken');
  const merged = cli(['merge', '--format', 'json', ...files]);
  assert.equal(merged.status, 2);
  assert.equal(merged.stdout, whole.stdout);
});

test('not a whole split of shard reports: exit 2 naming the file', () => {
  const files = shardFiles(3, [], 'bad');
  writeFileSync(path.join(dir, 'not-json.json'), 'targets: []\n');
  writeFileSync(path.join(dir, 'not-report.json'), '{"targets": []}\n');
  const cases: [string[], RegExp][] = [
    [[...files, 'absent.json'], /merge: absent\.json: no such file/],
    [[...files, 'not-json.json'], /merge: not-json\.json is not JSON/],
    [[...files, 'not-report.json'], /merge: not-report\.json is not a hostns-check JSON report/],
    [[...files, 'm'], /merge: m is not a regular file/],
    [files.slice(0, 2), /shard 2\/3 missing/],
    [[...files, files[0]!], /shard-bad-0-of-3\.json and shard-bad-0-of-3\.json are both shard 0\/3/],
    [[...files, ...shardFiles(2, [], 'two')], /one of 3: merge the shards of one split/],
    [[...files.slice(1), shardFiles(3, ['--base', 'base'], 'mixed')[0]!], /compares with a base and .* does not/],
    [[], /missing required argument/],
  ];
  for (const [args, message] of cases) {
    const result = cli(['merge', ...args]);
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  }
  const plain = cli(['merge', '--fail-on', 'new', ...files]);
  assert.equal(plain.status, 2);
  assert.match(plain.stderr, /--fail-on new needs shard reports compared with a base/);
  const unsharded = cli(['run', '--format', 'json', '-o', 'whole.json']);
  assert.equal(unsharded.status, 1);
  assert.match(cli(['merge', 'whole.json', files[0]!]).stderr, /whole\.json is not .*shard report|is a shard report .* whole\.json is not/);
  assert.match(cli(['merge', '-o', files[0]!, ...files]).stderr, /would replace an input/);
});
