// A fast parser for the plain block YAML that renderers write (block maps and sequences,
// one-line scalars, literal block scalars, comments), with positions. It gives up (returns
// null) at anything else, and the full parser (the `yaml` package read with go-yaml's rules),
// ten times slower but complete, takes over: anchors, aliases, tags, flow collections, multi-line
// or folded scalars, duplicate keys, tabs, odd line breaks, or anything that might be an error.
// Its results must equal the full parser's (a test compares them on every fixture and real chart).
import { resolvePlainScalar } from './kubeYaml.js';
import type { JsonPath, Position } from '../types.js';

/** Thrown inside the parser to give up; never escapes this module. */
class NotSimple extends Error {}

type Container = Record<string, unknown> | unknown[];

export interface FastDocument {
  value: unknown;
  locate: (path: JsonPath) => Position | null;
}

/** YAML 1.1's boolean and null words (none longer than five letters), and what each means. */
const SPECIAL_WORDS = new Map<string, boolean | null>([
  ...['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((word) => [word, true] as const),
  ...['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((word) => [word, false] as const),
  ...['null', 'Null', 'NULL'].map((word) => [word, null] as const),
]);
const DECIMAL = /^[-+]?(?:0|[1-9][0-9]*)$/;
const ODD_LINE_BREAK = /[\u0085\u2028\u2029]/;
const QUOTED_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*:(?:[ \t]+|$)/;

/**
 * For a plain key like `app.kubernetes.io/name:` in `text` from `start` to `end`: where the value
 * starts (the offset after `: ` and any spaces), or -1. The key ends where the first `:` is.
 */
function plainKeyEnd(text: string, start: number, end: number): number {
  const first = text.charCodeAt(start);
  if (!isKeyChar(first) || first === 45 /* - */ || first === 46 /* . */ || first === 47 /* / */) return -1;
  let i = start + 1;
  while (i < end && isKeyChar(text.charCodeAt(i))) i++;
  while (i < end && text.charCodeAt(i) === 32) i++;
  if (i >= end || text.charCodeAt(i) !== 58 /* : */) return -1;
  i++;
  if (i < end && text.charCodeAt(i) !== 32) return -1;
  while (i < end && text.charCodeAt(i) === 32) i++;
  return i;
}

/** Only [A-Za-z0-9_.\/-]: no space, comment, quote or indicator anywhere. */
function isWord(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isKeyChar(text.charCodeAt(i))) return false;
  return text.length > 0;
}

/** [A-Za-z0-9_.\/-] */
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 47 || c === 45;
}

function resolvePlain(text: string): unknown {
  // Most scalars (and nearly every key) are words: strings at once, unless a boolean or null word.
  const first = text.charCodeAt(0);
  if ((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 47 /* / */) {
    return text.length <= 5 && SPECIAL_WORDS.has(text) ? SPECIAL_WORDS.get(text) : text;
  }
  if (DECIMAL.test(text)) return Number(text) || 0; // -0 is the integer 0 to go-yaml
  // Everything else as go-yaml v2 resolves it (Go's integer syntax, no sexagesimals, timestamps as text).
  const value = resolvePlainScalar(text);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new NotSimple(); // .nan, .inf: Kubernetes refuses them
  return value;
}

/** A one-line scalar (plain, single- or double-quoted) and what may follow it on the line. */
function parseInlineScalar(text: string): unknown {
  const first = text[0];
  if (first === '"') {
    const close = findDoubleQuoteEnd(text);
    if (close === -1) throw new NotSimple();
    assertOnlyComment(text.slice(close + 1));
    const body = text.slice(0, close + 1);
    if (/\\[^"\\/bfnrtu]/.test(body)) throw new NotSimple(); // YAML-only escapes
    try {
      return JSON.parse(body) as string;
    } catch {
      throw new NotSimple();
    }
  }
  if (first === "'") {
    let i = 1;
    let value = '';
    for (;;) {
      const quote = text.indexOf("'", i);
      if (quote === -1) throw new NotSimple();
      value += text.slice(i, quote);
      if (text[quote + 1] === "'") {
        value += "'";
        i = quote + 2;
        continue;
      }
      assertOnlyComment(text.slice(quote + 1));
      return value;
    }
  }
  // Most values are one word of name characters (`web`, `8080`, `apps/v1`): plain, nothing to strip.
  if (text !== '-' && isWord(text)) return resolvePlain(text);
  // Indicators that start anything but a plain scalar give up (flow collections are the Parser's).
  if (/^[&*!|>%@`{[?,#\]}]/.test(text) || /^[-:][ \t]|^[-:]$/.test(text)) throw new NotSimple();
  const comment = text.search(/[ \t]#/);
  const plain = trimBlanksEnd(comment === -1 ? text : text.slice(0, comment));
  if (/:[ \t]|:$/.test(plain) || plain.includes('\t')) throw new NotSimple();
  return resolvePlain(plain);
}

/** One scalar inside a flow collection, and where it ends. */
function readFlowScalar(text: string, start: number): { value: unknown; end: number } {
  const first = text[start];
  if (first === '"') {
    const close = findDoubleQuoteEnd(text.slice(start));
    if (close === -1) throw new NotSimple();
    const body = text.slice(start, start + close + 1);
    if (/\\[^"\\/bfnrtu]/.test(body)) throw new NotSimple();
    try {
      return { value: JSON.parse(body) as string, end: start + close + 1 };
    } catch {
      throw new NotSimple();
    }
  }
  if (first === "'") {
    const close = text.indexOf("'", start + 1);
    if (close === -1 || text[close + 1] === "'") throw new NotSimple();
    return { value: text.slice(start + 1, close), end: close + 1 };
  }
  let end = start;
  while (end < text.length && !',[]{}#:'.includes(text[end]!)) end++;
  const plain = trimBlanksEnd(text.slice(start, end));
  if (plain === '' || /^[&*!|>%@`?-]/.test(plain) || plain.includes('\t')) throw new NotSimple();
  return { value: resolvePlain(plain), end: start + plain.length };
}

function findDoubleQuoteEnd(text: string): number {
  let i = 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i;
    else i++;
  }
  return -1;
}

function assertOnlyComment(rest: string): void {
  if (!/^[ \t]*$/.test(rest) && !/^[ \t]+#/.test(rest)) throw new NotSimple();
}

/**
 * Without trailing spaces and tabs, YAML's only blanks. (String.prototype.trimEnd would also cut
 * a no-break space or a line separator, which YAML reads as content.)
 */
function trimBlanksEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Reads a document's structure line by line straight from its text: no line objects and no
 * strings for lines it only passes over (blank, comment, or inside a skipped key), since this is
 * the hot path. The current line is described by the fields below; `next()` moves on.
 */
class Parser {
  readonly positions = new WeakMap<Container, Map<string | number, Position>>();
  rootPosition: Position | null = null;
  value: unknown = null;

  /** Offset where the current line starts, and its 0-based number in the document. */
  private lineStart = 0;
  private no = 0;
  /** Offset of the current line's newline (or the text's end). */
  private lineEnd = 0;
  /** Column of the current line's content, and where that content starts and ends (trailing blanks cut). */
  private indent = 0;
  private start = 0;
  private end = 0;
  /** No structural line is left. */
  private done = false;
  /** Nothing has been read yet: only the first line read may be a `---` marker. */
  private first = true;

  constructor(
    private readonly text: string,
    private readonly startLine: number,
    /** Positions cost time and memory: they are recorded only when a finding needs them. */
    private readonly trackPositions: boolean,
    /** Keys whose values no check reads: passed over by indentation, left out of the value. */
    private readonly skipKeys: ReadonlySet<string> | null,
  ) {
    this.load();
  }

  /**
   * Makes the first structural line at or after `lineStart` the current one: blank and comment
   * lines are passed over. Gives up at a tab in the indentation, a directive, or a document
   * marker other than a leading `---`.
   */
  private load(): void {
    const { text } = this;
    for (;;) {
      const start = this.lineStart;
      if (start > text.length) {
        this.done = true;
        return;
      }
      let lineEnd = text.indexOf('\n', start);
      if (lineEnd === -1) lineEnd = text.length;
      let at = start;
      while (at < lineEnd && text.charCodeAt(at) === 32) at++;
      const c = text.charCodeAt(at);
      if (at === lineEnd || c === 35 /* # */) {
        this.lineStart = lineEnd + 1;
        this.no++;
        continue;
      }
      if (c === 9 /* a tab in the indentation */) throw new NotSimple();
      if (at === start && (c === 45 /* - */ || c === 46 /* . */ || c === 37 /* % */)) {
        if (c === 37 || text.startsWith('...', start)) throw new NotSimple();
        if (text.startsWith('---', start)) {
          const marker = text.slice(start, lineEnd);
          if (!this.first || !(marker === '---' || /^---[ \t]+#/.test(marker))) throw new NotSimple();
          this.first = false; // a second marker starts another document: the full parser's business
          this.lineStart = lineEnd + 1;
          this.no++;
          continue;
        }
      }
      let end = lineEnd;
      let last = text.charCodeAt(end - 1);
      while (last === 32 || last === 9) last = text.charCodeAt(--end - 1);
      this.first = false;
      this.lineEnd = lineEnd;
      this.indent = at - start;
      this.start = at;
      this.end = end;
      return;
    }
  }

  private next(): void {
    this.lineStart = this.lineEnd + 1;
    this.no++;
    this.load();
  }

  /** The current line's content. */
  private content(): string {
    return this.text.slice(this.start, this.end);
  }

  /** The current line is a sequence item: `-` alone or `- ` and more. */
  private atDash(): boolean {
    return this.text.charCodeAt(this.start) === 45 && (this.end === this.start + 1 || this.text.charCodeAt(this.start + 1) === 32);
  }

  /** Moves past the lines of a skipped key's value: deeper lines, or a list at the key's column. */
  private skipValue(indent: number): void {
    while (!this.done && (this.indent > indent || (this.indent === indent && this.atDash()))) this.next();
  }

  private position(no: number, column: number): Position {
    return { line: this.startLine + no, column: column + 1 };
  }

  /** Records where `key` of `container` starts: only on the pass that tracks positions. */
  private remember(container: Container, key: string | number, no: number, column: number): void {
    if (!this.trackPositions) return;
    let map = this.positions.get(container);
    if (!map) this.positions.set(container, (map = new Map<string | number, Position>()));
    map.set(key, this.position(no, column));
  }

  /** The document's value, or null for a document with no structural line (the full parser's). */
  parseDocument(): unknown {
    if (this.done) return null;
    if (this.indent !== 0) throw new NotSimple();
    this.rootPosition = this.position(this.no, 0);
    const value = this.parseNode(0);
    if (!this.done) throw new NotSimple(); // lines left over: something we do not understand
    return value;
  }

  /** A node whose first line is the current one, at exactly `indent`. */
  private parseNode(indent: number): unknown {
    if (this.atDash()) return this.parseSequence(indent);
    const first = this.text.charCodeAt(this.start);
    if (plainKeyEnd(this.text, this.start, this.end) !== -1 || ((first === 34 || first === 39) && QUOTED_KEY.test(this.content()))) {
      return this.parseMapping(indent);
    }
    const content = this.content();
    const value = first === 91 /* [ */ || first === 123 /* { */ ? this.parseFlow(content, this.no, indent) : parseInlineScalar(content);
    this.next();
    this.assertNoContinuation(indent);
    return value;
  }

  /**
   * A flow collection on one line holding only scalars (`["a", "b"]`, `{app: web}`), as
   * renderers write labels, commands and RBAC verbs. Nesting or anything unusual gives up.
   */
  private parseFlow(text: string, no: number, column: number): unknown {
    const open = text[0];
    const close = open === '[' ? ']' : '}';
    const result: Container = open === '[' ? [] : {};
    let i = 1;
    const skipSpaces = () => {
      while (text[i] === ' ') i++;
    };
    skipSpaces();
    if (text[i] === close) {
      assertOnlyComment(text.slice(i + 1));
      return result;
    }
    for (;;) {
      skipSpaces();
      const itemStart = i;
      const item = readFlowScalar(text, i);
      i = item.end;
      skipSpaces();
      if (Array.isArray(result)) {
        this.remember(result, result.length, no, column + itemStart);
        result.push(item.value);
      } else {
        if (text[i] !== ':' || (text[i + 1] !== ' ' && text[i + 1] !== undefined)) throw new NotSimple();
        if (typeof item.value !== 'string' || item.value === '<<' || item.value === '__proto__') throw new NotSimple();
        if (Object.prototype.hasOwnProperty.call(result, item.value)) throw new NotSimple();
        i++;
        skipSpaces();
        const value = readFlowScalar(text, i);
        i = value.end;
        skipSpaces();
        this.remember(result, item.value, no, column + itemStart);
        result[item.value] = value.value;
      }
      if (text[i] === ',') {
        i++;
        skipSpaces();
        if (text[i] === close) throw new NotSimple(); // a trailing comma: leave it to the full parser
        continue;
      }
      if (text[i] === close) {
        assertOnlyComment(text.slice(i + 1));
        return result;
      }
      throw new NotSimple();
    }
  }

  /** A line deeper than its scalar would continue it (a multi-line scalar): not for us. */
  private assertNoContinuation(indent: number): void {
    if (!this.done && this.indent > indent) throw new NotSimple();
  }

  private parseSequence(indent: number): unknown[] {
    const items: unknown[] = [];
    const { text } = this;
    while (!this.done && this.indent === indent && this.atDash()) {
      if (this.end === this.start + 1) {
        // `-` alone: the item is on the lines below, deeper than the dash.
        this.next();
        if (this.done || this.indent <= indent) throw new NotSimple(); // an empty item: rare, and positioned differently
        this.remember(items, items.length, this.no, this.indent);
        items.push(this.parseNode(this.indent));
        continue;
      }
      let restStart = this.start + 2;
      // Only this line is searched: a search to the end of the text made every list item cost
      // the rest of the document (quadratic in a long list without tabs).
      if (text.slice(restStart, this.end).includes('\t')) throw new NotSimple();
      while (text.charCodeAt(restStart) === 32) restStart++;
      const itemIndent = indent + (restStart - this.start);
      if (text.charCodeAt(restStart) === 35 /* # */) throw new NotSimple();
      this.remember(items, items.length, this.no, itemIndent);
      if (text.charCodeAt(restStart) === 124 /* | */) {
        // `- |`: a literal block scalar as a list item, its content deeper than the dash.
        const header = text.slice(restStart, this.end);
        items.push(this.parseLiteral(indent, header));
        continue;
      }
      // Read the item as if its dash were spaces: `- name: a` is a mapping at the item's column.
      this.indent = itemIndent;
      this.start = restStart;
      items.push(this.parseNode(itemIndent));
    }
    if (!this.done && this.indent > indent) throw new NotSimple();
    return items;
  }

  private parseMapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const { text } = this;
    while (!this.done && this.indent === indent) {
      let key: string;
      let valueStart = plainKeyEnd(text, this.start, this.end);
      if (valueStart !== -1) {
        const resolved = resolvePlain(trimBlanksEnd(text.slice(this.start, text.indexOf(':', this.start))));
        if (typeof resolved !== 'string') throw new NotSimple(); // `yes:` or `1:` keys: leave them to the full parser
        key = resolved;
      } else {
        const first = text.charCodeAt(this.start);
        const quoted = first === 34 || first === 39 ? QUOTED_KEY.exec(this.content()) : null;
        if (!quoted) break;
        const typed = parseInlineScalar(quoted[1]!); // QUOTED_KEY's one group always participates
        if (typeof typed !== 'string') throw new NotSimple();
        key = typed;
        valueStart = this.start + quoted[0].length;
      }
      if (key === '<<' || key === '__proto__' || Object.prototype.hasOwnProperty.call(map, key)) throw new NotSimple();
      if (this.skipKeys?.has(key)) {
        this.next();
        this.skipValue(indent);
        continue;
      }
      this.remember(map, key, this.no, indent);
      map[key] = this.parseValue(indent, valueStart);
    }
    if (!this.done && this.indent > indent) throw new NotSimple();
    return map;
  }

  /** The value after `key:` on the current line (at `indent`), from offset `valueStart`; moves past it. */
  private parseValue(indent: number, valueStart: number): unknown {
    const { text } = this;
    if (valueStart >= this.end || text.charCodeAt(valueStart) === 35 /* # */) {
      this.next();
      if (!this.done && this.indent > indent) return this.parseNode(this.indent);
      // An indentless sequence: `key:` then `- item` at the key's own column.
      if (!this.done && this.indent === indent && this.atDash()) return this.parseSequence(indent);
      return null;
    }
    const rest = text.slice(valueStart, this.end);
    const first = rest.charCodeAt(0);
    if (first === 124 /* | */) return this.parseLiteral(indent, rest);
    const value = first === 91 /* [ */ || first === 123 /* { */ ? this.parseFlow(rest, this.no, valueStart - this.lineStart) : parseInlineScalar(rest);
    this.next();
    this.assertNoContinuation(indent);
    return value;
  }

  /**
   * `|`, `|-`, `|+`: literal block scalars, the common way charts embed scripts and files. The
   * header is on the current line; the block is read from the raw lines after it, and the line
   * after the block becomes the current one.
   */
  private parseLiteral(indent: number, header: string): string {
    const match = /^\|([-+]?)[ \t]*(#.*)?$/.exec(header);
    if (!match) throw new NotSimple(); // indentation indicators and folded scalars: the full parser
    const chomp = match[1];
    const { text } = this;
    // Content is every following raw line (blank ones too) indented deeper than the key.
    const contentLines: string[] = [];
    /** Blank lines inside the block that carry spaces: their index in contentLines, and their text. */
    const spacedBlanks: [number, string][] = [];
    let blockIndent = -1;
    let lineStart = this.lineEnd + 1;
    let no = this.no + 1;
    for (; lineStart <= text.length; lineStart = this.rawLineEnd(lineStart) + 1, no++) {
      const line = text.slice(lineStart, this.rawLineEnd(lineStart));
      let lineIndent = 0;
      while (line.charCodeAt(lineIndent) === 32) lineIndent++;
      if (line.charCodeAt(lineIndent) === 9) throw new NotSimple(); // a tab in the indentation
      if (lineIndent === line.length) {
        // A blank line (spaces only): part of the block, kept for chomping.
        if (line.length > 0) spacedBlanks.push([contentLines.length, line]);
        contentLines.push('');
        continue;
      }
      if (blockIndent === -1) {
        if (lineIndent <= indent) break;
        blockIndent = lineIndent;
      }
      if (lineIndent < blockIndent) {
        if (lineIndent > indent) throw new NotSimple(); // less indented than the block yet inside it: an error
        break;
      }
      contentLines.push(line.slice(blockIndent));
    }
    // Trailing blank lines belong to the block only for chomping; the next node starts after them.
    this.lineStart = lineStart;
    this.no = no;
    this.load();
    let end = contentLines.length;
    while (end > 0 && contentLines[end - 1] === '') end--;
    if (blockIndent !== -1) {
      // Blank lines inside the block that carry more spaces than the indentation keep them.
      for (const [i, line] of spacedBlanks) {
        if (i >= end) break;
        if (line.length > blockIndent) contentLines[i] = line.slice(blockIndent);
        else throw new NotSimple();
      }
    }
    const body = contentLines.slice(0, end).join('\n');
    if (end === 0) return '';
    if (chomp === '-') return body;
    if (chomp === '+') throw new NotSimple(); // keep: trailing blank lines count; rare, leave it
    return `${body}\n`;
  }

  /** Where the raw line starting at `start` ends: its newline, or the text's end. */
  private rawLineEnd(start: number): number {
    const end = this.text.indexOf('\n', start);
    return end === -1 ? this.text.length : end;
  }
}

function run(text: string, startLine: number, trackPositions: boolean, skipKeys: ReadonlySet<string> | null): Parser | null {
  try {
    const parser = new Parser(text, startLine, trackPositions, skipKeys);
    parser.value = parser.parseDocument();
    return parser.rootPosition === null ? null : parser; // empty documents: the full parser's business
  } catch (error) {
    if (error instanceof NotSimple) return null;
    throw error;
  }
}

/**
 * Parses a document's text, or returns null when it is not plain block YAML. Keys in `skipKeys`
 * (at any depth) are left out of the value unread: only for keys no check ever looks at.
 */
export function parseSimpleYaml(text: string, startLine: number, skipKeys: ReadonlySet<string> | null = null): FastDocument | null {
  // Lines are read as LF-separated; a CR (the splitter turns CRLF into LF), or a NEL, U+2028 or
  // U+2029 (line breaks to Kubernetes' YAML reader), is the full parser's.
  if (text.includes('\r') || ODD_LINE_BREAK.test(text)) return null;
  const parsed = run(text, startLine, false, skipKeys);
  if (!parsed) return null;
  const value = parsed.value;
  let located: Parser | null = null;
  return {
    value,
    locate(path) {
      // The first question about a position parses the document again, this time with positions.
      located ??= run(text, startLine, true, skipKeys);
      if (!located) return null;
      const positions = located.positions;
      let node: unknown = located.value;
      let position: Position | null = located.rootPosition;
      for (const segment of path) {
        if (typeof node !== 'object' || node === null) return null;
        const map = positions.get(node as Container);
        const found = map?.get(segment);
        if (!found) return null;
        position = found;
        node = (node as Record<string | number, unknown>)[segment];
      }
      return position;
    },
  };
}
