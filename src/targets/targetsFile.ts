// The `targets:` list of the configuration file: every chart, overlay and manifest set that
// `hostns-check run` checks, each with its own values. Strict, with the line of every mistake.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, type YAMLMap } from 'yaml';
import { emptyHelmRequest, type HelmTemplateRequest } from './helm/helmTemplate.js';
import { ConfigError } from '../config/configError.js';
import { parseConfigDocument, readConfigText } from '../config/configText.js';

export interface HelmTargetSpec {
  type: 'helm';
  name: string;
  /** What to render: the chart relative to the working directory, `set:` entries as --set-json (which keeps their types). */
  request: HelmTemplateRequest;
}

export interface KustomizeTargetSpec {
  type: 'kustomize';
  name: string;
  dir: string;
  enableHelm: boolean;
  loadRestrictor?: string;
}

export interface ManifestsTargetSpec {
  type: 'manifests';
  name: string;
  /** A file, a folder, or a glob (`*`, `**`, `?`) relative to the configuration file. */
  glob: string;
  /** The configuration file's folder (absolute): what the target may read, unless `run --allow-outside-config`. */
  configDir: string;
}

export type TargetSpec = HelmTargetSpec | KustomizeTargetSpec | ManifestsTargetSpec;

interface Reader {
  file: string;
  lines: LineCounter;
}

function lineOf(reader: Reader, node: unknown): number | null {
  const range = (node as Node | null | undefined)?.range;
  return range ? reader.lines.linePos(range[0]).line : null;
}

function fail(reader: Reader, node: unknown, message: string): never {
  throw new ConfigError(reader.file, lineOf(reader, node), message);
}

function stringValue(reader: Reader, map: YAMLMap, key: string, required: boolean): string | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair) {
    if (required) fail(reader, map, `a target needs ${key}`);
    return undefined;
  }
  if (!isScalar(pair.value) || (typeof pair.value.value !== 'string' && typeof pair.value.value !== 'number')) {
    fail(reader, pair.value ?? pair.key, `${key} must be a string`);
  }
  return String(pair.value.value);
}

function boolValue(reader: Reader, map: YAMLMap, key: string): boolean {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair) return false;
  if (!isScalar(pair.value) || typeof pair.value.value !== 'boolean') fail(reader, pair.value ?? pair.key, `${key} must be true or false`);
  return pair.value.value;
}

function stringList(reader: Reader, map: YAMLMap, key: string): string[] {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair) return [];
  if (isScalar(pair.value) && typeof pair.value.value === 'string') return [pair.value.value];
  if (!isSeq(pair.value)) fail(reader, pair.value ?? pair.key, `${key} must be a list of strings`);
  return pair.value.items.map((item) => {
    if (!isScalar(item) || typeof item.value !== 'string') fail(reader, item, `${key} must be a list of strings`);
    return item.value;
  });
}

const HELM_KEYS = ['helm', 'name', 'releaseName', 'values', 'valueSets', 'set', 'namespace', 'kubeVersion', 'apiVersions', 'includeCrds', 'skipTests', 'version', 'repo', 'devel'];
const KUSTOMIZE_KEYS = ['kustomize', 'name', 'enableHelm', 'loadRestrictor'];
const MANIFESTS_KEYS = ['manifests', 'name'];

/** A relative path in the configuration is relative to the configuration file's folder. */
function fromConfig(reader: Reader, value: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || path.isAbsolute(value)) return value;
  const resolved = path.resolve(path.dirname(path.resolve(cwd, reader.file)), value);
  return path.relative(cwd, resolved) || '.';
}

/** Remote chart references (`repo/name`, `oci://`) are kept as they are. */
function chartReference(reader: Reader, value: string, cwd: string, hasRepo: boolean): string {
  if (hasRepo || value.startsWith('oci://')) return value;
  // `repo/name` of a repository added with `helm repo add` is not a path: keep it when no such path exists.
  const local = fromConfig(reader, value, cwd);
  return existsSync(path.resolve(cwd, local)) ? local : value;
}

/** Reads `targets:`; `file` is how errors name the configuration file. */
export function readTargets(node: unknown, file: string, lines: LineCounter, cwd: string): TargetSpec[] {
  const reader: Reader = { file, lines };
  if (!isSeq(node)) fail(reader, node, 'targets must be a list');
  const targets: TargetSpec[] = [];
  const names = new Set<string>();
  const add = (target: TargetSpec, where: unknown) => {
    if (names.has(target.name)) fail(reader, where, `two targets are named "${target.name}"; give each a unique name`);
    names.add(target.name);
    targets.push(target);
  };
  for (const item of node.items) {
    if (!isMap(item)) fail(reader, item, 'each target must be a mapping with helm, kustomize or manifests');
    const keys = item.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
    const kinds = ['helm', 'kustomize', 'manifests'].filter((k) => keys.includes(k));
    const kind = kinds[0];
    if (kinds.length !== 1 || kind === undefined) fail(reader, item, 'each target needs exactly one of helm, kustomize or manifests');
    const allowed = kind === 'helm' ? HELM_KEYS : kind === 'kustomize' ? KUSTOMIZE_KEYS : MANIFESTS_KEYS;
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.includes(key)) fail(reader, pair.key, `unknown setting "${key}" for a ${kind} target; the settings are ${allowed.join(', ')}`);
    }
    const source = stringValue(reader, item, kind, true) as string;
    const name = stringValue(reader, item, 'name', false) ?? source;
    if (kind === 'manifests') {
      add({ type: 'manifests', name, glob: fromConfig(reader, source, cwd), configDir: path.dirname(path.resolve(cwd, reader.file)) }, item);
      continue;
    }
    if (kind === 'kustomize') {
      add({ type: 'kustomize', name, dir: fromConfig(reader, source, cwd), enableHelm: boolValue(reader, item, 'enableHelm'), loadRestrictor: stringValue(reader, item, 'loadRestrictor', false) }, item);
      continue;
    }
    const repo = stringValue(reader, item, 'repo', false);
    const setPair = item.items.find((p) => isScalar(p.key) && p.key.value === 'set');
    const setJson: string[] = [];
    if (setPair) {
      if (!isMap(setPair.value)) fail(reader, setPair.value ?? setPair.key, 'set must map values keys to values, e.g. agent.hostNetwork: true');
      for (const entry of setPair.value.items) {
        const key = isScalar(entry.key) ? String(entry.key.value) : fail(reader, entry.key, 'set keys must be strings');
        const value: unknown = (entry.value as Node | null)?.toJSON?.() ?? null;
        setJson.push(`${key}=${JSON.stringify(value)}`);
      }
    }
    const defaults = emptyHelmRequest(chartReference(reader, source, cwd, repo !== undefined));
    const base: HelmTargetSpec = {
      type: 'helm',
      name,
      request: {
        ...defaults,
        releaseName: stringValue(reader, item, 'releaseName', false) ?? defaults.releaseName,
        values: stringList(reader, item, 'values').map((v) => fromConfig(reader, v, cwd)),
        setJson,
        namespace: stringValue(reader, item, 'namespace', false),
        kubeVersion: stringValue(reader, item, 'kubeVersion', false),
        apiVersions: stringList(reader, item, 'apiVersions'),
        includeCrds: boolValue(reader, item, 'includeCrds'),
        skipTests: boolValue(reader, item, 'skipTests'),
        version: stringValue(reader, item, 'version', false),
        repo,
        devel: boolValue(reader, item, 'devel'),
      },
    };
    const valueSetsPair = item.items.find((p) => isScalar(p.key) && p.key.value === 'valueSets');
    if (!valueSetsPair) {
      add(base, item);
      continue;
    }
    // One target per environment: `valueSets: [[values.yaml], [values.yaml, values-prod.yaml]]`.
    if (!isSeq(valueSetsPair.value)) fail(reader, valueSetsPair.value ?? valueSetsPair.key, 'valueSets must be a list of lists of values files');
    for (const set of valueSetsPair.value.items) {
      if (!isSeq(set)) fail(reader, set, 'each value set must be a list of values files');
      const files = set.items.map((f) => {
        if (!isScalar(f) || typeof f.value !== 'string') fail(reader, f, 'values files must be strings');
        return f.value;
      });
      const values = [...base.request.values, ...files.map((f) => fromConfig(reader, f, cwd))];
      add({ ...base, name: `${name}[${files.map((f) => path.basename(f)).join('+') || 'defaults'}]`, request: { ...base.request, values } }, set);
    }
  }
  return targets;
}

/** The targets of a configuration file (an empty list when it has none). */
export function readTargetsFile(file: string, cwd: string): TargetSpec[] {
  const shown = path.relative(cwd, path.resolve(cwd, file)) || file;
  const text = readConfigText(path.resolve(cwd, file), shown);
  const { doc, lines } = parseConfigDocument(text);
  if (!isMap(doc.contents)) return [];
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'targets');
  return pair ? readTargets(pair.value, shown, lines, cwd) : [];
}
