// How the reports for people say what the user's values overrides did to a finding: which of
// their settings turned it on, or that the chart's own values already produce it and the
// overrides only changed the value.
import type { Finding, OverrideSetting } from '../types.js';

const OVERRIDES_ONLY = "introduced by your values overrides; the chart's own values do not produce it";

/** `values-prod.yaml:12 (agent.enabled)`, or `--set agent.enabled=true`. */
export function describeSetting(setting: OverrideSetting): string {
  if (setting.flag !== undefined) return `${setting.flag} ${setting.text ?? ''}`;
  const where = setting.line !== null ? `${setting.file}:${setting.line}` : `${setting.file}`;
  return setting.key !== null ? `${where} (${setting.key})` : where;
}

/** `a`, `a and b`, `a, b and c`. */
function inWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The field a finding is about: the last key of its path (`ports[1].hostPort` -> hostPort). */
function fieldOf(findingPath: string): string {
  return findingPath.replace(/\[\d+\]/g, '').split('.').pop() ?? findingPath;
}

function valueText(value: unknown): string {
  return value === null || value === undefined ? 'not set' : typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The sentence about introducedBy, or null when there is none to say (the chart's own values produce it as it is). */
export function describeIntroducedBy(finding: Finding): string | null {
  if (finding.introducedBy === 'overrides') {
    const settings = finding.introducedByOverrides ?? [];
    if (settings.length === 1) return `introduced by ${describeSetting(settings[0]!)}`;
    if (settings.length > 1) return `introduced by ${inWords(settings.map(describeSetting))}; without any one of them it goes away`;
    const reason = finding.introducedByOverridesReason;
    return reason ? `${OVERRIDES_ONLY} (the settings are not named: ${reason})` : OVERRIDES_ONLY;
  }
  if (finding.introducedBy === 'chart' && 'chartValue' in finding) {
    const field = fieldOf(finding.path);
    const now = finding.value === null || finding.value === undefined ? 'your overrides removed it' : `your overrides changed it to ${valueText(finding.value)}`;
    return `the chart's own values already fail this check (${field} ${valueText(finding.chartValue)}); ${now}`;
  }
  return null;
}
