// Where the documentation of each check lives: a section of the project README per check, whose
// heading gives the anchor. SARIF needs absolute URIs, so the base is the project's own page.

export const DEFAULT_HELP_BASE = 'https://github.com/hostns-check/hostns-check';

/** The README anchor of the rule's section (the heading "The rule: `k8s-host-namespace`"). */
export const RULE_ANCHOR = 'the-rule-k8s-host-namespace';

/** `base#anchor`; a fragment already on the base is replaced. */
export function helpUri(base: string, anchor: string): string {
  return `${base.replace(/#.*$/, '')}#${anchor}`;
}
