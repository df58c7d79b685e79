// Proof by counterfactual render. The template walk and the values mapping propose a line; a
// render of a scratch copy decides. In the copy, each template line whose key the checks read has
// that key renamed with a token naming the line, and each proposed values line holds a sentinel.
// The token found on a finding's key names the line that wrote it; the sentinel found in its value
// names the values line it came from. A claim counts only when the scratch render, tokens and
// sentinels taken out, writes the same pod spec as the user's render. Findings always come from
// the user's own render: nothing here adds or removes one, it only sets `exact` and the reasons.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../../manifests/parseManifest.js';
import { splitDocuments } from '../../../manifests/splitDocuments.js';
import { makeScratchDir } from '../../../process/scratch.js';
import { FIELDS_NEVER_READ, valueAt } from '../../../rules/findPodSpecs.js';
import type { Finding, JsonPath, Position, ValuesOrigin } from '../../../types.js';
import { runHelmTemplate, type HelmRunOptions, type HelmTemplateRequest } from '../helmTemplate.js';
import { copyChartForProof, replaceFile, type ProofChart, type ProofChartFile } from './proofChart.js';
import { formatValuesKey } from '../valuesOrigins.js';
import { applySentinels, BLOCK_MARKER, markBlocks, tokenizeTemplate, truthySentinel, valuesLeaves, type SentinelEdit } from './proofEdits.js';
import { resourceKey, type RenderedResource } from './renderedResource.js';
import { linesReadBack, type ReadBack } from './readBack.js';
import { firstDifference, parseFindingPath, podSpecPath, readPath, restore, type PathReading } from './proofRead.js';

/** More falsy values than this are not told apart: 2^3 - 1 codes, three renders. */
const MAX_FALSY_BITS = 3;

interface Candidate {
  origin: ValuesOrigin;
  /** The finding's value: what the line must hold to be edited. */
  value: unknown;
  /** A truthy sentinel's text, or a falsy candidate's code (1..7). */
  sentinel: string | null;
  code: number;
}

export interface ProofSettings {
  /** The request the user's render ran with (chart and values files as Helm read them). */
  request: HelmTemplateRequest;
  /** The chart folder or archive to copy (a `--dependency-update` copy when there is one). */
  chartDir: string;
  /** The chart as the user named it: the files of the copy are shown as its files (null: by the chart's name). */
  chartShown: string | null;
  run: HelmRunOptions;
  /** A values file named in a finding (as shown) -> the file Helm read. */
  userFiles: ReadonlyMap<string, string>;
  debug?: (text: string) => void;
}

export interface ProofSummary {
  renders: number;
  milliseconds: number;
  /** Why nothing could be proven, when nothing could. */
  problem: string | null;
}

/** Proves (or disproves) every finding's template and values lines; changes only `exact` and reasons. */
export async function proveFindings(findings: Finding[], rendered: ReadonlyMap<string, RenderedResource>, settings: ProofSettings): Promise<ProofSummary> {
  const started = Date.now();
  const atOf = (finding: Finding) => rendered.get(resourceKey(finding.resource.kind, finding.resource.name, finding.path));
  const subjects = findings.filter((finding) => finding.source && atOf(finding));
  if (subjects.length === 0) return { renders: 0, milliseconds: 0, problem: null };
  const scratch = makeScratchDir('hostns-check-proof-');
  let renders = 0;
  const render = async (chart: string, values: string[]) => {
    renders++;
    const request = { ...settings.request, chart, values, dependencyUpdate: false, extraArgs: ['--skip-schema-validation', ...settings.request.extraArgs] };
    return renderScratch(request, settings.run, new Set(subjects.map((finding) => atOf(finding)!.document)));
  };
  try {
    const copy = copyChartForProof(settings.chartDir, settings.chartShown, settings.run.cwd, path.join(scratch.path, 'chart'));
    const templateFiles = copy.files.filter((file) => file.template);
    const readBack = linesReadBack(new Map(templateFiles.map((file) => [file.shown, file.text ?? ''])));
    const headers = subjects.map((finding) => atOf(finding)!.sourceHeader);
    const edits = templateEdits(templateFiles, readBack, headers);
    const valuesTexts: ValuesText[] = [
      ...copy.files.filter((file) => file.values).map((file) => ({ shown: file.shown, text: file.text ?? '', layer: 'chart' as const })),
      // A values file given as a URL is Helm's to fetch: no sentinel goes into it.
      ...[...settings.userFiles].filter(([, given]) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(given)).map(([shown, given]) => ({ shown, text: readFileSync(path.resolve(settings.run.cwd, given), 'utf8'), layer: 'user' as const })),
    ];
    const candidates = valuesCandidates(subjects, valuesTexts);
    const userTexts = new Map(valuesTexts.filter((file) => file.layer === 'user').map((file) => [file.shown, file.text]));
    const falsyBits = Math.min(MAX_FALSY_BITS, bitsFor(Math.max(0, ...[...candidates.values()].map((c) => c.code))));
    // One render carries the renamed keys, the block markers and the sentinels. A marker can break
    // a template that uses a block inline: the files Helm names go back to keys only, and past
    // that every marker goes.
    edits.write(true);
    const readings: ScratchRender[] = [];
    for (let bit = 0; bit < Math.max(1, falsyBits); bit++) {
      const values = writeValues(copy, userTexts, candidates, bit, settings, scratch.path);
      let outcome = await render(copy.chart, values.files);
      for (let attempt = 1; typeof outcome === 'string' && attempt < MAX_MARKED_RENDERS; attempt++) {
        if (!edits.unmarkNamed(outcome) && !edits.unmarkAll()) break;
        outcome = await render(copy.chart, values.files);
      }
      if (typeof outcome === 'string') {
        markUnproven(subjects, `the proof render failed (${outcome})`);
        return { renders, milliseconds: Date.now() - started, problem: outcome };
      }
      readings.push({ documents: outcome, sentinels: values.sentinels, applied: values.applied });
    }
    for (const finding of subjects) {
      const at = atOf(finding)!;
      const relative = relativePath(finding, at);
      const results = readings.map((render) => readRender(render, at, relative));
      const reading = results[0]!;
      if (typeof reading === 'string') markUnproven([finding], `not proven: ${reading}`);
      else if (reading.problem) markUnproven([finding], `not proven: ${reading.problem}`);
      else {
        judgeValuesLine(finding, results, readings, candidates);
        const block = edits.marked ? blockAround(readings[0]!.documents[at.document]!, at, reading.actual) : 'the markers broke the render and were taken out';
        judgeTemplateLine(finding, reading, edits.table, readBack.everything ?? block);
      }
    }
    return { renders, milliseconds: Date.now() - started, problem: null };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    settings.debug?.(`the proof render could not run: ${why}`);
    markUnproven(subjects, `the proof render could not run (${why})`);
    return { renders, milliseconds: Date.now() - started, problem: why };
  } finally {
    scratch.remove();
  }
}

/** Renders at most for one set of sentinels: marked, then the named files unmarked, then none. */
const MAX_MARKED_RENDERS = 4;

/**
 * The template edits of a proof render, with ways to take the block markers back out. Only the
 * templates that can have written a finding are edited: those that rendered a finding's document,
 * and those that define named templates (CRDs and the rest are left as they are).
 */
function templateEdits(files: readonly ProofChartFile[], readBack: ReadBack, headers: readonly (string | null)[]) {
  const tails = new Set(headers.filter((header): header is string => header !== null).map((header) => header.slice(header.lastIndexOf('/templates/'))));
  const table: TemplateTable = { shown: [], lines: [] };
  const edited: { file: ProofChartFile; keys: string; marked: string }[] = [];
  for (const file of files) {
    const text = file.text ?? '';
    const number = table.shown.length;
    table.shown.push(file.shown);
    table.lines.push(text.split('\n'));
    const tail = file.file.slice(file.file.lastIndexOf('/templates/'));
    if (readBack.everything || !(tails.has(tail) || /\{\{-?\s*(define|block)\b/.test(text))) continue;
    const kept = readBack.keep.get(file.shown) ?? [];
    const keep = (line: number) => kept.some((range) => range.from <= line && line <= range.to);
    // YAML ignores a marker (a comment) where the chart parses a template back; JSON does not.
    const keepMarkers = (line: number) => kept.some((range) => range.json && range.from <= line && line <= range.to);
    const keys = tokenizeTemplate(text, number, keep) ?? text;
    const marked = markBlocks(keys, number, keepMarkers) ?? keys;
    if (marked !== text) edited.push({ file, keys, marked });
  }
  const state = {
    table,
    marked: true,
    write(withMarkers: boolean) {
      for (const edit of edited) replaceFile(edit.file.file, withMarkers ? edit.marked : edit.keys);
    },
    /** Takes the markers out of the templates a failed render names; false when none had any. */
    unmarkNamed(failure: string): boolean {
      let changed = false;
      for (const match of failure.matchAll(/[\w.-]+\/templates\/([^\s:"]+)/g)) {
        for (const edit of edited) {
          if (!edit.file.file.endsWith(`/templates/${match[1]}`) || edit.keys === edit.marked) continue;
          replaceFile(edit.file.file, edit.keys);
          edit.marked = edit.keys;
          changed = true;
        }
      }
      return changed;
    },
    /** Takes every marker out; false when there were none left. */
    unmarkAll(): boolean {
      if (!state.marked) return false;
      state.marked = false;
      state.write(false);
      return true;
    },
  };
  return state;
}

function relativePath(finding: Finding, at: RenderedResource): JsonPath {
  return parseFindingPath(finding.path).slice(at.resourcePath.length);
}


/**
 * The block whose marked output holds the finding's key (or, for a missing key, its list item):
 * the nearest `#hnsbeg` before it not closed before it, closed after it. A string says why none.
 */
function blockAround(document: ScratchDocument, at: RenderedResource, actual: JsonPath): { file: number; line: number } | string {
  // The proof render's pod spec was already shown to be the user's (readRender).
  const position = document.locate([...at.resourcePath, ...actual]);
  if (!position) return 'the key is not in the proof render';
  const index = position.line - document.startLine;
  let open: string | null = null;
  for (let j = index, depth = 0; j >= 0 && open === null; j--) {
    const marker = BLOCK_MARKER.exec(document.lines[j] ?? '');
    if (marker?.[1] === 'end') depth++;
    else if (marker?.[1] === 'beg') {
      if (depth === 0) open = `${marker[2]}x${marker[3]}`;
      else depth--;
    }
  }
  if (open === null) return 'no block of values holds the key';
  for (let j = index + 1, depth = 0; j < document.lines.length; j++) {
    const marker = BLOCK_MARKER.exec(document.lines[j] ?? '');
    if (marker?.[1] === 'beg') depth++;
    else if (marker?.[1] === 'end') {
      if (depth > 0) depth--;
      else if (`${marker[2]}x${marker[3]}` === open) {
        const [file, line] = open.split('x').map(Number) as [number, number];
        return { file, line };
      } else return 'the block markers around the key do not match';
    }
  }
  return 'the block holding the key does not end after it';
}

function bitsFor(code: number): number {
  return code === 0 ? 0 : Math.floor(Math.log2(code)) + 1;
}

/** Template file number -> its name and lines, for the tokens written into the copy. */
interface TemplateTable {
  shown: string[];
  lines: string[][];
}


/** A values file the proof may edit: how the report names it, and its text. */
interface ValuesText {
  shown: string;
  text: string;
  layer: 'user' | 'chart';
}

/** Equal values on lines the mapping did not propose, per finding: a bound on what one render edits. */
const MAX_EQUAL_CANDIDATES = 64;

/**
 * Each values line that may have written a finding's value, once, with its sentinel or falsy
 * code: the lines the mapping proposed, then every setting of the values files that holds the same
 * value (for `true` and 0, only under a key named like the offending one: `hostNetwork`,
 * `podHostNetwork`), so a line the walk could not follow is found by the render instead.
 */
function valuesCandidates(findings: readonly Finding[], files: readonly ValuesText[]): Map<string, Candidate> {
  const candidates = new Map<string, Candidate>();
  let truthy = 0;
  let falsy = 0;
  const add = (origin: ValuesOrigin, value: unknown) => {
    const key = `${origin.file}\0${origin.line}`;
    if (candidates.has(key)) return;
    const sentinel = truthySentinel(value, truthy);
    if (sentinel !== null) {
      truthy++;
      candidates.set(key, { origin, value, sentinel, code: 0 });
    } else if (value === 0 && falsy < 2 ** MAX_FALSY_BITS - 1) {
      candidates.set(key, { origin, value: 0, sentinel: null, code: ++falsy });
    }
  };
  const leaves = files.map((file) => ({ file, leaves: valuesLeaves(file.text) }));
  // The lines the mapping proposed first, then the settings of the same value.
  for (const finding of findings) for (const origin of finding.values) if (origin.line !== null) add(origin, finding.value);
  for (const finding of findings) {
    const keyName = String(parseFindingPath(finding.path).at(-1) ?? '').toLowerCase();
    const named = finding.value === true || finding.value === 0;
    let equal = 0;
    for (const { file, leaves: list } of leaves) {
      for (const leaf of list) {
        if (leaf.value !== finding.value || equal >= MAX_EQUAL_CANDIDATES) continue;
        const last = [...leaf.key].reverse().find((segment) => typeof segment === 'string');
        if (named && !String(last ?? '').toLowerCase().includes(keyName)) continue;
        equal++;
        add({ key: formatValuesKey(leaf.key), file: file.shown, line: leaf.line, layer: layerOf(file, finding) }, finding.value);
      }
    }
  }
  return candidates;
}

/** A chart's values file is the finding's own chart's ('chart') or an ancestor's ('parent'). */
function layerOf(file: ValuesText, finding: Finding): ValuesOrigin['layer'] {
  if (file.layer === 'user') return 'user';
  const folder = file.shown.replace(/values\.yaml$/, '');
  return finding.source?.file.startsWith(`${folder}charts/`) ? 'parent' : 'chart';
}

interface WrittenValues {
  /** The -f files to render with, in the user's order. */
  files: string[];
  sentinels: Map<string, unknown>;
  applied: Set<Candidate>;
}

/** The values files of one proof render: the chart's own in the copy, the user's as scratch files. */
function writeValues(copy: ProofChart, texts: ReadonlyMap<string, string>, candidates: ReadonlyMap<string, Candidate>, bit: number, settings: ProofSettings, scratch: string): WrittenValues {
  const byFile = new Map<string, { candidate: Candidate; edit: SentinelEdit }[]>();
  for (const candidate of candidates.values()) {
    let replacement: string | null = null;
    if (candidate.sentinel !== null && bit === 0) replacement = candidate.sentinel;
    else if (candidate.code > 0 && (candidate.code >> bit) & 1) replacement = 'false';
    if (replacement === null) continue;
    const list = byFile.get(candidate.origin.file) ?? [];
    list.push({ candidate, edit: { line: candidate.origin.line!, expected: candidate.value, replacement } });
    byFile.set(candidate.origin.file, list);
  }
  const sentinels = new Map<string, unknown>();
  const applied = new Set<Candidate>();
  const edit = (source: string, shown: string): string => {
    const planned = byFile.get(shown) ?? [];
    const result = applySentinels(source, planned.map((p) => p.edit));
    for (const { candidate, edit: made } of planned) {
      if (!result.applied.includes(made)) continue;
      applied.add(candidate);
      if (candidate.sentinel !== null && made.replacement === candidate.sentinel) sentinels.set(candidate.sentinel, candidate.value);
    }
    return result.text;
  };
  // The chart's values files (the root's and every subchart's), edited in the copy; each render
  // starts again from the chart's own text.
  for (const file of copy.files) {
    if (file.values && (bit > 0 || byFile.has(file.shown))) replaceFile(file.file, edit(file.text ?? '', file.shown));
  }
  const files = settings.request.values.map((given, i) => {
    const shown = [...settings.userFiles].find(([, read]) => read === given)?.[0];
    if (!shown || !byFile.has(shown)) return given;
    const written = path.join(scratch, `values-${bit}-${i}.yaml`);
    writeFileSync(written, edit(texts.get(shown) ?? '', shown));
    return written;
  });
  return { files, sentinels, applied };
}

/** A document of a proof render: its data, and its lines and positions for block markers. */
interface ScratchDocument {
  value: unknown;
  locate: (path: JsonPath) => Position | null;
  lines: string[];
  startLine: number;
}

/** A proof render's documents (those at `keep`), by position; or why it failed. */
async function renderScratch(request: HelmTemplateRequest, options: HelmRunOptions, keep: ReadonlySet<number>): Promise<ScratchDocument[] | string> {
  const run = runHelmTemplate(request, options);
  const documents: ScratchDocument[] = [];
  try {
    for await (const raw of splitDocuments(run.stdout)) {
      if (!keep.has(raw.index)) continue;
      const parsed = parseManifest(raw, FIELDS_NEVER_READ);
      const manifest = parsed.errors.length === 0 && parsed.manifests.length === 1 ? parsed.manifests[0]! : null;
      if (manifest) documents[raw.index] = { value: manifest.value, locate: manifest.locate, lines: raw.text.split('\n'), startLine: raw.startLine };
    }
  } catch (error) {
    run.kill();
    await run.done;
    return error instanceof Error ? error.message : String(error);
  }
  const exit = await run.done;
  if (exit.timedOut) return 'it took longer than --timeout';
  if (exit.exitCode !== 0 || exit.signal) return errorLine(exit.stderr) ?? `exit ${exit.exitCode}`;
  return documents;
}

/** Helm's error among its warnings: the `Error:` line, else the last line. */
function errorLine(stderr: string): string | undefined {
  const lines = stderr.trim().split('\n').filter((line) => line.trim() !== '');
  return lines.find((line) => /^Error\b/.test(line)) ?? lines.at(-1);
}

interface ScratchRender {
  documents: ScratchDocument[];
  sentinels: Map<string, unknown>;
  applied: Set<Candidate>;
}

function markUnproven(findings: readonly Finding[], reason: string): void {
  for (const finding of findings) {
    if (finding.source?.exact) finding.source = { ...finding.source, exact: false, reason };
    for (const origin of finding.values) if (origin.line !== null) Object.assign(origin, { exact: false, reason });
  }
}

/** Each render's verdict on each pod spec, by document, resource and pod path: findings share pods. */
const podVerdicts = new WeakMap<ScratchRender, Map<string, string | null>>();

/** What one render says of a finding, once its pod spec is shown to match the user's. */
function readRender(render: ScratchRender, at: RenderedResource, relative: JsonPath): PathReading | string {
  const document = render.documents[at.document];
  if (document === undefined) return 'the proof render has no such document';
  const scratch = valueAt(document.value, at.resourcePath);
  const podPath = podSpecPath(relative) ?? [];
  let verdicts = podVerdicts.get(render);
  if (!verdicts) podVerdicts.set(render, (verdicts = new Map<string, string | null>()));
  const key = JSON.stringify([at.document, at.resourcePath, podPath]);
  let differs = verdicts.get(key);
  if (differs === undefined) {
    differs = firstDifference(valueAt(restore(scratch, render.sentinels), podPath), valueAt(at.resource, podPath));
    verdicts.set(key, differs);
  }
  if (differs !== null) return `the proof render wrote another pod spec (at ${differs}: the chart reads its own output or a random value)`;
  return readPath(scratch, relative);
}

/**
 * The template line: the token on the key (or on the list item of a missing key) names it. With no
 * token no template line wrote the key as text: a block of values did, and the block render says
 * which (`block`: the block's file and line, or why it could not tell).
 */
function judgeTemplateLine(finding: Finding, reading: PathReading, templates: TemplateTable, block: { file: number; line: number } | string | null): void {
  const token = reading.key?.token ?? reading.item?.token ?? block;
  if (token !== null && typeof token === 'object') {
    const shown = templates.shown[token.file];
    const text = templates.lines[token.file]?.[token.line - 1];
    if (shown === undefined || text === undefined) return markUnproven([finding], 'not proven: a marker names no template line');
    const column = /^\s*(?:-\s+)*/.exec(text)![0].length + 1;
    finding.source = { file: shown, line: token.line, exact: true, column, text: text.replace(/\r$/, '') };
    return;
  }
  const why = typeof block === 'string' ? block : 'the block render did not run';
  finding.source = { ...finding.source!, exact: false, reason: `not proven: no template line writes the key, and which block of values does is not shown (${why})` };
}

/** Candidates by sentinel text, made once for all findings. */
const sentinelIndexes = new WeakMap<ReadonlyMap<string, Candidate>, Map<string, Candidate>>();
function sentinelIndex(candidates: ReadonlyMap<string, Candidate>): Map<string, Candidate> {
  let index = sentinelIndexes.get(candidates);
  if (!index) {
    index = new Map([...candidates.values()].filter((c) => c.sentinel !== null).map((c) => [c.sentinel!, c]));
    sentinelIndexes.set(candidates, index);
  }
  return index;
}

/** Proves the values line the value came from (moved to the front), or says none was; the proven one. */
function judgeValuesLine(finding: Finding, readings: (PathReading | string)[], renders: ScratchRender[], candidates: ReadonlyMap<string, Candidate>): Candidate | null {
  const value = (readings[0] as PathReading).key?.value;
  const bySentinel = sentinelIndex(candidates);
  const sent = value === undefined || value === null ? undefined : bySentinel.get(String(value));
  let proven: Candidate | null = sent && renders[0]!.applied.has(sent) ? sent : null;
  if (!proven && finding.value === 0) {
    let code = 0;
    for (let bit = 0; bit < readings.length; bit++) {
      const reading = readings[bit];
      if (typeof reading === 'string' || reading?.problem) {
        disprove(finding, 'not proven: a proof render for 0 values differed');
        return null;
      }
      if (reading?.key?.value === false) code |= 1 << bit;
    }
    for (const candidate of candidates.values()) if (code > 0 && candidate.code === code && renders.every((r, bit) => !((code >> bit) & 1) || r.applied.has(candidate))) proven = candidate;
  }
  if (!proven) {
    disprove(finding, 'not proven: a render with this line changed did not change the value');
    return null;
  }
  // The finding's own entry for that line when it has one: its key is the path this finding read
  // (one line can be read under two keys, through a YAML merge).
  const own = finding.values.find((o) => o.file === proven.origin.file && o.line === proven.origin.line);
  const origin = { ...(own ?? proven.origin), exact: true };
  // The others were set too, and overridden: none of them is a claim.
  const others = finding.values.filter((o) => !(o.file === origin.file && o.line === origin.line)).map(({ exact: _exact, reason: _reason, ...rest }) => rest);
  finding.values = [origin, ...others];
  return proven;
}

function disprove(finding: Finding, reason: string): void {
  for (const origin of finding.values) if (origin.line !== null) Object.assign(origin, { exact: false, reason });
}
