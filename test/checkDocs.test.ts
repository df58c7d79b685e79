// docs/checks.md cannot drift from the checks: each check's generated block must match its
// metadata, no block or heading may name a check that is gone, the rule's table lists every check,
// and every SARIF help link lands on a heading. Also: relative links across the docs resolve.
// Regenerate the blocks after a deliberate change: npm run build && UPDATE_DOCS=1 node --test dist/test/checkDocs.test.js
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHECK_IDS } from '../src/types.js';
import type { Check } from '../src/rules/check.js';
import { RULE_CHECKS } from '../src/rules/checks/index.js';
import { BEGIN_MARKER_PATTERN, CHECKS_PAGE, beginMarker, checkSection, endMarker, regenerateCheckBlocks } from '../src/rules/checkDocs.js';
import { describeRule } from '../src/rules/hostNamespaceRule.js';
import { DEFAULT_HELP_BASE, RULE_ANCHOR, helpUri } from '../src/report/helpLinks.js';
import { headingAnchors, proseLines, relativeLinks } from './support/markdown.js';
import { PROJECT_ROOT } from './support/tools.js';

type Documented = Pick<Check, 'id' | 'title' | 'rationale' | 'remediation' | 'reads'>;

const PAGE_FILE = path.join(PROJECT_ROOT, CHECKS_PAGE);
if (process.env.UPDATE_DOCS === '1') writeFileSync(PAGE_FILE, regenerateCheckBlocks(readFileSync(PAGE_FILE, 'utf8'), RULE_CHECKS));
const PAGE = readFileSync(PAGE_FILE, 'utf8');

/** The text between `## The checks` and the next level-2 heading. */
function checksPart(page: string): string {
  const start = page.indexOf('\n## The checks\n');
  if (start < 0) return '';
  const next = page.indexOf('\n## ', start + 1);
  return page.slice(start, next < 0 ? undefined : next);
}

/** Everything wrong with a checks page for these checks; empty when it is in step. */
function pageProblems(page: string, checks: readonly Documented[]): string[] {
  const problems: string[] = [];
  const ids = new Set(checks.map((check) => check.id as string));
  for (const check of checks) {
    const begin = page.indexOf(beginMarker(check.id));
    const end = page.indexOf(endMarker(check.id));
    if (begin < 0 || end < 0) {
      problems.push(`${check.id}: no generated section`);
      continue;
    }
    if (page.indexOf(beginMarker(check.id), begin + 1) >= 0) problems.push(`${check.id}: two generated sections`);
    const block = page.slice(begin, end + endMarker(check.id).length);
    if (block !== checkSection(check)) problems.push(`${check.id}: the generated section differs from the check's metadata`);
    if (!block.toLowerCase().includes(check.title.toLowerCase())) problems.push(`${check.id}: the section lacks the title`);
    if (!block.includes(check.remediation)) problems.push(`${check.id}: the section lacks the remediation`);
  }
  for (const match of page.matchAll(BEGIN_MARKER_PATTERN)) {
    if (!ids.has(match[1]!)) problems.push(`a generated section names ${match[1]}, which is not a check`);
  }
  for (const { text } of proseLines(checksPart(page))) {
    const heading = /^###\s+`?([^`]+)`?\s*$/.exec(text);
    if (heading && !ids.has(heading[1]!)) problems.push(`a heading names ${heading[1]}, which is not a check`);
  }
  return problems;
}

/** The check ids of the rule's table, in its order. */
function tableIds(page: string): string[] {
  const start = page.indexOf('## The rule');
  const end = page.indexOf('\n## The checks');
  return [...page.slice(start, end).matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
}

describe(`${CHECKS_PAGE} and the checks`, () => {
  test('each check has one section, generated from its metadata, and no section names another', () => {
    assert.deepEqual(pageProblems(PAGE, RULE_CHECKS), [], `run: npm run build && UPDATE_DOCS=1 node --test dist/test/checkDocs.test.js`);
  });

  test('the rule table lists every check, in order', () => {
    assert.deepEqual(tableIds(PAGE), [...CHECK_IDS]);
  });

  test('the comparison catches a missing section, a stale one and one for a check that is gone', () => {
    const renamed: Documented = { ...RULE_CHECKS[3]!, title: 'a new title' };
    assert.deepEqual(pageProblems(PAGE, [renamed]), ['host-port: the generated section differs from the check\'s metadata', 'host-port: the section lacks the title',
      ...CHECK_IDS.filter((id) => id !== 'host-port').map((id) => `a generated section names ${id}, which is not a check`),
      ...CHECK_IDS.filter((id) => id !== 'host-port').map((id) => `a heading names ${id}, which is not a check`)]);
    const added: Documented = { id: 'host-ipc', title: 't', rationale: 'r', remediation: 'do this', reads: { pod: ['x'] } };
    const withoutIpc = PAGE.replace(/<!-- begin generated: check host-ipc [\s\S]*?<!-- end generated: check host-ipc -->/, '');
    assert.deepEqual(pageProblems(withoutIpc, [added, ...RULE_CHECKS.slice(1)]), ['host-ipc: no generated section']);
    // Regenerating brings a stale block back in step, and only the blocks change.
    const stale = PAGE.replace('**To fix:** Remove hostPort', '**To fix:** Drop hostPort');
    assert.equal(regenerateCheckBlocks(stale, RULE_CHECKS), PAGE);
  });

  test('every SARIF help link lands on a heading of the page', () => {
    assert.ok(DEFAULT_HELP_BASE.endsWith(`/blob/main/${CHECKS_PAGE}`), DEFAULT_HELP_BASE);
    const anchors = headingAnchors(PAGE);
    const links = [RULE_ANCHOR, ...describeRule().checks.map((check) => check.id)].map((anchor) => helpUri(DEFAULT_HELP_BASE, anchor));
    for (const link of links) {
      const fragment = link.slice(link.indexOf('#') + 1);
      assert.ok(anchors.has(fragment), `${link}: no heading of ${CHECKS_PAGE} has the anchor #${fragment}`);
    }
  });
});

/** README.md, SECURITY.md, CHANGELOG.md and every page under docs/. */
function markdownFiles(): string[] {
  const docs = path.join(PROJECT_ROOT, 'docs');
  return [
    ...['README.md', 'SECURITY.md', 'CHANGELOG.md'].map((name) => path.join(PROJECT_ROOT, name)),
    ...readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => path.join(docs, name)),
  ];
}

test('relative links in the README and the docs reach a file, and a heading when they name one', () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const { line, target } of relativeLinks(text)) {
      const [pathPart = '', anchor] = target.split('#', 2);
      const linked = pathPart === '' ? file : path.resolve(path.dirname(file), pathPart);
      const where = `${path.relative(PROJECT_ROOT, file)}:${line} ${target}`;
      if (!existsSync(linked)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (anchor !== undefined && statSync(linked).isFile() && linked.endsWith('.md') && !headingAnchors(readFileSync(linked, 'utf8')).has(anchor)) {
        broken.push(`${where}: no such heading`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
