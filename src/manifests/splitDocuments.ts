// Splits a YAML stream into documents line by line, so a render can be checked while it is still
// arriving and memory stays bounded by the largest document, not the whole stream.

import { StrictUtf8Decoder } from './utf8Decoder.js';

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
  /** Set (with the document's size in characters, and an empty text) when it was too large to read. */
  tooLarge?: number;
}

/**
 * No Kubernetes object comes near this (the API server stores at most about 1.5 MB): a larger
 * document is reported, not read, so memory stays bounded whatever the input.
 */
export const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;

/** Raised when the input is not valid UTF-8: names the line where the bad bytes are. */
export class InvalidEncodingError extends Error {
  constructor(readonly line: number) {
    super(`input is not valid UTF-8 (line ${line})`);
  }
}

const SOURCE_HEADER = /^#\s*Source:\s*(.+?)\s*$/;

/** A document's own `# Source:` header (path and 0-based line within the document), if it has one. */
function ownHeader(lines: readonly string[]): { path: string; offset: number } | null {
  for (let offset = 0; offset < lines.length; offset++) {
    const line = lines[offset]!;
    if (offset === 0 && line.trim() === '---') continue;
    const match = SOURCE_HEADER.exec(line);
    if (match) return { path: match[1]!, offset };
    if (line.trim() === '' || line.startsWith('#')) continue;
    break; // the header only counts before the document's content
  }
  return null;
}

type Chunks = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Yields the documents of a stream of text or bytes, one at a time (see splitDocumentBatches). */
export async function* splitDocuments(chunks: Chunks): AsyncGenerator<RawDocument> {
  for await (const batch of splitDocumentBatches(chunks)) yield* batch;
}

/**
 * Yields the documents of a stream of text or bytes, as the batch each chunk completes: one
 * asynchronous step per chunk, not per document, which costs more than a small document's check.
 * Handles CRLF, a leading BOM, and a `---` separator with content on the same line; a chunk may
 * end anywhere, even inside a character. Works on whole chunks (searching for "\n---"), not line
 * by line: this is the hot path.
 */
export async function* splitDocumentBatches(chunks: Chunks): AsyncGenerator<RawDocument[]> {
  const decoder = new StrictUtf8Decoder();
  let buffer = '';
  /** Where the next separator search starts, and where the current document starts. */
  let searchFrom = 0;
  let docStart = 0;
  /** Stream line of the current document's first line. */
  let docLine = 1;
  let header: string | null = null;
  let index = 0;
  let first = true;
  let heldCarriageReturn = false;
  let streamStart = true;
  /** A document being passed over because it is too large. */
  let oversized: { startLine: number; chars: number } | null = null;

  /** Counts (and drops) text of an oversized document, keeping its lines in step. */
  const passOver = (text: string): void => {
    oversized!.chars += text.length;
    docLine += countNewlines(text);
  };
  const endOversized = (): RawDocument => {
    const doc = { text: '', startLine: oversized!.startLine, sourceHeader: header, sourceHeaderLine: null, index: index++, tooLarge: oversized!.chars };
    oversized = null;
    return doc;
  };

  const emit = (text: string): RawDocument => {
    const own = ownHeader(firstLines(text, 8));
    if (own) header = own.path;
    const doc = { text, startLine: docLine, sourceHeader: header, sourceHeaderLine: own ? docLine + own.offset : null, index: index++ };
    docLine += countNewlines(text);
    return doc;
  };

  /** Adds every document that a separator in the buffer has closed to `batch`. */
  function closed(final: boolean, batch: RawDocument[]): RawDocument[] {
    for (;;) {
      const at = buffer.indexOf('\n---', searchFrom);
      // A separator right at the start of the stream.
      if (streamStart && buffer.length >= 4) {
        streamStart = false;
        if (buffer.startsWith('---') && isSeparatorEnd(buffer, 3, final)) {
          searchFrom = 1;
          continue;
        }
      }
      if (at === -1) {
        if (buffer.length - docStart > MAX_DOCUMENT_CHARS) {
          // Too large to be a Kubernetes object: count its lines and drop it as it streams by.
          oversized ??= { startLine: docLine, chars: 0 };
          passOver(buffer.slice(docStart, buffer.length - 4));
          buffer = buffer.slice(buffer.length - 4);
          docStart = 0;
        }
        searchFrom = Math.max(docStart, buffer.length - 4);
        return batch;
      }
      const after = at + 4;
      if (!final && after >= buffer.length) {
        searchFrom = at; // the character after `---` has not arrived yet
        return batch;
      }
      if (!isSeparatorEnd(buffer, after, final)) {
        searchFrom = at + 1;
        continue;
      }
      const text = buffer.slice(docStart, at + 1);
      if (oversized || text.length > MAX_DOCUMENT_CHARS) {
        oversized ??= { startLine: docLine, chars: 0 };
        passOver(text);
        batch.push(endOversized());
      } else if (text.length > 0) batch.push(emit(text));
      docStart = at + 1;
      searchFrom = docStart + 1;
      // Drop what is done so the buffer holds one document at most.
      if (docStart > 1 << 16) {
        buffer = buffer.slice(docStart);
        searchFrom -= docStart;
        docStart = 0;
      }
    }
  }

  const take = (text: string): void => {
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (heldCarriageReturn) text = '\r' + text;
    heldCarriageReturn = text.endsWith('\r');
    if (heldCarriageReturn) text = text.slice(0, -1);
    buffer += text.includes('\r') ? text.replace(/\r\n/g, '\n') : text;
  };

  for await (const chunk of chunks) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk);
    } catch {
      const bytes = chunk as Uint8Array;
      const before = new TextDecoder().decode(bytes.subarray(0, firstInvalidOffset(bytes)));
      throw new InvalidEncodingError(docLine + countNewlines(buffer.slice(docStart) + before));
    }
    take(text);
    const batch = closed(false, []);
    if (batch.length > 0) yield batch;
  }
  try {
    take(decoder.end());
  } catch {
    throw new InvalidEncodingError(docLine + countNewlines(buffer.slice(docStart)));
  }
  if (heldCarriageReturn) buffer += '\r';
  const last = closed(true, []);
  let rest = buffer.slice(docStart);
  if (oversized || rest.length > MAX_DOCUMENT_CHARS) {
    oversized ??= { startLine: docLine, chars: 0 };
    passOver(rest);
    last.push(endOversized());
  } else if (rest.length > 0) {
    if (!rest.endsWith('\n')) rest += '\n';
    last.push(emit(rest));
  }
  if (last.length > 0) yield last;
}

/** `---` ends a separator line when followed by a space, a tab, a line end, or the stream's end. */
function isSeparatorEnd(text: string, at: number, final: boolean): boolean {
  if (at >= text.length) return final;
  const c = text[at];
  return c === '\n' || c === ' ' || c === '\t';
}

/** The first few lines of a text (the header, if any, is among them). */
function firstLines(text: string, count: number): string[] {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < count && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lines.push(text.slice(start, end));
    start = end + 1;
  }
  return lines;
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
