// Mutated values files and chart archives under the Helm source mapping: the render is the real
// Helm's (made once, from the unmutated chart), then the chart's values.yaml, the user's -f file or
// a subchart's .tgz is mutated and every finding is mapped again. The mapping must always end,
// never throw, and every line it names must exist in the file it names.
// The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_CHART_ITERATIONS=<n> changes its length.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { checkStream } from '../../src/pipeline/checkStream.js';
import { defaultRuleConfig } from '../../src/rules/hostNamespaceRule.js';
import { helmSourceMapper } from '../../src/targets/helm/helmSource.js';
import { targetId, type SourceLocation } from '../../src/types.js';
import { PROJECT_ROOT } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';
import { random } from '../support/random.js';

const seed = Number(process.env.FUZZ_SEED ?? 20261202);
const iterations = Number(process.env.FUZZ_CHART_ITERATIONS ?? 1500);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-fuzz-charts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const TOKENS = ['\n', '  ', '- ', ': ', '{', '}', '[', ']', '"', "'", '&a ', '*a', '<<: *a', '|', '>', '#', '\t', 'true', '~', '9100', 'hostNetwork: true', 'agent:', 'global:', '---', '\u2028', '\ufeff', '!!str ', 'null'];

/** Text edits: byte flips, truncation, inserted tokens, lines dropped or re-indented. */
function mutateText(input: Buffer, next: () => number): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let bytes = Buffer.from(input);
  for (let round = 0, rounds = 1 + Math.floor(next() * 3); round < rounds; round++) {
    const kind = Math.floor(next() * 4);
    if (kind === 0) {
      for (let i = 0; i < 1 + Math.floor(next() * 4) && bytes.length > 0; i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
    } else if (kind === 1) {
      bytes = bytes.subarray(0, Math.floor(next() * bytes.length));
    } else if (kind === 2) {
      const at = Math.floor(next() * (bytes.length + 1));
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(next() * 6) }, () => pick(TOKENS)).join('')), bytes.subarray(at)]);
    } else {
      const lines = bytes.toString('utf8').split('\n');
      const at = Math.floor(next() * lines.length);
      if (next() < 0.5) lines.splice(at, 1);
      else lines[at] = ' '.repeat(Math.floor(next() * 5)) + (lines[at] ?? '');
      bytes = Buffer.from(lines.join('\n'));
    }
  }
  return bytes;
}

/** Archive edits: the gzip stream's bytes, or the tar inside it (headers, sizes, names), re-gzipped. */
function mutateArchive(input: Buffer, next: () => number): Buffer {
  if (next() < 0.3) {
    const bytes = Buffer.from(input);
    if (next() < 0.5) return bytes.subarray(0, Math.floor(next() * bytes.length));
    for (let i = 0; i < 1 + Math.floor(next() * 8); i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
    return bytes;
  }
  const tar = gunzipSync(input);
  // Headers sit on 512-byte blocks: aim at them (names, modes, sizes, checksums, type flags) most of the time.
  for (let i = 0; i < 1 + Math.floor(next() * 6); i++) {
    const block = Math.floor(next() * (tar.length / 512)) * 512;
    const offset = next() < 0.7 ? block + Math.floor(next() * 160) : Math.floor(next() * tar.length);
    tar[offset] = next() < 0.5 ? Math.floor(next() * 256) : '0123456789 \0x5L/.'.charCodeAt(Math.floor(next() * 17));
  }
  return gzipSync(next() < 0.2 ? tar.subarray(0, Math.floor(next() * tar.length)) : tar);
}

const helm = HELM_VERSIONS[1].helm;
const source = path.join(PROJECT_ROOT, 'charts-fixtures/umbrella');
const overrides = path.join(PROJECT_ROOT, 'test/fixtures/golden/umbrella-overrides.yaml');

test(`fuzz: ${iterations} mutated values files and chart archives under the Helm source mapping (seed ${seed})`, { skip: existsSync(helm) ? false : `no pinned Helm at ${helm}: run npm run tools` }, async (t) => {
  t.diagnostic(`seed ${seed}; replay with FUZZ_SEED=${seed}`);
  const chart = path.join(scratch, 'umbrella');
  cpSync(source, chart, { recursive: true });
  cpSync(overrides, path.join(scratch, 'overrides.yaml'));
  const rendered = spawnSync(helm, ['template', 'umbrella', '-f', 'overrides.yaml'], { cwd: scratch, encoding: 'utf8' });
  assert.equal(rendered.status, 0, rendered.stderr);

  const targets = {
    values: path.join(chart, 'values.yaml'),
    user: path.join(scratch, 'overrides.yaml'),
    archive: path.join(chart, 'charts', 'exporter-1.0.0.tgz'),
  };
  const originals = Object.fromEntries(Object.entries(targets).map(([key, file]) => [key, readFileSync(file)])) as Record<keyof typeof targets, Buffer>;
  const next = random(seed);
  const lineCount = (file: string) => (existsSync(path.join(scratch, file)) ? readFileSync(path.join(scratch, file), 'utf8').split('\n').length : Infinity);
  const checkLine = (where: SourceLocation | { file: string; line: number | null }, context: string) => {
    if (where.line === null || where.file.includes('!/') || where.file.startsWith('--')) return; // archive members and --set flags are not files
    assert.ok(where.line >= 1 && where.line <= lineCount(where.file), `${context}: ${where.file}:${where.line} is not a line of that file`);
  };
  let mapped = 0;
  let exact = 0;
  for (let i = 0; i < iterations; i++) {
    const which = (['values', 'user', 'archive'] as const)[Math.floor(next() * 3)]!;
    for (const [key, file] of Object.entries(targets)) writeFileSync(file, originals[key as keyof typeof targets]);
    const mutated = which === 'archive' ? mutateArchive(originals.archive, next) : mutateText(originals[which], next);
    writeFileSync(targets[which], mutated);
    const context = `iteration ${i} (seed ${seed}), ${which} mutated to (base64) ${mutated.toString('base64')}`;
    // The raw mapper, not the driver's guard around it: it must not throw by itself.
    const sourceOf = helmSourceMapper({ chart: 'umbrella', cwd: scratch, user: { files: ['overrides.yaml'], sets: [] } });
    let outcome;
    try {
      outcome = await checkStream([rendered.stdout], { target: targetId('umbrella'), file: 'umbrella', config: defaultRuleConfig(), sourceOf });
    } catch (error) {
      assert.fail(`${context}: the mapping threw: ${(error as Error).stack}`);
    }
    assert.ok(outcome.findings.length > 0, context);
    for (const finding of outcome.findings) {
      mapped++;
      if (finding.source?.exact) exact++;
      if (finding.source) checkLine(finding.source, context);
      for (const origin of finding.values) checkLine(origin, context);
    }
  }
  t.diagnostic(`${mapped} findings mapped, ${exact} of them to an exact line`);
});
