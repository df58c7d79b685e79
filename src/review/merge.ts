// `merge`: shard reports (JSON reports of `run --shard I/N`) made into the one report a single run
// over all targets writes: targets back in configuration order, everything else sorted as
// buildReport sorts it, the summary and the comparison with a base recomputed. Pure: parsed
// reports in, a report or the reason it cannot be made out.
import { buildReport, compareFindings } from '../report/buildReport.js';
import type { Comparison, Finding, Report, TargetId, TargetResult } from '../types.js';
import { targetIdOf } from '../types.js';

/** A report that cannot be merged with the others; the message names the file. */
export class MergeError extends Error {}

export interface MergeInput {
  /** How the reader named the file. */
  file: string;
  report: Report;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A parsed JSON value as a report, or the reason it is not one (checked deep enough to merge safely). */
export function asReport(value: unknown): Report | string {
  if (!isObject(value)) return 'is not a hostns-check JSON report (write one with --format json)';
  const tool = value.tool;
  if (!isObject(tool) || tool.name !== 'hostns-check' || typeof tool.version !== 'string') return 'is not a hostns-check JSON report (no tool: hostns-check; write one with --format json)';
  for (const list of ['targets', 'findings', 'errors', 'warnings', 'checked'] as const) {
    if (!Array.isArray(value[list]) || !(value[list] as unknown[]).every(isObject)) return `is not a hostns-check JSON report (no ${list} list)`;
  }
  const summary = value.summary;
  if (!isObject(summary) || typeof summary.resources !== 'number' || typeof summary.podSpecs !== 'number') return 'is not a hostns-check JSON report (no summary)';
  const targets = value.targets as Record<string, unknown>[];
  if (!targets.every((t) => typeof t.path === 'string' && typeof t.ok === 'boolean')) return 'has a target without its path or ok';
  const findings = value.findings as Record<string, unknown>[];
  if (!findings.every((f) => typeof f.target === 'string' && typeof f.check === 'string' && typeof f.path === 'string' && isObject(f.resource))) {
    return 'has a finding without its target, check, path or resource';
  }
  if (value.comparison !== undefined && (!isObject(value.comparison) || typeof value.comparison.base !== 'string' || !Array.isArray(value.fixed))) {
    return 'has a comparison without its base or fixed list';
  }
  const shard = value.shard;
  if (shard !== undefined) {
    const ok =
      isObject(shard) &&
      Number.isInteger(shard.index) &&
      Number.isInteger(shard.count) &&
      Array.isArray(shard.positions) &&
      shard.positions.length === targets.length &&
      shard.positions.every((p) => Number.isInteger(p));
    if (!ok) return 'has a shard without its index, count and a position for each target';
  }
  return value as unknown as Report;
}

/**
 * Shard reports of one `run --shard I/N` matrix must be all N shards, each once; reports without
 * a shard (say of `run --only`) are taken in the order given. Mixing the two, two tool versions or
 * two bases is refused: the result would not be any single run's report.
 */
export function mergeReports(inputs: readonly MergeInput[]): Report {
  const [first] = inputs;
  if (!first) throw new MergeError('merge needs at least one report');
  for (const { file, report } of inputs) {
    if (report.tool.version !== first.report.tool.version) {
      throw new MergeError(`${file} was written by hostns-check ${report.tool.version} and ${first.file} by ${first.report.tool.version}: merge reports of one version`);
    }
    if ((report.comparison === undefined) !== (first.report.comparison === undefined)) {
      throw new MergeError(`${report.comparison ? file : first.file} compares with a base and ${report.comparison ? first.file : file} does not: merge reports of one run`);
    }
    if (report.comparison && first.report.comparison && report.comparison.base !== first.report.comparison.base) {
      throw new MergeError(`${file} compares with ${report.comparison.base} and ${first.file} with ${first.report.comparison.base}: merge reports of one run`);
    }
    if ((report.shard === undefined) !== (first.report.shard === undefined)) {
      throw new MergeError(`${report.shard ? file : first.file} is a shard report (run --shard) and ${report.shard ? first.file : file} is not: merge the reports of one run`);
    }
  }
  const ordered = orderTargets(inputs);
  const seen = new Map<TargetId, string>();
  for (const { file, target } of ordered) {
    const id = targetIdOf(target);
    const other = seen.get(id);
    if (other !== undefined) throw new MergeError(`target ${id} is in both ${other} and ${file}: merge each shard once`);
    seen.set(id, file);
  }
  const reports = inputs.map((input) => input.report);
  const built = buildReport({
    version: first.report.tool.version,
    targets: ordered.map(({ target }) => target),
    findings: reports.flatMap((r) => r.findings),
    errors: reports.flatMap((r) => r.errors),
    warnings: reports.flatMap((r) => r.warnings),
    resources: reports.reduce((sum, r) => sum + r.summary.resources, 0),
    podSpecs: reports.reduce((sum, r) => sum + r.summary.podSpecs, 0),
    checked: reports.flatMap((r) => r.checked),
  });
  const base = first.report.comparison;
  if (!base) return built;
  const fixed: Finding[] = reports.flatMap((r) => r.fixed ?? []).sort(compareFindings);
  const open = built.findings.filter((f) => !f.suppressed);
  const comparison: Comparison = {
    base: base.base,
    new: open.filter((f) => f.baseline === 'new').length,
    existing: open.filter((f) => f.baseline === 'existing').length,
    fixed: fixed.length,
    unavailable: [...new Set(reports.flatMap((r) => r.comparison?.unavailable ?? []))].sort(),
  };
  return { ...built, comparison, fixed };
}

/** The targets in configuration order: by the shards' positions, else in the order the reports came. */
function orderTargets(inputs: readonly MergeInput[]): { file: string; target: TargetResult }[] {
  const [first] = inputs;
  const count = first?.report.shard?.count;
  if (count === undefined) return inputs.flatMap(({ file, report }) => report.targets.map((target) => ({ file, target })));
  const shardFile = new Map<number, string>();
  for (const { file, report } of inputs) {
    const shard = report.shard!;
    if (shard.count !== count) throw new MergeError(`${file} is shard ${shard.index}/${shard.count} and ${first!.file} one of ${count}: merge the shards of one split`);
    const other = shardFile.get(shard.index);
    if (other !== undefined) throw new MergeError(`${file} and ${other} are both shard ${shard.index}/${count}: merge each shard once`);
    shardFile.set(shard.index, file);
  }
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !shardFile.has(index));
  if (missing.length > 0) {
    throw new MergeError(`shard${missing.length === 1 ? '' : 's'} ${missing.map((index) => `${index}/${count}`).join(', ')} missing: a merge of part of the shards is not the whole run`);
  }
  return inputs
    .flatMap(({ file, report }) => report.targets.map((target, at) => ({ file, target, position: report.shard!.positions[at]! })))
    .sort((a, b) => a.position - b.position)
    .map(({ file, target }) => ({ file, target }));
}
