// Compares a head report with a base (a git revision rendered the same way, or a saved JSON
// report): each head finding becomes `new` or `existing`, and the base's unsuppressed findings the
// head no longer has are `fixed`. Pure: plain reports in, a plain report out.
import type { Comparison, Finding, Report, ReportWarning, TargetId, TargetResult } from '../types.js';
import { targetIdOf } from '../types.js';
import { compareFindings, orderWarnings } from '../report/buildReport.js';
import { findingIdentity } from './identity.js';

/** The other side of a comparison. */
export interface BaseSide {
  /** How reports name it: `main (1a2b3c4d5e6f)`, or a baseline file. */
  label: string;
  findings: readonly Finding[];
  /** The base's targets: a head target missing here was added (all its findings are new). */
  targets: readonly TargetResult[];
  /** Targets whose base could not be rendered or read (`all`: no base at all): their head findings count as new, and none is fixed. */
  unavailable: readonly TargetId[] | 'all';
  /** What to tell the reader about the base (a base that did not render), added to the report's warnings. */
  warnings?: readonly ReportWarning[];
}

/**
 * Only the base's unsuppressed findings are matched: a finding whose suppression this change
 * removes is new, as is every finding of a target whose base is unavailable. Identities repeat
 * (two hostPorts of one container): they are matched by count, in report order.
 */
export function compareWithBase(head: Report, base: BaseSide): Report {
  const headIds = new Set(head.targets.map((t) => targetIdOf(t)));
  const unavailable = new Set<TargetId>(base.unavailable === 'all' ? [...headIds, ...base.targets.map((t) => targetIdOf(t))] : base.unavailable);
  const failedBase = new Set(base.targets.filter((t) => !t.ok).map((t) => targetIdOf(t)));
  for (const id of failedBase) unavailable.add(id);
  const pool = new Map<string, Finding[]>();
  for (const finding of base.findings) {
    if (finding.suppressed || unavailable.has(finding.target)) continue;
    const key = findingIdentity(finding);
    const list = pool.get(key);
    if (list) list.push(finding);
    else pool.set(key, [finding]);
  }
  const findings = head.findings.map((finding): Finding => {
    const matches = unavailable.has(finding.target) ? undefined : pool.get(findingIdentity(finding));
    const matched = matches && matches.length > 0 ? matches.shift() : undefined;
    return { ...finding, baseline: matched ? 'existing' : 'new' };
  });
  const fixed = [...pool.values()].flat().sort(compareFindings);
  const open = findings.filter((f) => !f.suppressed);
  const comparison: Comparison = {
    base: base.label,
    new: open.filter((f) => f.baseline === 'new').length,
    existing: open.filter((f) => f.baseline === 'existing').length,
    fixed: fixed.length,
    unavailable: [...unavailable].filter((id) => headIds.has(id)).sort(),
  };
  // Sorted with the head's, so a merge of shard reports lists them as one run does.
  const warnings = orderWarnings([...head.warnings, ...(base.warnings ?? [])]);
  return { ...head, findings, warnings, comparison, fixed };
}

/** Unsuppressed findings the comparison calls new (all of them when there was no comparison). */
export function newFindingCount(report: Report): number {
  return report.findings.filter((f) => !f.suppressed && f.baseline !== 'existing').length;
}
