// A cheap, conservative look at a document's top-level `apiVersion` and `kind`, without parsing
// it: used to pass over documents of kinds that never carry a pod. Anything unusual at the top
// level means "unknown" and the document is parsed in full.

const KIND_LINE = /^kind:[ \t]+([A-Za-z][A-Za-z0-9]*)[ \t]*(?:#.*)?$/;
const API_VERSION_LINE = /^apiVersion:[ \t]+([a-z0-9][a-z0-9./-]*)[ \t]*(?:#.*)?$/;
/**
 * Top-level lines that could define or hide a kind some other way: anything that does not start
 * like a plain key (quotes, flow collections, anchors, tags, a byte-order mark...), a document
 * marker with content, a key that starts like `kind` or `apiVersion` but is not a plain one, and
 * `items`, which makes Kubernetes read the object as a list of other objects.
 */
const UNCLEAR_TOP_LEVEL = /^(?:[^A-Za-z0-9_]|---[ \t]*\S|kind\b|apiVersion\b|items\b)/;
/**
 * Line breaks that go-yaml (and so kubectl) honours besides LF: CR, NEL, U+2028 and U+2029. A key
 * after one of them is at the start of a line for Kubernetes but not for the LF-only scan below.
 */
const OTHER_LINE_BREAK = /[\r\u0085\u2028\u2029]/;
/**
 * An other line break that only sits inside a quoted value opened on its own line
 * (`name: "a\u2028b`), where it is text for every reader, not a line break.
 */
const QUOTED_OTHER_BREAK = /^[ \t]*(?:-[ \t]+)*(?:[A-Za-z0-9_./-]+:[ \t]+)?"[^"\\\n\r\u0085\u2028\u2029]*$/;

/**
 * Lines at column 0 that are neither blank nor comments: only these can be top-level keys. One
 * native regular-expression scan finds them, which is much cheaper than a loop over every line
 * (this runs on every document). Lines are split on LF alone, as the splitter leaves them.
 */
const TOP_LEVEL_LINE = /(?:^|\n)([^ #\n][^\n]*)/g;
/** The first line with content: blank lines, comments and a bare `---` come before it. */
const FIRST_CONTENT = /^(?:(?:[ \t]*(?:#[^\n]*)?|---[ \t]*(?:#[^\n]*)?)\n)*([^\n]?)/;

export interface QuickType {
  /** The apiVersion a plain top-level line states, or null when there is none. */
  apiVersion: string | null;
  kind: string;
}

/**
 * The document's apiVersion and kind when plain top-level lines state them, else null (unknown).
 * Null whenever the top level cannot be seen for sure: an indented document (whose top level is
 * not at column 0, so a column-0 line inside a quoted string of it would look like a key), a line
 * break other than LF outside a quoted value, duplicates, and the lines UNCLEAR_TOP_LEVEL names.
 */
export function quickType(text: string): QuickType | null {
  // An indented (or otherwise unusual) first line: the top level is not where the scan looks.
  const first = FIRST_CONTENT.exec(text)?.[1];
  if (first === ' ' || first === '\t') return null;
  if (OTHER_LINE_BREAK.test(text) && !otherBreaksQuoted(text)) return null;
  let kind: string | null = null;
  let apiVersion: string | null = null;
  TOP_LEVEL_LINE.lastIndex = 0;
  for (let match = TOP_LEVEL_LINE.exec(text); match !== null; match = TOP_LEVEL_LINE.exec(text)) {
    const line = match[1]!; // the group always participates
    if (line === '---' || /^---[ \t]+#/.test(line)) continue;
    const kindLine = KIND_LINE.exec(line);
    if (kindLine) {
      if (kind !== null) return null; // a duplicate kind: let the full parser say which wins
      kind = kindLine[1]!;
      continue;
    }
    const apiVersionLine = API_VERSION_LINE.exec(line);
    if (apiVersionLine) {
      if (apiVersion !== null) return null;
      apiVersion = apiVersionLine[1]!;
      continue;
    }
    if (UNCLEAR_TOP_LEVEL.test(line) || line.includes('\t')) return null;
  }
  return kind === null ? null : { apiVersion, kind };
}

/** The document's kind when a single plain top-level `kind: X` line states it, else null (see quickType). */
export function quickKind(text: string): string | null {
  return quickType(text)?.kind ?? null;
}

/** True when every CR, NEL, U+2028 and U+2029 of the text sits inside a double-quoted value opened on its line. */
function otherBreaksQuoted(text: string): boolean {
  const breaks = /[\r\u0085\u2028\u2029]/g;
  for (let match = breaks.exec(text); match !== null; match = breaks.exec(text)) {
    const lineStart = text.lastIndexOf('\n', match.index) + 1;
    if (!QUOTED_OTHER_BREAK.test(text.slice(lineStart, match.index))) return false;
  }
  return true;
}
