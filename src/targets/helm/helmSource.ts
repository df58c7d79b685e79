// Maps a finding in `helm template` output to the template line that wrote the key and the
// values lines that set its value.
import type { RawDocument } from '../../manifests/splitDocuments.js';
import type { JsonPath, SourceLocation } from '../../types.js';
import { loadChartTree, resolveSourceHeader, unreadReason, type ChartNode } from './chartTree.js';
import { streamSource, type SourceMapper, type SourceQuery } from '../../pipeline/sourceMapping.js';
import { TemplateIndex, WalkStopped, type RenderedStep, type WalkLimits } from './templateWalk.js';
import { effectiveValue, ValuesFiles, valuesOrigins, type UserValues } from './valuesOrigins.js';
import type { ValuesSegment } from './templateScope.js';

export interface HelmSourceOptions {
  /** The chart as the user named it (a folder or .tgz; anything else maps by `# Source:` only). */
  chart: string;
  cwd: string;
  user: UserValues;
  /** Where the chart's files come from (`run` shares them across a chart's targets). */
  loadTree?: (chart: string, cwd: string) => ChartNode | null;
  /** Told why the chart could not be read for mapping (--debug). */
  debug?: (text: string) => void;
  /** The template walk's budget and deadline (the run's --timeout); defaults for the rest. */
  limits?: Partial<WalkLimits>;
  /**
   * Why no proof render will check these lines (a render the tool did not make): the walk's lines
   * are then never called exact. The Helm target leaves it unset, and proves them.
   */
  unproven?: string;
}

const linesOf = new WeakMap<RawDocument, string[]>();

/** A rendered document's lines, split once for all its findings. */
function documentLines(document: RawDocument): string[] {
  let lines = linesOf.get(document);
  if (!lines) linesOf.set(document, (lines = document.text.split('\n')));
  return lines;
}

/** The rendered line a path is on, trimmed (null when it is not rendered). */
function renderedLine(query: SourceQuery, path: JsonPath): string | null {
  const position = query.locate(path);
  const text = position ? documentLines(query.document)[position.line - query.document.startLine] : undefined;
  return text === undefined ? null : text.trim();
}

/**
 * The rendered steps of a path from the document's root (through `items` for a List item, which
 * the template writes too), each with the rendered line it is on.
 */
function renderedSteps(query: SourceQuery, path: JsonPath): RenderedStep[] {
  // A KRM ResourceList holds resources Kustomize built: the template wrote the resource, not the
  // list, so the walk starts at the resource; a List the template wrote is walked from its root.
  const from = renderedLine(query, ['kind']) === 'kind: ResourceList' ? query.resourcePath.length : 0;
  return path.slice(from).map((segment, i) => ({ segment, line: renderedLine(query, path.slice(0, from + i + 1)) }));
}

/** The resource's rendered `kind:` and `metadata.name` lines, which tell a file's documents apart. */
function identityLines(query: SourceQuery): string[] {
  const lines = [renderedLine(query, [...query.resourcePath, 'kind']), renderedLine(query, [...query.resourcePath, 'metadata', 'name'])];
  return lines.filter((line): line is string => line !== null);
}

/** A Helm source mapper, and a way to read the chart before the first finding asks for it. */
export interface HelmSourceMapper extends SourceMapper {
  /**
   * Reads the chart's files (subchart archives included) now. Worth calling while Helm renders:
   * the work is the same, but it is no longer between Helm's output and the report.
   */
  prepare(): void;
}

export function helmSourceMapper(options: HelmSourceOptions): HelmSourceMapper {
  let tree: ChartNode | null | undefined;
  let index: TemplateIndex | null = null;
  /** Why the chart's files could not be read: mapping is best effort, the render's verdict stands. */
  let unreadable: string | null = null;
  const files = new ValuesFiles(options.cwd, options.debug);
  const prepare = () => {
    if (tree !== undefined) return;
    try {
      tree = (options.loadTree ?? loadChartTree)(options.chart, options.cwd);
      const values = {
        has: (chart: ChartNode, path: ValuesSegment[]) => valuesOrigins(chart, path, options.user, files).length > 0,
        value: (chart: ChartNode, path: ValuesSegment[]) => effectiveValue(chart, path, options.user, files),
      };
      index = tree ? new TemplateIndex(tree, values, options.limits) : null;
    } catch (error) {
      tree = null;
      index = null;
      unreadable = `the chart's files could not be read for mapping (${error instanceof Error ? error.message : String(error)})`;
      options.debug?.(`${unreadable}; findings point at their # Source: template file`);
    }
  };
  const mapper: SourceMapper = (query) => {
    const fallback = streamSource(query);
    prepare();
    const header = query.document.sourceHeader;
    const located = tree && header ? resolveSourceHeader(tree, header) : null;
    if (!tree || !index || !located) {
      const notRead = tree && header ? unreadReason(tree, header) : null;
      const reason = tree
        ? notRead
          ? `the # Source: template was not read for mapping: ${notRead}`
          : 'the # Source: template is not among the chart files'
        : (unreadable ?? 'the chart is not a local folder or archive');
      return withReason(fallback, reason);
    }
    const file = index.file(located.chart, located.file);
    const missing = query.rendered !== null && query.locate(query.path) === null;
    const path = missing && query.anchorPath ? query.anchorPath : query.path;
    const steps = renderedSteps(query, path);
    let walked;
    try {
      walked = file && steps.length > 0 ? index.walk(file, steps, missing, identityLines(query)) : null;
    } catch (error) {
      if (!(error instanceof WalkStopped)) throw error;
      options.debug?.(`${error.message}; the finding points at its # Source: template file`);
      return withReason({ source: { file: located.chart.display(located.file), line: fallback.source?.line ?? 1, exact: false } }, error.message);
    }
    if (!walked) {
      return withReason(
        { source: { file: located.chart.display(located.file), line: fallback.source?.line ?? 1, exact: false } },
        'no line of the template matches the rendered key',
      );
    }
    const source: SourceLocation = {
      file: walked.file.chart.display(walked.file.file),
      line: walked.line.no,
      exact: walked.exact,
      column: (walked.line.key !== null ? walked.line.keyCol : walked.line.indent) + 1,
      text: walked.line.text,
    };
    if (!walked.exact && walked.reason) source.reason = walked.reason;
    const values = walked.values ? valuesOrigins(walked.values.chart, walked.values.path, options.user, files) : [];
    return { source, values };
  };
  const unproven = options.unproven;
  const shown: SourceMapper = unproven
    ? (query) => {
        const mapping = mapper(query);
        return mapping.source?.exact ? { ...mapping, source: { ...mapping.source, exact: false, reason: `not proven: ${unproven}` } } : mapping;
      }
    : mapper;
  return Object.assign(shown, { prepare });
}

function withReason(mapping: ReturnType<SourceMapper>, reason: string): ReturnType<SourceMapper> {
  return mapping.source ? { ...mapping, source: { ...mapping.source, reason } } : mapping;
}
