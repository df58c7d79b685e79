// Each check's section of docs/checks.md, rendered from the check's own metadata (title,
// rationale, remediation, reads), so the page cannot drift from the code: test/checkDocs.test.ts
// compares the page's generated blocks with this output and rewrites them under UPDATE_DOCS=1.
import type { Check } from './check.js';
import type { FieldReads } from './fieldReads.js';
import { CONTAINER_LISTS } from './podSpec.js';

/** The repository path of the page that documents the rule and each check. */
export const CHECKS_PAGE = 'docs/checks.md';

export const REGENERATE_COMMAND = 'npm run build && UPDATE_DOCS=1 node --test dist/test/checkDocs.test.js';

export function beginMarker(id: string): string {
  return `<!-- begin generated: check ${id} (from its metadata in src/rules/checks; ${REGENERATE_COMMAND}) -->`;
}

export function endMarker(id: string): string {
  return `<!-- end generated: check ${id} -->`;
}

/** Matches every begin marker, whatever its id, so a block for a check that is gone is found. */
export const BEGIN_MARKER_PATTERN = /<!-- begin generated: check (\S+) /g;

/** A sentence: a plain first word gets a capital (a field name such as hostIPC keeps its case), then a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = /^[a-z]+\b/.test(trimmed) && !/^[a-z]+[A-Z]/.test(trimmed) ? trimmed.charAt(0).toUpperCase() + trimmed.slice(1) : trimmed;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

const code = (path: string) => `\`${path}\``;

function readsLines(reads: FieldReads): string[] {
  const lines: string[] = [];
  if (reads.pod?.length) lines.push(`- in the pod spec: ${reads.pod.map(code).join(', ')}`);
  if (reads.container?.length) {
    lines.push(`- in each container (${CONTAINER_LISTS.map(code).join(', ')}): ${reads.container.map(code).join(', ')}`);
  }
  if (reads.resource?.length) lines.push(`- in the resource: ${reads.resource.map(code).join(', ')}`);
  return lines;
}

/** The generated part of one check's section: heading, title, rationale, remediation and reads. */
export function checkSection(check: Pick<Check, 'id' | 'title' | 'rationale' | 'remediation' | 'reads'>): string {
  return [
    beginMarker(check.id),
    `### \`${check.id}\``,
    '',
    `**${sentence(check.title)}** ${sentence(check.rationale)}`,
    '',
    `**To fix:** ${check.remediation}`,
    '',
    'Fields it reads:',
    '',
    ...readsLines(check.reads),
    endMarker(check.id),
  ].join('\n');
}

/**
 * The page with each check's generated block replaced by a fresh rendering. Blocks stay where the
 * page puts them; a check without a block is not added (the test reports it instead).
 */
export function regenerateCheckBlocks(page: string, checks: readonly Parameters<typeof checkSection>[0][]): string {
  let out = page;
  for (const check of checks) {
    // Found by its prefix, so a block whose marker text is out of date is still replaced.
    const begin = out.indexOf(`<!-- begin generated: check ${check.id} `);
    const endText = endMarker(check.id);
    const end = out.indexOf(endText, begin);
    if (begin < 0 || end < 0) continue;
    out = out.slice(0, begin) + checkSection(check) + out.slice(end + endText.length);
  }
  return out;
}
