// The files a target's check depends on, for `run --changed-since REF`: a helm target's chart
// folder (with the charts it vendors under charts/ and every chart a `file://` dependency names,
// recursively) and its values files; a kustomize target's overlay folder and every local base,
// component, patch and generator file its kustomization reaches, recursively; a manifests
// target's glob. Reads the work tree as it is; remote references have no local input.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { TargetSpec } from './targetsFile.js';

/** What a target reads: whole folders, single files, and glob patterns (absolute, as regular expressions). */
export interface TargetInputs {
  folders: string[];
  files: string[];
  patterns: RegExp[];
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** A chart or kustomization far past any real one is not read: its folder still counts whole. */
const MAX_DESCRIPTOR_BYTES = 1024 * 1024;

function isRemote(reference: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(reference) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(reference) || reference.startsWith('git@');
}

function readYaml(file: string): unknown {
  try {
    if (!statSync(file).isFile() || statSync(file).size > MAX_DESCRIPTOR_BYTES) return null;
    return parse(readFileSync(file, 'utf8'));
  } catch {
    return null; // a file that does not parse still counts through its folder
  }
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item)) : [];
}

/** A chart folder and the local charts its Chart.yaml depends on (`repository: file://…`), recursively. */
function addChart(folder: string, inputs: TargetInputs, seen: Set<string>): void {
  if (seen.has(folder)) return;
  seen.add(folder);
  inputs.folders.push(folder); // templates, values, charts/ (vendored subcharts and archives), Chart.lock
  const chart = readYaml(path.join(folder, 'Chart.yaml'));
  if (typeof chart !== 'object' || chart === null) return;
  for (const dependency of records((chart as Record<string, unknown>).dependencies)) {
    const repository = dependency.repository;
    if (typeof repository !== 'string' || !repository.startsWith('file://')) continue;
    const target = path.resolve(folder, repository.slice('file://'.length));
    if (isFolder(target)) addChart(target, inputs, seen);
  }
}

/** Every local path a kustomization names, a folder with its own kustomization followed in turn. */
function addKustomization(folder: string, inputs: TargetInputs, seen: Set<string>): void {
  if (seen.has(folder)) return;
  seen.add(folder);
  inputs.folders.push(folder);
  const file = KUSTOMIZATION_FILES.map((name) => path.join(folder, name)).find((candidate) => existsSync(candidate));
  if (!file) return;
  const kustomization = readYaml(file);
  if (typeof kustomization !== 'object' || kustomization === null) return;
  const k = kustomization as Record<string, unknown>;
  const named: string[] = [
    ...strings(k.resources),
    ...strings(k.bases),
    ...strings(k.components),
    ...strings(k.crds),
    ...strings(k.configurations),
    ...strings(k.generators),
    ...strings(k.transformers),
    ...strings(k.validators),
    ...strings(k.patchesStrategicMerge).filter((entry) => !entry.includes('\n')),
    ...[...records(k.patches), ...records(k.patchesJson6902), ...records(k.replacements)].flatMap((entry) => strings(entry.path)),
    ...[...records(k.configMapGenerator), ...records(k.secretGenerator)].flatMap((entry) => [
      ...strings(entry.files).map((spec) => spec.slice(spec.indexOf('=') + 1)),
      ...strings(entry.envs),
      ...strings(entry.env),
    ]),
    ...records(k.helmCharts).flatMap((entry) => [...strings(entry.valuesFile), ...strings(entry.additionalValuesFiles)]),
    ...(typeof k.helmGlobals === 'object' && k.helmGlobals !== null ? strings((k.helmGlobals as Record<string, unknown>).chartHome) : []),
    ...(typeof k.openapi === 'object' && k.openapi !== null ? strings((k.openapi as Record<string, unknown>).path) : []),
  ];
  for (const entry of named) {
    if (isRemote(entry)) continue;
    const target = path.resolve(folder, entry);
    if (isFolder(target)) addKustomization(target, inputs, seen);
    else inputs.files.push(target);
  }
}

/** A `manifests:` glob (`*`, `**`, `?`, `{a,b}`) as a regular expression over absolute paths. */
export function globPattern(glob: string): RegExp {
  let source = '';
  let braces = 0;
  for (let at = 0; at < glob.length; at++) {
    const char = glob[at]!;
    if (char === '*' && glob[at + 1] === '*') {
      at++;
      if (glob[at + 1] === '/') {
        at++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{') {
      braces++;
      source += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (char === ',' && braces > 0) source += '|';
    else source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The inputs of one target, paths absolute (resolved from `cwd`, which is where run resolves them). */
export function inputsOf(spec: TargetSpec, cwd: string): TargetInputs {
  const inputs: TargetInputs = { folders: [], files: [], patterns: [] };
  if (spec.type === 'helm') {
    const { chart, values, setFile } = spec.request;
    const local = path.resolve(cwd, chart);
    if (!isRemote(chart) && existsSync(local)) {
      if (isFolder(local)) addChart(local, inputs, new Set());
      else inputs.files.push(local); // a packaged chart
    }
    for (const file of values) if (!isRemote(file)) inputs.files.push(path.resolve(cwd, file));
    for (const entry of setFile) inputs.files.push(path.resolve(cwd, entry.slice(entry.indexOf('=') + 1)));
  } else if (spec.type === 'kustomize') {
    addKustomization(path.resolve(cwd, spec.dir), inputs, new Set());
  } else {
    const absolute = path.resolve(cwd, spec.glob);
    if (/[*?{]/.test(spec.glob)) inputs.patterns.push(globPattern(absolute.split(path.sep).join('/')));
    else if (isFolder(absolute)) inputs.folders.push(absolute);
    else inputs.files.push(absolute);
  }
  return inputs;
}

function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Whether any of the changed files (absolute) is one of the target's inputs. */
export function touches(inputs: TargetInputs, changed: readonly string[]): boolean {
  const files = new Set(inputs.files);
  return changed.some(
    (file) => files.has(file) || inputs.folders.some((folder) => inside(folder, file)) || inputs.patterns.some((pattern) => pattern.test(file.split(path.sep).join('/'))),
  );
}
