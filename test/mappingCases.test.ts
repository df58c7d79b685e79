// The hand-checked source-mapping expectations of the shared corpus (mapping-cases.json), run on
// every pinned Helm: each case's exit status, its exact set of findings, and for each finding the
// template line that writes the key and the values line behind the effective value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN } from './support/runCli.js';
import { HELM_VERSIONS, sharedDir } from './support/tools.js';

interface ExpectedFinding {
  check: string;
  /** `Kind/name`. */
  resource: string;
  container?: string;
  value?: unknown;
  /** `FILE:LINE` or `FILE:FROM-TO`, relative to the corpus folder. */
  source: string;
  values?: string;
}

interface MappingCase {
  id: string;
  chart: string;
  args: string[];
  exit: number;
  findings: ExpectedFinding[];
}

interface ReportedFinding {
  check: string;
  resource: { kind: string; name: string };
  container?: string | null;
  value?: unknown;
  source?: { file: string; line: number; exact: boolean; reason?: string } | null;
  values?: { file: string; line: number | null; exact?: boolean; reason?: string }[];
}

const shared = sharedDir();
const corpus = shared ? path.join(shared, 'corpus') : null;
const casesFile = corpus ? path.join(corpus, 'mapping-cases.json') : null;
const skip = casesFile && existsSync(casesFile) ? false : 'no ../shared/corpus/mapping-cases.json beside the project: the mapping cases need the shared corpus';
if (skip) console.log(`# mappingCases: skipped, ${skip}`);
const cases: MappingCase[] = casesFile && !skip ? (JSON.parse(readFileSync(casesFile, 'utf8')) as MappingCase[]) : [];

/** A finding as compared: check, resource, container, value (the value absent for a missing runAsUser). */
function identity(check: string, resource: string, container: string | null | undefined, value: unknown): string {
  return JSON.stringify([check, resource, container ?? null, value ?? null]);
}

/** Whether a reported `file:line` is the expected `FILE:LINE` or inside `FILE:FROM-TO`. */
function atLocation(file: string, line: number | null, expected: string): boolean {
  const match = /^(.*):(\d+)(?:-(\d+))?$/.exec(expected);
  if (!match || line === null) return false;
  const [, wantFile, from, to] = match;
  return file === wantFile && line >= Number(from) && line <= Number(to ?? from);
}

/**
 * Template lines the proof render cannot yet prove, and why: the finding stays on the right line
 * with `exact: false` and a reason. A variable printed on its own line (`{{- $value }}`) is not
 * marked as a block, since most such lines print a name or a scalar, which a marker would break.
 */
const KNOWN_UNPROVEN = new Map([['multus-cni-openshift-sidecars run-as-user wait-for-default-network', 'a variable printed alone on a line']]);

function runCase(helm: string, item: MappingCase): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const args = [BIN, 'helm', 't', item.chart, ...item.args, '--format', 'json', '--helm', helm];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: corpus!, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** Every mismatch of one case, as lines (none when it matches). */
function mismatches(item: MappingCase, status: number | null, findings: ReportedFinding[]): string[] {
  const problems: string[] = [];
  if (status !== item.exit) problems.push(`exit ${status}, expected ${item.exit}`);
  const unused = [...findings];
  for (const want of item.findings) {
    const key = identity(want.check, want.resource, want.container, want.value);
    const at = unused.findIndex((f) => identity(f.check, `${f.resource.kind}/${f.resource.name}`, f.container, f.value) === key);
    if (at === -1) {
      problems.push(`missing finding ${key}`);
      continue;
    }
    const [got] = unused.splice(at, 1) as [ReportedFinding];
    const source = got.source ? `${got.source.file}:${got.source.line}${got.source.exact ? '' : ' (inexact)'}` : 'none';
    if (!got.source || !atLocation(got.source.file, got.source.line, want.source)) problems.push(`${key}: source ${source}, expected ${want.source}`);
    const values = got.values?.[0];
    const valuesText = values ? `${values.file}:${values.line}` : 'none';
    const valuesOk = want.values === undefined ? values === undefined : values !== undefined && atLocation(values.file, values.line, want.values);
    if (!valuesOk) problems.push(`${key}: values ${valuesText}, expected ${want.values ?? 'none'}`);
    // The proof render, not the walk, makes a line exact: every expected line must be proven.
    if (valuesOk && values && values.exact !== true) problems.push(`${key}: values ${valuesText} not proven (${values.reason ?? 'no reason'})`);
    const unproven = KNOWN_UNPROVEN.get(`${item.id} ${want.check} ${want.container ?? ''}`);
    if (got.source && !got.source.exact && !unproven) problems.push(`${key}: source ${source} not proven (${got.source.reason ?? 'no reason'})`);
    if (got.source?.exact && unproven) problems.push(`${key}: now proven; take it off KNOWN_UNPROVEN`);
  }
  for (const extra of unused) problems.push(`extra finding ${identity(extra.check, `${extra.resource.kind}/${extra.resource.name}`, extra.container, extra.value)}`);
  return problems;
}

/** Runs `work` over `items`, `width` at a time (the machine's cores are shared). */
async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

for (const tools of HELM_VERSIONS) {
  test(`mapping cases of the shared corpus match on ${tools.label}`, { skip, timeout: 900_000 }, async () => {
    const failures: string[] = [];
    await inBatches(cases, 2, async (item) => {
      const { status, stdout, stderr } = await runCase(tools.helm, item);
      let findings: ReportedFinding[];
      try {
        findings = (JSON.parse(stdout) as { findings: ReportedFinding[] }).findings;
      } catch {
        failures.push(`${item.id}: no JSON report (exit ${status}): ${stderr.slice(0, 400)}`);
        return;
      }
      const problems = mismatches(item, status, findings);
      if (problems.length > 0) failures.push(`${item.id}:\n  ${problems.join('\n  ')}`);
    });
    assert.ok(cases.length > 0, 'mapping-cases.json lists no case');
    if (failures.length > 0) assert.fail(`${failures.length} of ${cases.length} cases differ on ${tools.label}:\n${failures.sort().join('\n')}`);
  });
}
