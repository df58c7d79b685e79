// How a finding is tied to the line a person edits: the question a source mapper answers, the
// mappers every target kind can use (the input file itself; Helm's `# Source:` header for a
// stream without a file), and the guard that keeps a failing mapper from failing the check.
import type { JsonPath, Position, SourceLocation, ValuesOrigin } from '../types.js';
import type { RawDocument } from '../manifests/splitDocuments.js';

/** What a source mapper is asked about one finding. */
export interface SourceQuery {
  document: RawDocument;
  /** Where the offending key is in the rendered stream. */
  rendered: Position | null;
  /** The resource the finding belongs to, as plain data (a List item, not the List). */
  resource: Record<string, unknown>;
  /** Path of the resource from the document root ([] unless it is a List item). */
  resourcePath: JsonPath;
  /** Path of the offending key from the document root. */
  path: JsonPath;
  /** Where to point instead when the key is missing (a container, say). */
  anchorPath?: JsonPath;
  /** Maps any path of the document to its rendered position. */
  locate(path: JsonPath): Position | null;
}

export interface SourceMapping {
  source: SourceLocation | null;
  origin?: SourceLocation | null;
  values?: ValuesOrigin[];
}

export type SourceMapper = (query: SourceQuery) => SourceMapping;

/** For a file on disk, the rendered position is the source position: exact. */
export function manifestFileSource(file: string): SourceMapper {
  return ({ document, rendered }) => {
    if (!rendered) return { source: { file, line: document.startLine, exact: false, reason: 'the key is not in the document' } };
    const text = lineOfText(document.text, rendered.line - document.startLine);
    return { source: { file, line: rendered.line, exact: true, column: rendered.column, ...(text !== undefined ? { text } : {}) } };
  };
}

/**
 * For standard input: with a `# Source:` header the template file is known but not its line (nor
 * where the chart is), so the finding points at the file as a whole, never exactly.
 */
export const streamSource: SourceMapper = ({ document }) => {
  if (!document.sourceHeader) return { source: null };
  // Line 1 says "this file": a guessed line would send a reviewer (or an annotation) to the wrong one.
  const reason = 'only the template file is known (from its # Source: comment), not the line; hostns-check helm maps findings to template lines';
  return { source: { file: document.sourceHeader, line: 1, exact: false, reason } };
};

/** The n-th (0-based) line of a text, without splitting all of it. */
export function lineOfText(text: string, n: number): string | undefined {
  let start = 0;
  for (let i = 0; i < n; i++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return undefined;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end === -1 ? text.length : end);
}

/**
 * A mapper that never throws: mapping is best effort, the verdict comes from the render. A
 * failure (a chart file that cannot be read, say) degrades the finding to its `# Source:` header,
 * never exact, with the reason; `debug` is told why.
 */
export function safeSourceMapper(mapper: SourceMapper, debug?: (text: string) => void): SourceMapper {
  return (query) => {
    try {
      return mapper(query);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      debug?.(`source mapping fell back to the # Source: header: ${why}`);
      const header = query.document.sourceHeader;
      const reason = `the line could not be mapped (${why}); only the template file is known`;
      return { source: header ? { file: header, line: 1, exact: false, reason } : null };
    }
  };
}

/** A mapper for streams whose lines lead nowhere a person edits. */
export const noSource: SourceMapper = () => ({ source: null });
