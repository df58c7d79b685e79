// Splits a YAML stream into documents line by line, so a render can be checked while it is still
// arriving and memory stays bounded by the largest document, not the whole stream.

export interface RawDocument {
  /** Document text with LF line endings, starting at its `---` line when it has one. */
  text: string;
  /** 1-based line of the document's first line in the stream. */
  startLine: number;
  /** The `# Source:` path in effect for this document (its own, else the previous document's). */
  sourceHeader: string | null;
  /** Stream line of the document's own `# Source:` header; null when the header is inherited. */
  sourceHeaderLine: number | null;
  /** 0-based position of the document in the stream. */
  index: number;
}

/** Raised when the input is not valid UTF-8: names the line where the bad bytes are. */
export class InvalidEncodingError extends Error {
  constructor(readonly line: number) {
    super(`input is not valid UTF-8 (line ${line})`);
  }
}

const SOURCE_HEADER = /^#\s*Source:\s*(.+?)\s*$/;
const DOCUMENT_START = /^---(?:[ \t]|$)/;

/** A document's own `# Source:` header (path and 0-based line within the document), if it has one. */
function ownHeader(lines: readonly string[]): { path: string; offset: number } | null {
  for (let offset = 0; offset < lines.length; offset++) {
    const line = lines[offset];
    if (offset === 0 && line.trim() === '---') continue;
    const match = SOURCE_HEADER.exec(line);
    if (match) return { path: match[1], offset };
    if (line.trim() === '' || line.startsWith('#')) continue;
    break; // the header only counts before the document's content
  }
  return null;
}

/**
 * Yields the documents of a stream of text or bytes. Handles CRLF, a leading BOM, and a `---`
 * separator with content on the same line; a chunk may end anywhere, even inside a character.
 */
export async function* splitDocuments(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): AsyncGenerator<RawDocument> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let lineNo = 0;
  let current: string[] = [];
  let currentStart = 1;
  let header: string | null = null;
  let index = 0;
  let first = true;

  function* flush(): Generator<RawDocument> {
    if (current.length === 0) return;
    const text = current.join('\n') + '\n';
    const own = ownHeader(current);
    if (own) header = own.path;
    const sourceHeaderLine = own ? currentStart + own.offset : null;
    yield { text, startLine: currentStart, sourceHeader: header, sourceHeaderLine, index: index++ };
    current = [];
  }

  function* takeLine(rawLine: string): Generator<RawDocument> {
    lineNo++;
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (first) {
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      first = false;
    }
    if (DOCUMENT_START.test(line)) {
      yield* flush();
      currentStart = lineNo;
    } else if (current.length === 0) {
      currentStart = lineNo;
    }
    current.push(line);
  }

  for await (const chunk of chunks) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      const bytes = chunk as Uint8Array;
      const before = new TextDecoder().decode(bytes.subarray(0, firstInvalidOffset(bytes)));
      throw new InvalidEncodingError(lineNo + 1 + countNewlines(pending + before));
    }
    pending += text;
    let newline: number;
    let from = 0;
    while ((newline = pending.indexOf('\n', from)) !== -1) {
      yield* takeLine(pending.slice(from, newline));
      from = newline + 1;
    }
    pending = pending.slice(from);
  }
  try {
    pending += decoder.decode();
  } catch {
    throw new InvalidEncodingError(lineNo + 1);
  }
  if (pending.length > 0) yield* takeLine(pending);
  yield* flush();
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Offset of the first byte that cannot start valid UTF-8 (error path only: a binary search). */
function firstInvalidOffset(bytes: Uint8Array): number {
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      good = mid;
    } catch {
      bad = mid;
    }
  }
  return good;
}
