// The source mapper for Kustomize output: reads the files that origin and transformer
// annotations name (once each) and lets kustomizeOrigins.ts decide the line. Resources without
// an origin go to the fallback mapper, so a plain stream is mapped as before.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ParsedManifest } from '../manifests/parseManifest.js';
import type { RawDocument } from '../manifests/splitDocuments.js';
import type { JsonPath, SourceLocation } from '../types.js';
import { helmSourceMapper } from './helmSource.js';
import {
  ORIGIN_ANNOTATION,
  TRANSFORMATIONS_ANNOTATION,
  existingPrefix,
  parseOriginAnnotation,
  parseTransformationsAnnotation,
  parseYamlFile,
  pickByName,
  resolveKustomizeSource,
  valueAt,
  type FinalResource,
  type OriginalResource,
  type YamlFile,
} from './kustomizeOrigins.js';
import type { SourceMapper, SourceQuery } from './manifestSource.js';

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
  /** Reported paths are relative to it. */
  cwd: string;
  /** Annotations taken out of the stream, when they were (else they are read from the resource). */
  annotationsOf?: (query: SourceQuery) => Record<string, string> | undefined;
  /** Documents of the Helm renders behind `helmCharts`, when they were kept. */
  helmDocuments?: () => HelmDocument[];
  /** For resources Kustomize gives no origin. */
  fallback: SourceMapper;
}

function annotationsOfResource(resource: Record<string, unknown>): Record<string, string> {
  const metadata = resource.metadata as { annotations?: unknown } | undefined;
  const annotations = metadata?.annotations;
  if (typeof annotations !== 'object' || annotations === null) return {};
  return Object.fromEntries(Object.entries(annotations).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** Paths relative to the working directory, with `/` on every platform. */
function shownPath(cwd: string, absolute: string): string {
  return (path.relative(cwd, absolute) || absolute).split(path.sep).join('/');
}

export function kustomizeSource(options: KustomizeSourceOptions): SourceMapper {
  const files = new Map<string, YamlFile | null>();
  const load = (absolute: string): YamlFile | null => {
    if (!files.has(absolute)) {
      let parsed: YamlFile | null = null;
      try {
        parsed = parseYamlFile(absolute, shownPath(options.cwd, absolute), readFileSync(absolute, 'utf8'));
      } catch {
        parsed = null; // unreadable: the finding falls back to the resource's own place
      }
      files.set(absolute, parsed);
    }
    return files.get(absolute) ?? null;
  };
  const helmMappers = new Map<string, SourceMapper>();

  /** The chart render a resource came from, mapped to template lines as `hostns-check helm` maps them. */
  const helmOriginal = (query: SourceQuery, resource: FinalResource): OriginalResource | null => {
    const documents = options.helmDocuments?.() ?? [];
    const sameKind = documents.filter((d) => (d.manifest.value as { kind?: unknown }).kind === resource.kind);
    const nameOf = (d: HelmDocument) => String((d.manifest.value as { metadata?: { name?: unknown } }).metadata?.name ?? '');
    const match = pickByName(sameKind, nameOf, resource.name);
    if (!match || !match.chartDir) return null;
    let mapper = helmMappers.get(match.chartDir);
    if (!mapper) {
      // Kustomize's values file lives in its own temporary folder: values lines are not reported.
      mapper = helmSourceMapper({ chart: match.chartDir, cwd: options.cwd, user: { files: [], sets: [] } });
      helmMappers.set(match.chartDir, mapper);
    }
    const rendered = match.manifest.value;
    const metadata = (rendered as { metadata?: { namespace?: unknown } }).metadata;
    const anchor = query.anchorPath?.slice(query.resourcePath.length);
    return {
      name: nameOf(match),
      namespace: typeof metadata?.namespace === 'string' ? metadata.namespace : null,
      locate: (jsonPath: JsonPath) => {
        const present = existingPrefix(rendered, jsonPath);
        const has = present.length === jsonPath.length;
        const mapped = mapper!({
          document: match.raw,
          rendered: match.manifest.locate(present),
          resource: rendered as Record<string, unknown>,
          resourcePath: [],
          path: has ? jsonPath : present,
          anchorPath: has ? anchor : undefined,
          locate: match.manifest.locate,
        });
        const fallback: SourceLocation = { file: match.raw.sourceHeader ?? shownPath(options.cwd, match.chartDir!), line: 1, exact: false };
        const location = mapped.source ?? fallback;
        return { location: has ? location : { ...location, exact: false }, has, value: valueAt(rendered, jsonPath) };
      },
    };
  };

  return (query) => {
    const annotations = options.annotationsOf?.(query) ?? annotationsOfResource(query.resource);
    const origin = annotations[ORIGIN_ANNOTATION] ? parseOriginAnnotation(annotations[ORIGIN_ANNOTATION]) : null;
    if (!origin) return options.fallback(query);
    const mapped = resolveKustomizeSource({
      resource: query.resource,
      path: query.path.slice(query.resourcePath.length),
      origin,
      transformations: parseTransformationsAnnotation(annotations[TRANSFORMATIONS_ANNOTATION] ?? ''),
      root: options.root,
      load,
      helmOriginal: (resource) => helmOriginal(query, resource),
    });
    return mapped ?? options.fallback(query);
  };
}
