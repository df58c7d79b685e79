// The source mapper for Kustomize output: reads the files that origin and transformer
// annotations name (once each) and lets kustomizeOrigins.ts decide the line. Resources without
// an origin go to the fallback mapper, so a plain stream is mapped as before. Annotations are data:
// the files they name are read only inside the folders the user named (folderFiles.ts).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ParsedManifest } from '../../manifests/parseManifest.js';
import type { RawDocument } from '../../manifests/splitDocuments.js';
import type { JsonPath } from '../../types.js';
import { helmSourceMapper } from '../helm/helmSource.js';
import { allowedFolders, insidePath, readFileInside, type AllowedFolders } from './folderFiles.js';
import { helmChartFolder, type GeneratorEntry } from './generators.js';
import { inexact, resolveKustomizeSource, type OriginalResource } from './kustomizeOrigins.js';
import { ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION, parseOriginAnnotation, parseTransformationsAnnotation, parseYamlFile, type YamlFile } from './originAnnotations.js';
import { pickByName, type FinalResource } from './resourceSelectors.js';
import { existingPrefix, valueAt } from './yamlPaths.js';
import type { SourceMapper, SourceMapping, SourceQuery } from '../../pipeline/sourceMapping.js';

/** One document of a Helm render that Kustomize inflated, parsed with positions. */
export interface HelmDocument {
  raw: RawDocument;
  manifest: ParsedManifest;
  /** Absolute folder of the chart (the relay records it); null for a chart Helm fetched itself. */
  chartDir: string | null;
}

export interface KustomizeSourceOptions {
  /** Absolute folder the annotation paths are relative to: the folder Kustomize built. */
  root: string;
  /**
   * Folders the files annotations name may be read from (the folder the user named and the
   * working directory); nothing outside them is read, or said to exist.
   */
  allowed: string[];
  /** Reported paths are relative to it. */
  cwd: string;
  /** Annotations taken out of the stream, by document (those left on the resource are read too). */
  annotationsOf?: (query: SourceQuery) => Record<string, string> | undefined;
  /** Documents of the Helm renders behind `helmCharts`, when they were kept. */
  helmDocuments?: () => HelmDocument[];
  /** For resources Kustomize gives no origin. */
  fallback: SourceMapper;
  /** Told why a file an annotation names could not be used (--debug). */
  debug?: (text: string) => void;
}

function annotationsOfResource(resource: Record<string, unknown>): Record<string, string> {
  const metadata = resource.metadata as { annotations?: unknown } | undefined;
  const annotations = metadata?.annotations;
  if (typeof annotations !== 'object' || annotations === null) return {};
  return Object.fromEntries(Object.entries(annotations).filter(([, v]) => typeof v === 'string'));
}

/** Paths relative to the working directory, with `/` on every platform. */
function shownPath(cwd: string, absolute: string): string {
  return (path.relative(cwd, absolute) || absolute).split(path.sep).join('/');
}

/**
 * The `# Source:` name of the one template in a chart folder (not its subcharts) that writes
 * `kind:` this kind; null when none or several do.
 */
function templateWriting(chartDir: string, kind: string, allowed: AllowedFolders): string | null {
  const read = (file: string): string | null => {
    try {
      return readFileInside(file, allowed);
    } catch {
      return null;
    }
  };
  let chartName: string;
  try {
    const chart = read(path.join(chartDir, 'Chart.yaml'));
    if (chart === null) return null;
    chartName = /^name:\s*['"]?([^'"\s#]+)/m.exec(chart)?.[1] ?? path.basename(chartDir);
  } catch {
    return null;
  }
  const kindLine = new RegExp(`^\\s*kind:\\s*['"]?${kind.replace(/[^\w]/g, '')}['"]?\\s*$`, 'm');
  const found: string[] = [];
  const walk = (dir: string, relative: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), rel);
      // Helm renders every file of templates/ but partials (_*) and NOTES.txt; only regular files are read.
      else if (entry.isFile() && !entry.name.startsWith('_') && entry.name !== 'NOTES.txt' && kindLine.test(read(path.join(dir, entry.name)) ?? '')) {
        found.push(`${chartName}${rel}`);
      }
    }
  };
  walk(path.join(chartDir, 'templates'), '/templates');
  return found.length === 1 ? found[0]! : null;
}

export function kustomizeSource(options: KustomizeSourceOptions): SourceMapper {
  const allowed = allowedFolders(options.allowed);
  const files = new Map<string, YamlFile | null>();
  const load = (absolute: string): YamlFile | null => {
    if (!files.has(absolute)) {
      let parsed: YamlFile | null;
      try {
        parsed = parseYamlFile(absolute, shownPath(options.cwd, absolute), readFileInside(absolute, allowed));
      } catch (error) {
        parsed = null; // unreadable: the finding falls back to the resource's own place
        options.debug?.(`cannot read ${shownPath(options.cwd, absolute)} for source lines (${error instanceof Error ? error.message : String(error)})`);
      }
      files.set(absolute, parsed);
    }
    return files.get(absolute) ?? null;
  };
  const helmMappers = new Map<string, SourceMapper>();
  /** Charts whose template lines were mapped, as shown: their walk's lines are not proven. */
  const chartFolders = new Set<string>();
  const unproven = (mapping: SourceMapping): SourceMapping => {
    const source = mapping.source;
    if (!source?.exact || ![...chartFolders].some((folder) => source.file.startsWith(folder))) return mapping;
    return { ...mapping, source: { ...source, exact: false, reason: 'not proven: Kustomize rendered this chart, and no proof render checks its lines; hostns-check helm proves them' } };
  };
  // Kustomize's values file lives in its own temporary folder: values lines are not reported.
  const helmMapperFor = (chartDir: string): SourceMapper => {
    let mapper = helmMappers.get(chartDir);
    if (!mapper) {
      mapper = helmSourceMapper({ chart: chartDir, cwd: options.cwd, user: { files: [], sets: [] }, debug: options.debug });
      helmMappers.set(chartDir, mapper);
      chartFolders.add(`${shownPath(options.cwd, chartDir)}/`);
    }
    return mapper;
  };

  /** `hostns-check kustomize`: the relay kept Helm's render, `# Source:` comments and all. */
  const fromRender = (query: SourceQuery, resource: FinalResource): OriginalResource | null => {
    const documents = options.helmDocuments?.() ?? [];
    const sameKind = documents.filter((d) => (d.manifest.value as { kind?: unknown }).kind === resource.kind);
    const nameOf = (d: HelmDocument) => String((d.manifest.value as { metadata?: { name?: unknown } }).metadata?.name ?? '');
    const match = pickByName(sameKind, nameOf, resource.name);
    if (!match?.chartDir) return null;
    const mapper = helmMapperFor(match.chartDir);
    const rendered = match.manifest.value as Record<string, unknown>;
    const metadata = rendered.metadata as { namespace?: unknown } | undefined;
    const anchor = query.anchorPath?.slice(query.resourcePath.length);
    return {
      name: nameOf(match),
      namespace: typeof metadata?.namespace === 'string' ? metadata.namespace : null,
      locate: (jsonPath) => {
        const present = existingPrefix(rendered, jsonPath);
        const has = present.length === jsonPath.length;
        const mapped = mapper({
          document: match.raw,
          rendered: match.manifest.locate(present),
          resource: rendered,
          resourcePath: [],
          path: present,
          anchorPath: has ? anchor : undefined,
          locate: match.manifest.locate,
        });
        const location = mapped.source ?? { file: shownPath(options.cwd, match.chartDir!), line: 1, exact: false };
        return { location: has ? location : inexact(location), has, value: valueAt(rendered, jsonPath) };
      },
    };
  };

  /**
   * `scan -` and `krm`: Kustomize drops `# Source:`, so the template is the one of the entry's
   * chart that writes this kind, and the built resource stands in for Helm's render.
   */
  const fromChart = (query: SourceQuery, resource: FinalResource, kustomization: YamlFile, entry: GeneratorEntry | null): OriginalResource | null => {
    let chartDir = entry ? helmChartFolder(kustomization, entry) : null;
    try {
      if (chartDir) insidePath(chartDir, allowed);
    } catch {
      chartDir = null; // a chart outside the named folders is not read
    }
    const template = chartDir ? templateWriting(chartDir, resource.kind, allowed) : null;
    if (!chartDir || !template) return null;
    const mapper = helmMapperFor(chartDir);
    const document: RawDocument = { ...query.document, sourceHeader: template, sourceHeaderLine: null };
    // Kustomize sorts keys, so a list item's first line (`- image: ...`) is not Helm's (`- name:
    // ...`): items are matched by position instead of by the text of their first line.
    const locate = (jsonPath: JsonPath) => (typeof jsonPath[jsonPath.length - 1] === 'number' ? null : query.locate(jsonPath));
    const mapAt = (jsonPath: JsonPath) => {
      const full = [...query.resourcePath, ...jsonPath];
      return mapper({ ...query, document, path: full, rendered: query.locate(full), anchorPath: undefined, locate });
    };
    return {
      name: null,
      namespace: null,
      locate: (jsonPath) => {
        // The walk itself stops at the deepest line of the template that writes the path.
        const present = existingPrefix(resource.value, jsonPath);
        const mapped = mapAt(present).source;
        const has = Boolean(mapped?.exact) && present.length === jsonPath.length;
        const location = mapped ?? { file: shownPath(options.cwd, chartDir), line: 1, exact: false };
        return { location: has ? location : inexact(location), has, value: has ? valueAt(resource.value, jsonPath) : undefined };
      },
    };
  };

  const helmOriginal = (query: SourceQuery, resource: FinalResource, kustomization: YamlFile, entry: GeneratorEntry | null) =>
    fromRender(query, resource) ?? fromChart(query, resource, kustomization, entry);

  return (query) => {
    // Taken-out annotations and those the resource still carries (the overlay's own buildMetadata).
    const annotations = { ...annotationsOfResource(query.resource), ...options.annotationsOf?.(query) };
    const origin = annotations[ORIGIN_ANNOTATION] ? parseOriginAnnotation(annotations[ORIGIN_ANNOTATION]) : null;
    if (!origin) return options.fallback(query);
    const mapped = resolveKustomizeSource({
      resource: query.resource,
      path: query.path.slice(query.resourcePath.length),
      origin,
      transformations: parseTransformationsAnnotation(annotations[TRANSFORMATIONS_ANNOTATION] ?? ''),
      root: options.root,
      load,
      helmOriginal: (resource, kustomization, entry) => helmOriginal(query, resource, kustomization, entry),
    });
    if (mapped) return unproven(mapped);
    // The named file is not where the annotation says, seen from the root: say so, never guess.
    const named = origin.repo ? null : (origin.path ?? origin.configuredIn);
    if (!named) return options.fallback(query);
    return {
      source: {
        file: shownPath(options.cwd, path.resolve(options.root, named)),
        line: 1,
        exact: false,
        // One reason for a missing file and a file outside the named folders: never say which.
        reason: `Kustomize's origin ${named} cannot be read inside ${shownPath(options.cwd, options.root)} or the working directory: pass --kustomize-root with the folder kustomize built`,
      },
    };
  };
}
