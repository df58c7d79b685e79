// The YAML comments of one document with their stream lines, read from the parser's concrete
// syntax tree so a `#` inside a quoted string or a block scalar is never taken for a comment.
import { Parser } from 'yaml';
import type { RawDocument } from './splitDocuments.js';
import { GO_YAML_LINE_BREAKS } from './parseManifest.js';

export interface YamlComment {
  /** 1-based line in the stream. */
  line: number;
  /** The comment without its `#`, trimmed. */
  text: string;
  /** True when nothing but indentation stands before the `#` on its line. */
  ownLine: boolean;
}

interface CstComment {
  type: 'comment';
  offset: number;
  source: string;
}

function isCstComment(token: unknown): token is CstComment {
  const candidate = token as Partial<CstComment> | null;
  return candidate?.type === 'comment' && typeof candidate.offset === 'number' && typeof candidate.source === 'string';
}

/** Every token object below `token` that is a comment, in any of the tree's arrays and fields. */
function collect(token: unknown, into: CstComment[]): void {
  if (Array.isArray(token)) {
    for (const item of token) collect(item, into);
  } else if (token && typeof token === 'object') {
    if (isCstComment(token)) into.push(token);
    else for (const value of Object.values(token)) collect(value, into);
  }
}

/** Comments of the document, in line order. */
export function commentsOf(raw: RawDocument): YamlComment[] {
  const found: CstComment[] = [];
  // A NEL, U+2028 or U+2029 ends a comment for Kubernetes' YAML reader: here too (same offsets).
  for (const token of new Parser().parse(raw.text.replace(GO_YAML_LINE_BREAKS, '\n'))) collect(token, found);
  const lineStarts = [0];
  for (let i = raw.text.indexOf('\n'); i !== -1; i = raw.text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return found
    .sort((a, b) => a.offset - b.offset)
    .map((comment) => {
      let index = 0;
      while (index + 1 < lineStarts.length && lineStarts[index + 1]! <= comment.offset) index++;
      const before = raw.text.slice(lineStarts[index], comment.offset);
      return { line: raw.startLine + index, text: comment.source.replace(/^#/, '').trim(), ownLine: before.trim() === '' };
    });
}
