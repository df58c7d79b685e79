// A release's rendered manifests as Helm hands them to a post-renderer (`hostns-check gate`):
// standard input, checked as it is. Findings point at the template file each document came from:
// Helm 4 names it in the `postrenderer.helm.sh/postrender-filename` annotation (it re-serialises
// the documents and drops `# Source:`), Helm 3 leaves its `# Source:` comment. With the chart's
// folder (`--chart`) they map to template and values lines as `hostns-check helm` does.
import type { SourceMapper } from '../../pipeline/sourceMapping.js';
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

export const postRenderKind: TargetKind<PostRenderSpec> = {
  type: 'manifests',
  pathOf: () => POSTRENDER_INPUT,
  documents: 'rendered document(s)',
  async open(spec, { cwd, debug }) {
    let mapper: SourceMapper = streamSource;
    if (spec.chart !== undefined) {
      const { helmSourceMapper } = await import('../helm/helmSource.js');
      mapper = helmSourceMapper({ chart: spec.chart, cwd, user: spec.user, debug, unproven: 'the gate checks the render Helm hands it and renders nothing itself; hostns-check helm proves lines' });
    }
    // Helm 4 writes the annotation over anything the chart wrote (and removes it after): it is
    // Helm's word, like `# Source:`, so mapping and exemptions may read it.
    const inputs = [{ chunks: [spec.input], file: POSTRENDER_INPUT, sourceOf: mapper, templateAnnotation: POSTRENDER_FILENAME_ANNOTATION }];
    return { inputs, chart: spec.chart, finish: async () => ({}), cleanup() {} };
  },
};
