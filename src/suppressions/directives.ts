// What a suppression written beside the code says: the `hostns-check.io/ignore` annotations on a
// resource and `# hostns-check:ignore CHECKS REASON` comments. Pure: text in, checks and reason out.
import { CHECK_IDS, type CheckId } from '../types.js';

export const IGNORE_ANNOTATION = 'hostns-check.io/ignore';
export const IGNORE_REASON_ANNOTATION = 'hostns-check.io/ignore-reason';
export const INLINE_MARKER = 'hostns-check:ignore';

/** One suppression as written, before it is checked. */
export interface Directive {
  checks: CheckId[];
  /** Names that are not checks (typos, or a reason written where the checks go). */
  unknown: string[];
  /** Trimmed; empty when none was given. */
  reason: string;
}

export function isCheckId(name: string): name is CheckId {
  return (CHECK_IDS as readonly string[]).includes(name);
}

/** `host-network,host-pid` (spaces after the commas allowed). */
export function parseCheckList(text: string): { checks: CheckId[]; unknown: string[] } {
  const checks: CheckId[] = [];
  const unknown: string[] = [];
  for (const name of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    if (isCheckId(name)) {
      if (!checks.includes(name)) checks.push(name);
    } else {
      unknown.push(name);
    }
  }
  return { checks, unknown };
}

/** The annotations' directive, or null when the resource has no ignore annotation. */
export function annotationDirective(annotations: Record<string, unknown>): Directive | null {
  const list = annotations[IGNORE_ANNOTATION];
  if (list === undefined) return null;
  const reason = annotations[IGNORE_REASON_ANNOTATION];
  return { ...parseCheckList(typeof list === 'string' ? list : ''), reason: typeof reason === 'string' ? reason.trim() : '' };
}

// The checks are the first word; a comma may be followed by spaces. The reason is the rest, with
// a leading separator (`--`, `:`, `-`) dropped.
const MARKER = new RegExp(`^${INLINE_MARKER}(?=\\s|$)\\s*([^\\s,:]+(?:\\s*,\\s*[^\\s,:]+)*)?\\s*(?:(?:--|:|-|\\u2014)\\s*)?(.*)$`);

/** The directive of a comment (its text without `#`), or null when the comment is not one. */
export function commentDirective(comment: string): Directive | null {
  const match = MARKER.exec(comment.trim());
  if (!match) return null;
  return { ...parseCheckList(match[1] ?? ''), reason: match[2]!.trim() }; // the last group, (.*), always participates
}

/** What is wrong with a directive, as sentences naming the fix; empty when it is usable. */
export function directiveProblems(directive: Directive, form: 'annotation' | 'comment'): string[] {
  const problems: string[] = [];
  if (directive.unknown.length > 0) {
    const names = directive.unknown.map((name) => `"${name}"`).join(', ');
    problems.push(`unknown check ${names}; the checks are ${CHECK_IDS.join(', ')}`);
  } else if (directive.checks.length === 0) {
    problems.push(`name the checks it suppresses (${CHECK_IDS.join(', ')})`);
  }
  if (directive.reason === '') {
    problems.push(
      form === 'annotation'
        ? `it has no reason: add the annotation ${IGNORE_REASON_ANNOTATION} saying why the finding is accepted`
        : `it has no reason: write why the finding is accepted after the check names`,
    );
  }
  return problems;
}
