// Generators: the kustomization entry that configures a generated resource, and a helmCharts
// entry's chart folder.
import path from 'node:path';
import { isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import type { SourceLocation } from '../../types.js';
import { YamlFile } from './originAnnotations.js';
import { FinalResource, pickByName } from './resourceSelectors.js';
import { locationOf, pairOf, scalarValue } from './yamlPaths.js';

const GENERATOR_FIELDS: Record<string, string> = {
  ConfigMapGenerator: 'configMapGenerator',
  SecretGenerator: 'secretGenerator',
  HelmChartInflationGenerator: 'helmCharts',
};

/** A generator's entry in a kustomization: its fields as data, and where it starts. */
export interface GeneratorEntry {
  fields: Record<string, unknown>;
  location: SourceLocation;
}

/**
 * The list item of a generator field that made the resource: by name for ConfigMaps and Secrets,
 * by the `helm.sh/chart` label or release name for charts. `entry` is null when unsure, and
 * `location` is then the field's own line.
 */
export function generatorEntry(
  kustomization: YamlFile,
  generatorKind: string,
  resource: FinalResource,
): { entry: GeneratorEntry | null; location: SourceLocation } | null {
  const root = kustomization.documents[0]?.contents;
  if (!isMap(root)) return null;
  const field = GENERATOR_FIELDS[generatorKind] ?? 'generators';
  const fieldPair = pairOf(root, field) ?? (generatorKind === 'HelmChartInflationGenerator' ? pairOf(root, 'helmChartInflationGenerator') : undefined);
  if (!fieldPair) return null;
  const entries = isSeq(fieldPair.value) ? fieldPair.value.items.filter(isMap) : [];
  const text = (entry: YAMLMap, key: string) => {
    const value = scalarValue(pairOf(entry, key)?.value);
    return typeof value === 'string' ? value : '';
  };
  let entry: YAMLMap | null = null;
  if (generatorKind === 'HelmChartInflationGenerator') {
    const chartLabel = resource.labels['helm.sh/chart'];
    entry =
      entries.find((e) => chartLabel !== undefined && chartLabel.startsWith(`${text(e, 'name')}-`)) ??
      pickByName(entries, (e) => text(e, 'releaseName'), resource.name);
  } else if (field !== 'generators') {
    entry = pickByName(entries, (e) => text(e, 'name'), resource.name);
  }
  if (!entry) return { entry: null, location: locationOf(kustomization, fieldPair.key as Node, false) };
  const location = locationOf(kustomization, entry, false);
  return { entry: { fields: entry.toJSON() as Record<string, unknown>, location }, location };
}

/** The local folder of a `helmCharts` entry: `<chartHome>/<name>` beside the kustomization (Kustomize's default home is `charts`). */
export function helmChartFolder(kustomization: YamlFile, entry: GeneratorEntry): string | null {
  const name = entry.fields.name;
  if (typeof name !== 'string' || name === '') return null;
  const root = kustomization.documents[0]?.toJS() as { helmGlobals?: { chartHome?: unknown } } | null;
  const home = typeof root?.helmGlobals?.chartHome === 'string' ? root.helmGlobals.chartHome : 'charts';
  return path.resolve(path.dirname(kustomization.absolute), home, name);
}
