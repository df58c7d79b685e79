// Where a finding in a plain manifest stream points: the input file itself, or for a stream
// without a file, the template named by Helm's `# Source:` header.
import type { Position, SourceLocation } from '../types.js';
import type { RawDocument } from '../manifests/splitDocuments.js';

export type SourceMapper = (document: RawDocument, rendered: Position | null) => SourceLocation | null;

/** For a file on disk, the rendered position is the source position: exact. */
export function manifestFileSource(file: string): SourceMapper {
  return (document, rendered) => ({ file, line: rendered?.line ?? document.startLine, exact: rendered !== null });
}

/**
 * For standard input: with a `# Source:` header the template file is known but not its line, so
 * the line is the offset from the header (right for templates without directives) and never exact.
 */
export const streamSource: SourceMapper = (document, rendered) => {
  if (!document.sourceHeader) return null;
  const line = rendered ? rendered.line - (document.sourceHeaderLine ?? document.startLine - 1) : 1;
  return { file: document.sourceHeader, line: Math.max(1, line), exact: false };
};
