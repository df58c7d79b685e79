// Where the documentation of each check lives: a section of docs/checks.md per check, whose
// heading gives the anchor. SARIF needs absolute URIs, so the base is that page on the project's
// own site; test/checkDocs.test.ts checks that every anchor here is a heading of the page.
import { CHECKS_PAGE } from '../rules/checkDocs.js';

export const PROJECT_URL = 'https://github.com/hostns-check/hostns-check';

export const DEFAULT_HELP_BASE = `${PROJECT_URL}/blob/main/${CHECKS_PAGE}`;

/** The anchor of the rule's section of that page (the heading "The rule: `k8s-host-namespace`"). */
export const RULE_ANCHOR = 'the-rule-k8s-host-namespace';

/** `base#anchor`; a fragment already on the base is replaced. */
export function helpUri(base: string, anchor: string): string {
  return `${base.replace(/#.*$/, '')}#${anchor}`;
}
