// Mutated manifests (byte flips, truncation, type swaps, random documents) through `scan`: the
// tool always ends with 0, 1 or 2, never a stack trace, and every document that parses is checked.
// The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_ITERATIONS=<n> changes its length.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { parseManifestFully } from '../../src/manifests/parseManifest.js';
import { splitDocuments } from '../../src/manifests/splitDocuments.js';
import { FIXTURES, assertNoStackTrace } from '../support/runCli.js';
import { random } from '../support/random.js';

const seed = Number(process.env.FUZZ_SEED ?? 20261126);
const iterations = Number(process.env.FUZZ_ITERATIONS ?? 2000);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-fuzz-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const corpus = readdirSync(path.join(FIXTURES, 'manifests'), { recursive: true })
  .map(String)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => readFileSync(path.join(FIXTURES, 'manifests', name)));

const SWAPS: [RegExp, string[]][] = [
  [/\btrue\b/, ['"true"', '[true]', '{a: 1}', 'yes', '~', '0x1']],
  [/\b\d+\b/, ['"12"', '-1', '1e9', '[1, 2]', '{}', '&a 1', '*a', '!!str 5']],
  [/containers:/, ['containers: {}', 'containers: "x"', 'containers: &c', 'containers: *c']],
  [/securityContext:/, ['securityContext: 0', 'securityContext: []', 'securityContext: |']],
  [/kind: \w+/, ['kind: List', 'kind: CronJob', 'kind: [Pod]', 'kind:', 'kind: CustomResourceDefinition']],
];
const TOKENS = ['---', '\n', '  ', '- ', ': ', '{', '}', '[', ']', '"', "'", '&a ', '*a', '<<: ', '|', '>', '#', '\t', 'hostPort: 1', 'kind: Pod', 'spec:', 'containers:', '\r\n', '...', '%YAML 1.1', '\u0000', '\ufeff'];

function mutate(input: Buffer, next: () => number): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let bytes = Buffer.from(input);
  const rounds = 1 + Math.floor(next() * 3);
  for (let r = 0; r < rounds; r++) {
    switch (Math.floor(next() * 5)) {
      case 0: // byte flips
        for (let i = 0; i < 1 + Math.floor(next() * 4) && bytes.length > 0; i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        break;
      case 1: // truncation
        bytes = bytes.subarray(0, Math.floor(next() * bytes.length));
        break;
      case 2: {
        // type swaps
        const [pattern, replacements] = pick(SWAPS);
        bytes = Buffer.from(bytes.toString('utf8').replace(pattern, pick(replacements)));
        break;
      }
      case 3: {
        // a random document
        const doc = Array.from({ length: 1 + Math.floor(next() * 30) }, () => pick(TOKENS)).join('');
        bytes = Buffer.concat([bytes, Buffer.from(`\n---\n${doc}\n`)]);
        break;
      }
      default: {
        // lines moved, dropped or re-indented
        const lines = bytes.toString('utf8').split('\n');
        const at = Math.floor(next() * lines.length);
        if (next() < 0.5) lines.splice(at, 1);
        else lines[at] = ' '.repeat(Math.floor(next() * 5)) + lines[at];
        bytes = Buffer.from(lines.join('\n'));
      }
    }
  }
  return bytes;
}

/** Resources in the documents that the full parser reads without error. */
async function parseableResources(bytes: Buffer): Promise<number> {
  let count = 0;
  try {
    for await (const raw of splitDocuments([bytes])) {
      if (raw.tooLarge !== undefined) continue;
      const parsed = parseManifestFully(raw);
      if (parsed.errors.length > 0) continue;
      for (const manifest of parsed.manifests) {
        const value = manifest.value as { kind?: unknown; items?: unknown } | null;
        if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.kind === 'string' && !/List$/.test(value.kind)) count++;
      }
    }
  } catch {
    return 0; // undecodable input: nothing parses
  }
  return count;
}

test(`fuzz: ${iterations} mutated inputs through scan (seed ${seed})`, async (t) => {
  t.diagnostic(`seed ${seed}; replay with FUZZ_SEED=${seed}`);
  const next = random(seed);
  const codes = new Map<number, number>();
  for (let i = 0; i < iterations; i++) {
    const input = mutate(corpus[Math.floor(next() * corpus.length)]!, next);
    let stdout = '';
    let stderr = '';
    let code: number;
    try {
      code = await main(['scan', '-', '--format', 'json'], {
        cwd: scratch,
        env: {},
        stdin: (async function* () {
          yield input;
        })(),
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
      });
    } catch (error) {
      assert.fail(`iteration ${i} (seed ${seed}) threw: ${(error as Error).stack}\ninput: ${JSON.stringify(input.toString('latin1'))}`);
    }
    const context = `iteration ${i} (seed ${seed}), input (base64): ${input.toString('base64')}`;
    assert.ok([0, 1, 2].includes(code), `${context}: exit ${code}`);
    assertNoStackTrace(stdout + stderr);
    let report;
    try {
      report = JSON.parse(stdout);
    } catch {
      assert.fail(`${context}: exit ${code} without one JSON report; stderr: ${stderr}`);
    }
    if (code === 0) assert.equal(report.errors.length, 0, context);
    if (report.errors.length > 0) assert.equal(code, 2, `${context}: errors but exit ${code}`);
    assert.ok(report.summary.resources >= (await parseableResources(input)), `${context}: a parseable document was not checked`);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  t.diagnostic(`exit codes: ${[...codes].map(([c, n]) => `${c}×${n}`).join(', ')}`);
  assert.ok((codes.get(2) ?? 0) > 0 && (codes.get(1) ?? 0) > 0, 'the mutations reach both findings and errors');
});
