// A cheap, conservative look at a document's top-level `kind`, without parsing it: used to pass
// over documents of kinds that never carry a pod. Anything unusual at the top level means
// "unknown" and the document is parsed in full.

const KIND_LINE = /^kind:[ \t]+([A-Za-z][A-Za-z0-9]*)[ \t]*(?:#.*)?$/;
/** Top-level lines that could define or hide a kind some other way. */
const UNCLEAR_TOP_LEVEL = /^(?:["'?{[&*!%@|>-]|<<|---[ \t]*\S|\.\.\.|kind\b)/;

/**
 * Lines at column 0 that are neither blank nor comments: only these can be top-level keys. One
 * native regular-expression scan finds them, which is much cheaper than a loop over every line
 * (this runs on every document). Lines are split on LF alone, as the splitter leaves them.
 */
const TOP_LEVEL_LINE = /(?:^|\n)([^ #\n][^\n]*)/g;

/** The document's kind when a single plain top-level `kind: X` line states it, else null. */
export function quickKind(text: string): string | null {
  // A lone CR, NEL, U+2028 and U+2029 end lines for Kubernetes' YAML reader (a `kind:` may hide behind one).
  if (/[\r\u0085\u2028\u2029]/.test(text)) return null;
  let kind: string | null = null;
  TOP_LEVEL_LINE.lastIndex = 0;
  for (let match = TOP_LEVEL_LINE.exec(text); match !== null; match = TOP_LEVEL_LINE.exec(text)) {
    const line = match[1]!; // the group always participates
    if (line.charCodeAt(0) === 9 /* a tab where a key should be */) return null;
    if (line === '---' || /^---[ \t]+#/.test(line)) continue;
    const kindLine = KIND_LINE.exec(line);
    if (kindLine) {
      if (kind !== null) return null; // a duplicate kind: let the full parser say which wins
      kind = kindLine[1]!;
    } else if (UNCLEAR_TOP_LEVEL.test(line) || line.includes('\t')) {
      return null;
    }
  }
  return kind;
}
