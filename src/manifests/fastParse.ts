// A fast parser for the plain block YAML that renderers write (block maps and sequences,
// one-line scalars, literal block scalars, comments), with positions. It gives up (returns
// null) at anything else, and the `yaml` package, ten times slower but complete, takes over:
// anchors, aliases, tags, flow collections, multi-line or folded scalars, duplicate keys, tabs,
// or anything that might be an error. Its results must equal the `yaml` package's (a test
// compares them on every fixture and real chart).
import { parseDocument } from 'yaml';
import type { JsonPath, Position } from '../types.js';

/** Thrown inside the parser to give up; never escapes this module. */
class NotSimple extends Error {}

interface Line {
  no: number;
  indent: number;
  /** Text after the indentation, without a trailing comment-only part removed. */
  content: string;
}

type Container = Record<string, unknown> | unknown[];

export interface FastDocument {
  value: unknown;
  locate(path: JsonPath): Position | null;
}

/** YAML 1.1's boolean and null words (none longer than five letters), and what each means. */
const SPECIAL_WORDS = new Map<string, boolean | null>([
  ...['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((word) => [word, true] as const),
  ...['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((word) => [word, false] as const),
  ...['null', 'Null', 'NULL'].map((word) => [word, null] as const),
]);
const EXPONENT_ONLY = /^[eE][-+]?[0-9]+$/;
const DECIMAL = /^[-+]?(?:0|[1-9][0-9]*)$/;
const QUOTED_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*:(?:[ \t]+|$)/;

/** Plain scalars the fast rules cannot type; the `yaml` package decides them, once each. */
const scalarCache = new Map<string, unknown>();

/** Where a plain key like `app.kubernetes.io/name:` ends (the index after `: `), or -1. */
function plainKeyEnd(content: string): number {
  const first = content.charCodeAt(0);
  if (!isKeyChar(first) || first === 45 /* - */ || first === 46 /* . */ || first === 47 /* / */) return -1;
  let i = 1;
  while (i < content.length && isKeyChar(content.charCodeAt(i))) i++;
  const keyEnd = i;
  while (content.charCodeAt(i) === 32) i++;
  if (content.charCodeAt(i) !== 58 /* : */) return -1;
  i++;
  if (i < content.length && content.charCodeAt(i) !== 32) return -1;
  while (content.charCodeAt(i) === 32) i++;
  return keyEnd === 0 ? -1 : i;
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
    if (text.length <= 5 && SPECIAL_WORDS.has(text)) return SPECIAL_WORDS.get(text);
    if (!((first === 101 || first === 69) && EXPONENT_ONLY.test(text))) return text;
  }
  if (text === '' || text === '~') return null;
  if (DECIMAL.test(text)) return Number(text);
  if (scalarCache.has(text)) return scalarCache.get(text);
  let value: unknown;
  try {
    const doc = parseDocument(text, { version: '1.1' });
    if (doc.errors.length > 0) throw new NotSimple();
    value = doc.toJS();
  } catch {
    throw new NotSimple(); // an alias, a tag, anything the full parser must judge in context
  }
  if (typeof value === 'object' && value !== null) throw new NotSimple(); // a Date, say: leave it to the full parser
  if (scalarCache.size < 10_000) scalarCache.set(text, value);
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
    if (/\\[^"\\\/bfnrtu]/.test(body)) throw new NotSimple(); // YAML-only escapes
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
  if (/^[&*!|>%@`{\[?,#]/.test(text) || /^[-:][ \t]|^[-:]$/.test(text)) throw new NotSimple();
  const comment = text.search(/[ \t]#/);
  const plain = (comment === -1 ? text : text.slice(0, comment)).trimEnd();
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
    if (/\\[^"\\\/bfnrtu]/.test(body)) throw new NotSimple();
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
  while (end < text.length && !',[]{}#:'.includes(text[end])) end++;
  const plain = text.slice(start, end).trimEnd();
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
  if (rest.trim() !== '' && !/^[ \t]+#/.test(rest)) throw new NotSimple();
}

class Parser {
  private index = 0;
  readonly positions = new WeakMap<Container, Map<string | number, Position>>();
  rootPosition: Position | null = null;
  value: unknown = null;

  constructor(
    private readonly lines: Line[],
    private readonly raw: RawLines,
    private readonly startLine: number,
    /** Positions cost time and memory: they are recorded only when a finding needs them. */
    private readonly trackPositions: boolean,
    /** Keys whose values no check reads: passed over by indentation, left out of the value. */
    private readonly skipKeys: ReadonlySet<string> | null,
  ) {}

  /** Moves past the lines of a skipped key's value: deeper lines, or a list at the key's column. */
  private skipValue(indent: number): void {
    for (let line = this.current; line; line = this.current) {
      if (line.indent > indent || (line.indent === indent && (line.content === '-' || line.content.startsWith('- ')))) this.index++;
      else return;
    }
  }

  private get current(): Line | undefined {
    return this.lines[this.index];
  }

  private position(line: Line, column: number): Position {
    return { line: this.startLine + line.no, column: column + 1 };
  }

  /** Records where `key` of `container` starts: only on the pass that tracks positions. */
  private remember(container: Container, key: string | number, line: Line, column: number): void {
    if (!this.trackPositions) return;
    let map = this.positions.get(container);
    if (!map) this.positions.set(container, (map = new Map()));
    map.set(key, this.position(line, column));
  }

  parseDocument(): unknown {
    const first = this.current;
    if (!first) return null;
    if (first.indent !== 0) throw new NotSimple();
    this.rootPosition = this.position(first, 0);
    const value = this.parseNode(0);
    if (this.current) throw new NotSimple(); // lines left over: something we do not understand
    return value;
  }

  /** A node whose first line is the current one, at exactly `indent`. */
  private parseNode(indent: number): unknown {
    const line = this.current!;
    if (line.content === '-' || line.content.startsWith('- ')) return this.parseSequence(indent);
    if (plainKeyEnd(line.content) !== -1 || QUOTED_KEY.test(line.content)) return this.parseMapping(indent);
    const content = line.content;
    const value = content[0] === '[' || content[0] === '{' ? this.parseFlow(content, line, indent) : parseInlineScalar(content);
    this.index++;
    this.assertNoContinuation(indent);
    return value;
  }

  /**
   * A flow collection on one line holding only scalars (`["a", "b"]`, `{app: web}`), as
   * renderers write labels, commands and RBAC verbs. Nesting or anything unusual gives up.
   */
  private parseFlow(text: string, line: Line, column: number): unknown {
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
        this.remember(result, result.length, line, column + itemStart);
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
        this.remember(result, item.value, line, column + itemStart);
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
    const next = this.current;
    if (next && next.indent > indent) throw new NotSimple();
  }

  private parseSequence(indent: number): unknown[] {
    const items: unknown[] = [];
    while (this.current && this.current.indent === indent && (this.current.content === '-' || this.current.content.startsWith('- '))) {
      const line = this.current;
      if (line.content === '-') {
        this.index++;
        const next = this.current;
        if (next && next.indent > indent) {
          this.remember(items, items.length, next, next.indent);
          items.push(this.parseNode(next.indent));
        } else {
          throw new NotSimple(); // an empty item: rare, and positioned differently
        }
        continue;
      }
      const rest = line.content.slice(2);
      const spaces = rest.length - rest.trimStart().length;
      const itemIndent = indent + 2 + spaces;
      if (rest.trimStart().startsWith('#') || rest.includes('\t')) throw new NotSimple();
      this.remember(items, items.length, line, itemIndent);
      if (rest.trimStart()[0] === '|') {
        // `- |`: a literal block scalar as a list item, its content deeper than the dash.
        this.index++;
        items.push(this.parseLiteral(indent, rest.trimStart(), line));
        continue;
      }
      // Read the item as if its dash were spaces: `- name: a` is a mapping at the item's column.
      this.lines[this.index] = { no: line.no, indent: itemIndent, content: rest.trimStart() };
      items.push(this.parseNode(itemIndent));
    }
    if (this.current && this.current.indent > indent) throw new NotSimple();
    return items;
  }

  private parseMapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    while (this.current && this.current.indent === indent) {
      const line = this.current;
      let key: string;
      let valueStart = plainKeyEnd(line.content);
      if (valueStart !== -1) {
        const colon = line.content.indexOf(':');
        const resolved = resolvePlain(line.content.slice(0, colon).trimEnd());
        if (typeof resolved !== 'string') throw new NotSimple(); // `yes:` or `1:` keys: leave them to the full parser
        key = resolved;
      } else {
        const quoted = QUOTED_KEY.exec(line.content);
        if (!quoted) break;
        const typed = parseInlineScalar(quoted[1]);
        if (typeof typed !== 'string') throw new NotSimple();
        key = typed;
        valueStart = quoted[0].length;
      }
      if (key === '<<' || key === '__proto__' || Object.prototype.hasOwnProperty.call(map, key)) throw new NotSimple();
      const rest = line.content.slice(valueStart);
      this.index++;
      if (this.skipKeys?.has(key)) {
        this.skipValue(indent);
        continue;
      }
      this.remember(map, key, line, indent);
      map[key] = this.parseValue(indent, rest, line);
    }
    if (this.current && this.current.indent > indent) throw new NotSimple();
    return map;
  }

  /** The value after `key:` on a line at `indent`. */
  private parseValue(indent: number, rest: string, keyLine: Line): unknown {
    if (rest === '' || /^#/.test(rest)) {
      const next = this.current;
      if (next && next.indent > indent) return this.parseNode(next.indent);
      // An indentless sequence: `key:` then `- item` at the key's own column.
      if (next && next.indent === indent && (next.content === '-' || next.content.startsWith('- '))) return this.parseSequence(indent);
      return null;
    }
    if (rest[0] === '|') return this.parseLiteral(indent, rest, keyLine);
    const value = rest[0] === '[' || rest[0] === '{' ? this.parseFlow(rest, keyLine, keyLine.indent + keyLine.content.length - rest.length) : parseInlineScalar(rest);
    this.assertNoContinuation(indent);
    return value;
  }

  /** `|`, `|-`, `|+`: literal block scalars, the common way charts embed scripts and files. */
  private parseLiteral(indent: number, header: string, keyLine: Line): string {
    const match = /^\|([-+]?)[ \t]*(#.*)?$/.exec(header);
    if (!match) throw new NotSimple(); // indentation indicators and folded scalars: the full parser
    const chomp = match[1];
    // Content is every following raw line (blank ones too) indented deeper than the key.
    const contentLines: string[] = [];
    let blockIndent = -1;
    let rawIndex = keyLine.no + 1;
    for (; rawIndex < this.raw.count; rawIndex++) {
      const text = this.raw.line(rawIndex);
      if (text.trim() === '') {
        contentLines.push('');
        continue;
      }
      const lineIndent = text.length - text.trimStart().length;
      if (/^[ ]*\t/.test(text)) throw new NotSimple();
      if (blockIndent === -1) {
        if (lineIndent <= indent) break;
        blockIndent = lineIndent;
      }
      if (lineIndent < blockIndent) {
        if (lineIndent > indent) throw new NotSimple(); // less indented than the block yet inside it: an error
        break;
      }
      contentLines.push(text.slice(blockIndent));
    }
    // Trailing blank lines belong to the block only for chomping; the next node starts after them.
    while (this.current && this.current.no < rawIndex) this.index++;
    let end = contentLines.length;
    while (end > 0 && contentLines[end - 1] === '') end--;
    if (blockIndent !== -1) {
      // Blank lines inside the block that carry more spaces than the indentation keep them.
      for (let i = 0, r = keyLine.no + 1; i < end; i++, r++) {
        const text = this.raw.line(r);
        if (text.trim() === '' && text.length > blockIndent) contentLines[i] = text.slice(blockIndent);
        else if (text.trim() === '' && text.length > 0) throw new NotSimple();
      }
    }
    const body = contentLines.slice(0, end).join('\n');
    if (end === 0) return '';
    if (chomp === '-') return body;
    if (chomp === '+') throw new NotSimple(); // keep: trailing blank lines count; rare, leave it
    return `${body}\n`;
  }
}

/** A document's lines as `text.split('\n')` would give them, cut out only when asked for. */
class RawLines {
  /** Offset where each line starts. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get count(): number {
    return this.starts.length;
  }

  start(no: number): number {
    return this.starts[no];
  }

  /** Where line `no` ends: its newline, or the end of the text. */
  end(no: number): number {
    return no + 1 < this.starts.length ? this.starts[no + 1] - 1 : this.text.length;
  }

  line(no: number): string {
    return this.text.slice(this.starts[no], this.end(no));
  }
}

/**
 * The lines a document's structure is read from: no blank or comment lines. Works on offsets, so
 * the lines it passes over (blank, comments) cost no string of their own: this is the hot path.
 */
function structuralLines(raw: RawLines): Line[] | null {
  const { text } = raw;
  const lines: Line[] = [];
  for (let no = 0; no < raw.count; no++) {
    const start = raw.start(no);
    const lineEnd = raw.end(no);
    let indent = 0;
    let c = text.charCodeAt(start);
    while (c === 32 && start + indent < lineEnd) c = text.charCodeAt(start + ++indent);
    if (start + indent === lineEnd || c === 35 /* # */) continue;
    if (c === 9 /* tab in the indentation */) return null;
    if (indent === 0 && (c === 45 /* - */ || c === 46 /* . */ || c === 37 /* % */)) {
      const lineText = raw.line(no);
      if (lines.length === 0 && (lineText === '---' || /^---[ \t]+#/.test(lineText))) continue;
      if (lineText.startsWith('---') || lineText.startsWith('...') || c === 37) return null;
    }
    let end = lineEnd;
    let last = text.charCodeAt(end - 1);
    while (last === 32 || last === 9) last = text.charCodeAt(--end - 1);
    lines.push({ no, indent, content: text.slice(start + indent, end) });
  }
  return lines;
}

function run(raw: RawLines, startLine: number, trackPositions: boolean, skipKeys: ReadonlySet<string> | null): Parser | null {
  const lines = structuralLines(raw);
  if (!lines || lines.length === 0) return null; // empty documents: the full parser's business
  const parser = new Parser(lines, raw, startLine, trackPositions, skipKeys);
  try {
    parser.value = parser.parseDocument();
  } catch (error) {
    if (error instanceof NotSimple) return null;
    throw error;
  }
  return parser;
}

/**
 * Parses a document's text, or returns null when it is not plain block YAML. Keys in `skipKeys`
 * (at any depth) are left out of the value unread: only for keys no check ever looks at.
 */
export function parseSimpleYaml(text: string, startLine: number, skipKeys: ReadonlySet<string> | null = null): FastDocument | null {
  const raw = new RawLines(text);
  const parsed = run(raw, startLine, false, skipKeys);
  if (!parsed) return null;
  const value = parsed.value;
  let located: Parser | null = null;
  return {
    value,
    locate(path) {
      // The first question about a position parses the document again, this time with positions.
      located ??= run(raw, startLine, true, skipKeys);
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
