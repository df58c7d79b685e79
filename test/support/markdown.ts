// Markdown as GitHub shows it, for tests of the docs: heading anchors and relative links.

/**
 * GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, each
 * space a `-` (inline code keeps its text, loses its backticks).
 */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
export function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) fence = !fence;
    else if (!fence) out.push({ line: i + 1, text });
  });
  return out;
}

/** The anchors of every heading of a page, with GitHub's -1, -2 for repeated headings. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*$/.exec(text);
    if (!heading) continue;
    const slug = githubSlug(heading[1]!); // the group always participates
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Links to other files of the repository or to anchors: `[text](target)`, web links left out. */
export function relativeLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  for (const { line, text } of proseLines(markdown)) {
    // Inline code is text, not a link: `[file:line](1)` shows a format.
    for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!; // the group always participates
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ line, target });
    }
  }
  return links;
}
