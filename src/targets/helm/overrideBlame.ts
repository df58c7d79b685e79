// introducedBy: whether the chart's own values already produce a finding (perhaps with another
// value), and, for one only the user's overrides produce, which of their settings turn it on.
// The settings are each leaf key of each -f file and each --set* assignment; renders with some of
// them left out use scratch values files (the user's own files are only read), and the search
// over those renders (overrideSearch.ts) is bounded.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../manifests/parseManifest.js';
import { makeScratchDir, type ScratchDir } from '../../process/scratch.js';
import { readRegularFile } from '../../process/regularFile.js';
import type { Finding, OverrideSetting } from '../../types.js';
import type { HelmTemplateRequest } from './helmTemplate.js';
import { searchResponsibleSettings, type Setting } from './overrideSearch.js';
import { formatValuesKey, MAX_FULLY_PARSED_VALUES_BYTES, parseKeyPath, ValuesFiles } from './valuesOrigins.js';

/** Renders per target the search may start; at most this many at once. */
export const BLAME_RENDER_BUDGET = 12;
const BLAME_CONCURRENCY = 2;

/** What identifies a finding across two renders of the same chart: not its value. */
export function findingKey(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  return JSON.stringify([finding.check, kind, namespace, name, finding.container, finding.path]);
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Marks each finding 'chart' when the chart's own values produce it too (with `chartValue` when
 * they give it another value), else 'overrides'.
 */
export function compareWithChart(findings: Finding[], chartFindings: readonly Finding[]): void {
  const fromChart = new Map(chartFindings.map((finding) => [findingKey(finding), finding.value]));
  for (const finding of findings) {
    const key = findingKey(finding);
    if (!fromChart.has(key)) {
      finding.introducedBy = 'overrides';
      continue;
    }
    finding.introducedBy = 'chart';
    const chartValue = fromChart.get(key);
    if (!sameValue(chartValue, finding.value)) finding.chartValue = chartValue ?? null;
  }
}

type SetField = 'setJson' | 'set' | 'setString' | 'setFile' | 'setLiteral';

/** Helm applies --set-json, --set, --set-string, --set-file, --set-literal in this order. */
const SET_FIELDS: readonly (readonly [SetField, string])[] = [
  ['setJson', '--set-json'],
  ['set', '--set'],
  ['setString', '--set-string'],
  ['setFile', '--set-file'],
  ['setLiteral', '--set-literal'],
];

/** Where a setting lives in the request: a leaf of a -f file, a whole -f file, or an assignment of a --set* flag. */
type Place = { file: number; path: string[]; value: unknown } | { file: number; whole: true } | { field: SetField; flag: number; text: string };

interface UserSetting {
  place: Place;
  shown: OverrideSetting;
}

/** `a=1,b={x,y},c=a\,b` -> ['a=1', 'b={x,y}', 'c=a\,b']: Helm's separators, outside braces and escapes. */
export function splitAssignments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every top-level-to-leaf key of a values object (a list, a scalar or an empty map ends a path). */
function leaves(value: Record<string, unknown>, prefix: string[] = []): { path: string[]; value: unknown }[] {
  return Object.entries(value).flatMap(([key, child]) =>
    isPlainObject(child) && Object.keys(child).length > 0 ? leaves(child, [...prefix, key]) : [{ path: [...prefix, key], value: child }],
  );
}

/** A value a scratch JSON file carries unchanged (NaN and infinities have no JSON form). */
const jsonSafe = (value: unknown): boolean =>
  typeof value === 'number' ? Number.isFinite(value) : Array.isArray(value) ? value.every(jsonSafe) : isPlainObject(value) ? Object.values(value).every(jsonSafe) : true;

/** A -f file's values as plain data, or null when it is read as one setting (a URL, unreadable, too large, odd values). */
function readValuesFile(file: string, cwd: string): Record<string, unknown> | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file) || file === '-') return null;
  try {
    const text = readRegularFile(path.resolve(cwd, file), MAX_FULLY_PARSED_VALUES_BYTES).toString('utf8');
    const parsed = parseManifest({ text, startLine: 1, sourceHeader: null, sourceHeaderLine: null, index: 0 });
    if (parsed.errors.length > 0 || parsed.manifests.length !== 1) return null;
    const value = parsed.manifests[0]!.value ?? {};
    return isPlainObject(value) && jsonSafe(value) ? value : null;
  } catch {
    return null;
  }
}

/** The user's settings in the order Helm applies them, grouped: one group per -f file, one for the --set* flags. */
export function userSettings(request: HelmTemplateRequest, files: ValuesFiles, cwd: string): UserSetting[][] {
  const groups = request.values.map((file, index): UserSetting[] => {
    const shownFile = files.shown(file);
    const values = readValuesFile(file, cwd);
    if (!values) return [{ place: { file: index, whole: true }, shown: { file: shownFile, line: null, key: null } }];
    return leaves(values).map((leaf) => ({
      place: { file: index, path: leaf.path, value: leaf.value },
      shown: { file: shownFile, line: files.lineInUserFile(file, leaf.path), key: formatValuesKey(leaf.path) },
    }));
  });
  const sets = SET_FIELDS.flatMap(([field, flag]) =>
    request[field].flatMap((text, index) => {
      // One --set-json or --set-literal is one setting: its value may hold anything, commas included.
      const assignments = field === 'setJson' || field === 'setLiteral' ? [text] : splitAssignments(text);
      return assignments.map((assignment): UserSetting => {
        const equals = assignment.indexOf('=');
        const key = equals > 0 ? formatValuesKey(parseKeyPath(assignment.slice(0, equals))) : null;
        return { place: { field, flag: index, text: assignment }, shown: { file: null, line: null, key, flag, text: assignment } };
      });
    }),
  );
  return [...groups, sets].filter((group) => group.length > 0);
}

/** Puts `value` at `keys` in a nested object. */
function assign(into: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = into;
  keys.slice(0, -1).forEach((key) => {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]!] = value;
}

/** Builds the request that applies only some of the user's settings, writing scratch values files as needed. */
class PartialRequests {
  private scratch: ScratchDir | null = null;
  private written = 0;

  constructor(
    private readonly request: HelmTemplateRequest,
    private readonly settings: readonly UserSetting[],
  ) {}

  keeping(kept: ReadonlySet<Setting>): HelmTemplateRequest {
    const places = this.settings.map((setting, index) => ({ place: setting.place, kept: kept.has(index) }));
    const values = this.request.values.flatMap((file, index) => {
      const own = places.filter(({ place }) => 'file' in place && place.file === index);
      if (own.every((setting) => setting.kept)) return [file];
      if (own.every((setting) => !setting.kept)) return [];
      const partial: Record<string, unknown> = {};
      for (const { place, kept: keep } of own) if (keep && 'path' in place) assign(partial, place.path, place.value);
      return [this.write(partial)];
    });
    const request: HelmTemplateRequest = { ...this.request, values, dependencyUpdate: false };
    for (const [field] of SET_FIELDS) {
      request[field] = this.request[field].flatMap((_, index) => {
        const own = places.filter(({ place }) => 'field' in place && place.field === field && place.flag === index);
        const assignments = own.filter((setting) => setting.kept).map(({ place }) => (place as { text: string }).text);
        return assignments.length > 0 ? [assignments.join(',')] : [];
      });
    }
    return request;
  }

  /** JSON is YAML: Helm reads it as a values file, every value as it was. */
  private write(values: Record<string, unknown>): string {
    this.scratch ??= makeScratchDir('hostns-check-blame-');
    const file = path.join(this.scratch.path, `values-${++this.written}.json`);
    writeFileSync(file, JSON.stringify(values));
    return file;
  }

  remove(): void {
    this.scratch?.remove();
  }
}

/** The first user setting the values mapping names behind the finding's value: the one to try first. */
function suspectsOf(finding: Finding, settings: readonly UserSetting[]): Setting[] {
  const origin = finding.values.find((value) => value.layer === 'user');
  if (!origin) return [];
  const under = (key: string | null) => key === null || origin.key === key || origin.key.startsWith(`${key}.`) || origin.key.startsWith(`${key}[`);
  const index = settings.findIndex(({ shown }) => (shown.flag ?? shown.file) === origin.file && under(shown.key));
  return index >= 0 ? [index] : [];
}

export interface BlameOptions {
  /** The request as rendered. */
  request: HelmTemplateRequest;
  cwd: string;
  /** The findings of the render with the chart's own values only. */
  chartFindings: readonly Finding[];
  /** Renders the chart with other values: its findings, or null when it fails. */
  render(request: HelmTemplateRequest): Promise<readonly Finding[] | null>;
  debug?: (text: string) => void;
}

/**
 * For each unsuppressed finding only the overrides produce: the settings without any one of which
 * it goes away (`introducedByOverrides`), or why they are not named.
 */
export async function blameOverrides(findings: readonly Finding[], options: BlameOptions): Promise<void> {
  const wanted = findings.filter((finding) => finding.introducedBy === 'overrides' && !finding.suppressed);
  if (wanted.length === 0) return;
  const grouped = userSettings(options.request, new ValuesFiles(options.cwd, options.debug), options.cwd);
  const settings = grouped.flat();
  let next = 0;
  const groups = grouped.map((group) => group.map(() => next++));
  const requests = new PartialRequests(options.request, settings);
  const byKey = new Map(wanted.map((finding) => [findingKey(finding), finding]));
  try {
    const { answers, renders } = await searchResponsibleSettings({
      groups,
      findings: [...byKey.keys()],
      suspects: (key) => suspectsOf(byKey.get(key)!, settings),
      budget: BLAME_RENDER_BUDGET,
      concurrency: BLAME_CONCURRENCY,
      withAll: new Set(findings.map(findingKey)),
      withNone: new Set(options.chartFindings.map(findingKey)),
      render: async (kept) => {
        const rendered = await options.render(requests.keeping(new Set(kept)));
        return rendered ? new Set(rendered.map(findingKey)) : null;
      },
    });
    options.debug?.(`introducedBy: ${renders} render(s) to name the settings behind ${byKey.size} finding(s)`);
    for (const finding of wanted) {
      const answer = answers.get(findingKey(finding));
      if (answer && 'settings' in answer) finding.introducedByOverrides = answer.settings.map((index) => settings[index]!.shown);
      else if (answer) finding.introducedByOverridesReason = answer.reason;
    }
  } finally {
    requests.remove();
  }
}
