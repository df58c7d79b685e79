// A release's rendered manifests as Helm hands them to a post-renderer (`hostns-check gate`):
// standard input, checked as it is. Findings point at the template file each document came from:
// Helm 4 names it in the `postrenderer.helm.sh/postrender-filename` annotation (it re-serialises
// the documents and drops `# Source:`), Helm 3 leaves its `# Source:` comment. With the chart's
// folder (`--chart`) they map to template and values lines as `hostns-check helm` does.
import type { SourceMapper, SourceQuery } from '../../pipeline/sourceMapping.js';
import { streamSource } from '../../pipeline/sourceMapping.js';
import type { UserValues } from '../helm/valuesOrigins.js';
import type { TargetKind } from '../targetKind.js';

export const POSTRENDER_FILENAME_ANNOTATION = 'postrenderer.helm.sh/postrender-filename';
export const POSTRENDER_INPUT = '<stdin>';

export interface PostRenderSpec {
  input: string;
  /** The chart's folder or archive, when the user names it: findings then point at lines. */
  chart?: string;
  /** The -f and --set the release was rendered with (for values lines). */
  user: UserValues;
}

/** The template file Helm 4 names in a resource's annotation. */
function annotatedTemplate(resource: Record<string, unknown>): string | null {
  const metadata = resource.metadata as { annotations?: Record<string, unknown> } | undefined;
  const file = metadata?.annotations?.[POSTRENDER_FILENAME_ANNOTATION];
  return typeof file === 'string' && file !== '' ? file : null;
}

/** The query with the annotation standing in for `# Source:` where the document has none. */
function withTemplateFile(query: SourceQuery): SourceQuery {
  if (query.document.sourceHeader) return query;
  const file = annotatedTemplate(query.resource);
  return file ? { ...query, document: { ...query.document, sourceHeader: file, sourceHeaderLine: null } } : query;
}

export const postRenderKind: TargetKind<PostRenderSpec> = {
  type: 'manifests',
  pathOf: () => POSTRENDER_INPUT,
  documents: 'rendered document(s)',
  async open(spec, { cwd, debug }) {
    let mapper: SourceMapper = streamSource;
    if (spec.chart !== undefined) {
      const { helmSourceMapper } = await import('../helm/helmSource.js');
      mapper = helmSourceMapper({ chart: spec.chart, cwd, user: spec.user, debug });
    }
    const sourceOf: SourceMapper = (query) => mapper(withTemplateFile(query));
    return { inputs: [{ chunks: [spec.input], file: POSTRENDER_INPUT, sourceOf }], chart: spec.chart, finish: async () => ({}), cleanup() {} };
  },
};
