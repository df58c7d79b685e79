// Configuration-file exemptions: which entry covers a finding, and whether it has expired. Pure:
// the facts of a finding and today's date in, a verdict out.
import type { CheckId, Exemption } from '../types.js';

/** What an exemption is matched against. */
export interface ExemptionFacts {
  check: CheckId;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  /** Every name the finding's chart goes by (chart, subcharts, the chart argument: see exemptionCharts); empty outside a chart. */
  charts: string[];
}

export type ExemptionMatch = { exemption: Exemption; expired: boolean };

/** `*` any run of characters, `?` exactly one; everything else literal; the whole name must match. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** Today as YYYY-MM-DD in local time: the calendar day the person running the tool is in. */
export function todayIso(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** True from the `expires` day on. */
export function isExpired(exemption: Exemption, today: string): boolean {
  return exemption.expires !== null && today >= exemption.expires;
}

function normalChart(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

export function exemptionCovers(exemption: Exemption, facts: ExemptionFacts): boolean {
  if (!exemption.checks.includes(facts.check)) return false;
  if (exemption.kind !== null && exemption.kind !== facts.kind) return false;
  if (exemption.namespace !== null && exemption.namespace !== facts.namespace) return false;
  if (exemption.name !== null && (facts.name === null || !globMatches(exemption.name, facts.name))) return false;
  if (exemption.chart !== null) {
    const wanted = normalChart(exemption.chart);
    if (!facts.charts.some((chart) => normalChart(chart) === wanted)) return false;
  }
  return true;
}

/**
 * The first exemption in force that covers the finding; failing that, the first expired one that
 * would have (so the report can say why the finding is back); null when none covers it.
 */
export function matchExemption(exemptions: readonly Exemption[], facts: ExemptionFacts, today: string): ExemptionMatch | null {
  const covering = exemptions.filter((exemption) => exemptionCovers(exemption, facts));
  const inForce = covering.find((exemption) => !isExpired(exemption, today));
  if (inForce) return { exemption: inForce, expired: false };
  const expired = covering[0];
  return expired ? { exemption: expired, expired: true } : null;
}

/** The chart names a Helm `# Source:` path carries: `umbrella/charts/agent/templates/ds.yaml` is umbrella and agent. */
export function chartsOfSourceHeader(header: string): string[] {
  const parts = header.split('/');
  const end = parts.indexOf('templates');
  const head = end === -1 ? [] : parts.slice(0, end);
  const charts = head.length > 0 ? [head[0]!] : [];
  for (let i = 1; i + 1 < head.length; i++) if (head[i] === 'charts') charts.push(head[i + 1]!);
  return charts;
}

/**
 * The chart names an exemption's `chart:` may match for one document: the chart and subcharts of
 * Helm's own `# Source:` header (the first comment Helm writes before each document, ahead of any
 * text of the template) and the chart argument the user gave. Never a label or anything else the
 * rendered resource says about itself: any chart can write `helm.sh/chart: node-exporter-4.0.0`.
 */
export function exemptionCharts(sourceHeader: string | null, chartArgument: string | undefined): string[] {
  return [...(sourceHeader ? chartsOfSourceHeader(sourceHeader) : []), ...(chartArgument ? [chartArgument] : [])];
}
