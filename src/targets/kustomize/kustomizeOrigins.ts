// How Kustomize's build metadata leads back to the line a person edits. Kustomize records, per
// resource, the file or generator it came from (`config.kubernetes.io/origin`) and every
// transformer that ran over it (`alpha.config.kubernetes.io/transformations`), but not which field
// a transformer changed: each patch's own content decides whether it wrote the offending value.
// Everything here is pure; files come in through `load`. The pieces live beside it:
// originAnnotations.ts, yamlPaths.ts, resourceSelectors.ts, patches.ts, generators.ts.
import path from 'node:path';
import type { JsonPath, SourceLocation } from '../../types.js';
import { GeneratorEntry, generatorEntry } from './generators.js';
import { KustomizeOrigin, LoadYaml, YamlFile } from './originAnnotations.js';
import { PATCH_FIELDS, PatchWrite, kustomizationPatches, patchWrite } from './patches.js';
import { FinalResource, ResourceNames, finalResourceOf, findResourceDocument, metadataOf } from './resourceSelectors.js';
import { documentStart, existingPrefix, locationOf, scalarValue, valueAt, walkYaml } from './yamlPaths.js';

/** Where the resource came from before any patch, and what it held there. */
export interface OriginalResource {
  /** The name and namespace it had there (patches may use them). */
  name: string | null;
  namespace: string | null;
  /** Where the path (or its deepest existing parent) is, and whether the whole path is there. */
  locate(jsonPath: JsonPath): { location: SourceLocation; has: boolean; value: unknown };
}

export interface OriginQuery {
  /** The resource as built (the offending value is read from it). */
  resource: Record<string, unknown>;
  /** Path of the offending key from the resource's root. */
  path: JsonPath;
  origin: KustomizeOrigin;
  transformations: KustomizeOrigin[];
  /** Absolute folder the annotation paths are relative to. */
  root: string;
  load: LoadYaml;
  /** For resources inflated from a chart: where the chart writes each path (entry: its helmCharts item). */
  helmOriginal?: (resource: FinalResource, kustomization: YamlFile, entry: GeneratorEntry | null) => OriginalResource | null;
}

export interface OriginMapping {
  source: SourceLocation;
  origin?: SourceLocation;
}

/** The resource's own file, found by kind and name among its documents. */
export function fileOriginal(file: YamlFile, resource: FinalResource): OriginalResource | null {
  const document = findResourceDocument(file, resource);
  if (!document) return null;
  const own = metadataOf(document.toJS());
  return {
    name: own?.name ?? null,
    namespace: own?.namespace ?? null,
    locate: (jsonPath) => {
      const steps = walkYaml(document.contents, jsonPath, resource.value);
      const has = steps.length === jsonPath.length;
      const last = steps[steps.length - 1];
      const location = last ? locationOf(file, last.anchor, has) : documentStart(file, document);
      return { location, has, value: last ? scalarValue(last.value) : undefined };
    },
  };
}

/** A generated resource: the generator's entry configures all of it. */
function generatedOriginal(entry: SourceLocation): OriginalResource {
  return { name: null, namespace: null, locate: () => ({ location: entry, has: true, value: undefined }) };
}

/** The same place, as a pointer to the resource rather than to the line that writes the value. */
export function inexact(location: SourceLocation): SourceLocation {
  const { reason: _reason, ...rest } = location;
  return { ...rest, exact: false };
}

function sameLocation(a: SourceLocation, b: SourceLocation): boolean {
  return a.file === b.file && a.line === b.line;
}

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && a !== null && b !== null && String(a) === String(b));
}

/**
 * The line to edit for one finding. A leaf value comes from the last patch that writes it (one
 * that writes the value the resource ends with, when several do), else from the resource's own
 * file or generator. A missing value (no runAsUser at all) is reported where its nearest existing
 * parent was created: the resource's own file when it has that parent, else the first patch that
 * adds it. `origin` is the resource's own place whenever a patch is the source.
 */
export function resolveKustomizeSource(query: OriginQuery): OriginMapping | null {
  const resource = finalResourceOf(query.resource);
  const present = existingPrefix(resource.value, query.path);
  const presentValue = valueAt(resource.value, present);
  const isLeaf = present.length === query.path.length && (typeof presentValue !== 'object' || presentValue === null);

  let original: OriginalResource | null = null;
  const by = query.origin.configuredBy?.kind;
  if (query.origin.path && !query.origin.repo) {
    const file = query.load(path.resolve(query.root, query.origin.path));
    original = file ? fileOriginal(file, resource) : null;
  } else if (query.origin.configuredIn && by) {
    const kustomization = query.load(path.resolve(query.root, query.origin.configuredIn));
    const generator = kustomization ? generatorEntry(kustomization, by, resource) : null;
    if (kustomization && by === 'HelmChartInflationGenerator') original = query.helmOriginal?.(resource, kustomization, generator?.entry ?? null) ?? null;
    if (!original && generator) original = generatedOriginal(generator.location);
  }
  if (!original) return null;

  const known: ResourceNames = {
    names: [resource.name, ...(original.name && original.name !== resource.name ? [original.name] : [])],
    namespaces: [resource.namespace, original.namespace],
  };
  const writes: PatchWrite[] = [];
  const seen = new Set<string>();
  for (const transformation of query.transformations) {
    const field = transformation.configuredBy?.kind ? PATCH_FIELDS[transformation.configuredBy.kind] : undefined;
    if (!field || !transformation.configuredIn) continue;
    // One entry per patch, all alike: read each kustomization's field once, in order.
    const key = `${transformation.configuredIn}\0${field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const kustomization = query.load(path.resolve(query.root, transformation.configuredIn));
    if (!kustomization) continue;
    for (const patch of kustomizationPatches(kustomization, field, query.load)) {
      const write = present.length > 0 ? patchWrite(patch, resource, known, present) : null;
      if (write) writes.push(write);
    }
  }

  const own = original.locate(present);
  let source: SourceLocation;
  if (isLeaf) {
    const matching = writes.filter((write) => write.value === undefined || sameScalar(write.value, presentValue));
    const written = (matching[matching.length - 1] ?? writes[writes.length - 1])?.location;
    // A value that neither a patch nor the resource's own line explains was set by another
    // transformer (replacements, say): point at the resource, but not as the exact line.
    const unexplained = own.has && own.value !== undefined && !sameScalar(own.value, presentValue);
    source = written ?? (unexplained ? inexact(own.location) : own.location);
  } else {
    source = own.has ? inexact(own.location) : writes[0] ? inexact(writes[0].location) : own.location;
  }
  if (sameLocation(source, own.location)) return { source };
  return { source, origin: own.location };
}
