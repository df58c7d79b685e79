// A cheap, conservative look at a document's top-level `kind`, without parsing it: used to pass
// over documents of kinds that never carry a pod. Anything unusual at the top level means
// "unknown" and the document is parsed in full.

const KIND_LINE = /^kind:[ \t]+([A-Za-z][A-Za-z0-9]*)[ \t]*(?:#.*)?$/;
/** Top-level lines that could define or hide a kind some other way. */
const UNCLEAR_TOP_LEVEL = /^(?:["'?{[&*!%@|>-]|<<|---[ \t]*\S|\.\.\.|kind\b)/;

/** The document's kind when a single plain top-level `kind: X` line states it, else null. */
export function quickKind(text: string): string | null {
  let kind: string | null = null;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const first = text.charCodeAt(start);
    // Only lines at column 0 are top-level keys; skip indented, blank and comment lines quickly.
    if (end > start && first !== 32 && first !== 35 && first !== 9) {
      const line = text.slice(start, end);
      if (!(line === '---' || /^---[ \t]+#/.test(line))) {
        const match = KIND_LINE.exec(line);
        if (match) {
          if (kind !== null) return null; // a duplicate kind: let the full parser say which wins
          kind = match[1];
        } else if (UNCLEAR_TOP_LEVEL.test(line) || line.includes('\t')) {
          return null;
        }
      }
    } else if (first === 9) {
      return null;
    }
    start = end + 1;
  }
  return kind;
}
