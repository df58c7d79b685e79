// Which of the configuration's targets a `run` checks, for CI machines that split the work:
// `--shard I/N` (a stable share, by a hash of each target's name, so adding a target moves no
// other) and `--list` (the selected targets, as lines or as a JSON array a CI matrix reads).
import { createHash } from 'node:crypto';
import type { TargetSpec } from '../targets/targetsFile.js';

export interface Shard {
  /** 0-based, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/** `I/N` with 0 <= I < N; null (and the reason) for anything else. */
export function parseShard(text: string): Shard | string {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!match) return `--shard takes I/N (0-based I, e.g. 0/4 to 3/4), not "${text}"`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) return `--shard ${text}: I must be at least 0 and below N (N at least 1)`;
  return { index, count };
}

/** The shard a target belongs to: a hash of its name alone, so it never depends on the other targets. */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name).digest();
  return digest.readUInt32BE(0) % count;
}

export function inShard<T extends { name: string }>(targets: readonly T[], shard: Shard | undefined): T[] {
  return shard ? targets.filter((target) => shardOf(target.name, shard.count) === shard.index) : [...targets];
}

function pathOf(spec: TargetSpec): string {
  return spec.type === 'helm' ? spec.request.chart : spec.type === 'kustomize' ? spec.dir : spec.glob;
}

/** `run --list`: one target a line, or with --format json an array of {name, type, path}. */
export function listTargets(targets: readonly TargetSpec[], format: string): string {
  const rows = targets.map((spec) => ({ name: spec.name, type: spec.type, path: pathOf(spec) }));
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  return rows.map((row) => `${row.name}\t${row.type}\t${row.path}\n`).join('');
}
