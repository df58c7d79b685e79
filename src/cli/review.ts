// `--base REF`, `--baseline FILE` and `--write-baseline FILE` for helm, kustomize and run: the
// base side of a comparison (the same targets rendered from a git revision copied into a scratch
// folder, or a JSON report saved earlier), and the step that marks the head report against it.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { TargetRun } from '../pipeline/outcome.js';
import { GitBaseError, extractRevision } from '../process/gitRevision.js';
import { compareWithBase, type BaseSide } from '../review/compare.js';
import { targetId, targetIdOf, type Finding, type Report, type ReportWarning, type TargetResult } from '../types.js';
import { writeReportFile } from './writeOutput.js';

export interface ReviewOptions {
  base?: string;
  baseline?: string;
  writeBaseline?: string;
  failOn?: string;
}

/** A mistake in how the comparison was asked for, or a baseline that cannot be read: exit 2. */
export class ReviewError extends Error {}

export function addReviewOptions(command: Command): Command {
  return command
    .option('--base <ref>', 'also check the targets as they were at this git revision: mark each finding new or existing, and list the fixed ones')
    .option('--baseline <file>', 'compare with a JSON report saved earlier (--write-baseline, or --format json) instead of a git revision')
    .option('--write-baseline <file>', "also write this run's JSON report to FILE, for a later --baseline");
}

/** Where a command renders its base: the copy of its working folder, and paths as they are there. */
export interface BaseWorld {
  /** The copy of the working folder at the base revision. */
  cwd: string;
  /** A path as the user gave it, in the base: an absolute path inside the repository moves into the copy. */
  path(given: string): string;
  /** False for a local path the head has and the base has not (a target this change adds). */
  exists(given: string): boolean;
}

/** Renders the command's targets in the base; `added` when the one target does not exist there. */
export type BaseRender = (world: BaseWorld) => Promise<TargetRun[] | 'added'>;

interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Starts the base side (when --base or --baseline is given) alongside the head's render; the
 * caller hands the promise to writeReport. Mistakes in the options throw here, before anything runs.
 */
export function startBase(options: ReviewOptions, io: Io, render: BaseRender): Promise<BaseSide | undefined> | undefined {
  if (options.base !== undefined && options.baseline !== undefined) throw new ReviewError('give --base REF or --baseline FILE, not both');
  if (options.failOn === 'new' && options.base === undefined && options.baseline === undefined) {
    throw new ReviewError('--fail-on new needs something to compare with: --base REF or --baseline FILE');
  }
  let started: Promise<BaseSide | undefined> | undefined;
  if (options.baseline !== undefined) started = Promise.resolve().then(() => readBaseline(options.baseline!, io.cwd));
  else if (options.base !== undefined) started = renderBase(options.base, io, render);
  // Awaited by writeReport; this only keeps an early exit of the head from an unhandled rejection.
  started?.catch(() => undefined);
  return started;
}

async function renderBase(ref: string, io: Io, render: BaseRender): Promise<BaseSide> {
  const tree = await extractRevision(ref, io.cwd, io.env);
  const label = `${ref} (${tree.commit.slice(0, 12)})`;
  try {
    const cwd = tree.mirror(realpathSync(io.cwd));
    const inside = (absolute: string) => {
      const relative = path.relative(tree.top, absolute);
      return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : null;
    };
    const world: BaseWorld = {
      cwd,
      path: (given) => {
        if (!path.isAbsolute(given) || !existsSync(given)) return given;
        const relative = inside(realpathSync(given));
        return relative === null ? given : path.join(tree.tree, relative);
      },
      exists: (given) => !existsSync(path.resolve(io.cwd, given)) || existsSync(path.resolve(cwd, world.path(given))),
    };
    if (!existsSync(cwd)) return { label, findings: [], targets: [], unavailable: [], warnings: [] };
    let runs: TargetRun[] | 'added';
    try {
      runs = await render(world);
    } catch (error) {
      if (error instanceof GitBaseError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const warning = { target: targetId(`--base ${ref}`), file: null, line: null, message: `the base ${label} could not be checked, so every finding counts as new: ${message}` };
      return { label, findings: [], targets: [], unavailable: 'all', warnings: [unscratch(warning, tree.tree, tree.top)] };
    }
    if (runs === 'added') return { label, findings: [], targets: [], unavailable: [], warnings: [] };
    // Paths in the base's results name the scratch copy; the reader knows the repository.
    const base = unscratch(runs, tree.tree, tree.top);
    const warnings: ReportWarning[] = base
      .filter((run) => !run.target.ok)
      .map((run) => ({
        target: targetIdOf(run.target),
        file: null,
        line: null,
        message: `at the base ${label} this target could not be rendered, so all its findings count as new: ${run.target.error ?? 'unknown error'}`,
      }));
    return { label, findings: base.flatMap((run) => run.outcome.findings), targets: base.map((run) => run.target), unavailable: [], warnings };
  } finally {
    tree.remove();
  }
}

/** A deep copy with every mention of the scratch copy turned back into the repository's path. */
function unscratch<T>(value: T, scratch: string, top: string): T {
  const quoted = (text: string) => JSON.stringify(text).slice(1, -1);
  return JSON.parse(JSON.stringify(value).split(quoted(scratch)).join(quoted(top))) as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON report saved earlier, as the base side; anything else is exit 2 naming the file. */
export function readBaseline(file: string, cwd: string): BaseSide {
  const fail = (why: string): never => {
    throw new ReviewError(`--baseline ${file}: ${why}`);
  };
  let text = '';
  try {
    text = readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('is not JSON; write one with --write-baseline FILE or --format json');
  }
  if (!isObject(parsed) || !Array.isArray(parsed.findings) || !Array.isArray(parsed.targets)) fail('is not a hostns-check JSON report (no findings and targets lists)');
  const report = parsed as Record<string, unknown[]>;
  report.findings!.forEach((finding, index) => {
    const ok =
      isObject(finding) &&
      typeof finding.check === 'string' &&
      typeof finding.target === 'string' &&
      typeof finding.path === 'string' &&
      isObject(finding.resource) &&
      (finding.container === null || typeof finding.container === 'string');
    if (!ok) fail(`findings[${index}] lacks its check, target, resource, container or path`);
  });
  report.targets!.forEach((target, index) => {
    if (!isObject(target) || typeof target.path !== 'string' || typeof target.ok !== 'boolean') fail(`targets[${index}] lacks its path or ok`);
  });
  return { label: file, findings: report.findings as Finding[], targets: report.targets as TargetResult[], unavailable: [] };
}

/** The plain report for a baseline file: what this run found, without a comparison of its own. */
function baselineOf(report: Report): Report {
  const plain: Report = { ...report, findings: report.findings.map(({ baseline: _baseline, ...finding }) => finding) };
  delete plain.comparison;
  delete plain.fixed;
  return plain;
}

/** Writes the baseline when asked and marks the report against its base, when there is one. */
export async function finishReview(report: Report, options: ReviewOptions, cwd: string, base: Promise<BaseSide | undefined> | undefined): Promise<Report> {
  if (options.failOn === 'new' && base === undefined) throw new ReviewError('--fail-on new needs something to compare with: --base REF or --baseline FILE');
  if (options.writeBaseline !== undefined) writeReportFile(options.writeBaseline, JSON.stringify(baselineOf(report), null, 2) + '\n', cwd);
  const side = await base;
  return side ? compareWithBase(report, side) : report;
}

/** A target context moved into the base copy; the base renderer's own warnings say they are the base's. */
export function inBase<Context extends { cwd: string; warn(text: string): void }>(context: Context, world: BaseWorld): Context {
  return { ...context, cwd: world.cwd, warn: (text: string) => context.warn(text.replace(/^(?=.)/gm, '[base] ')) };
}
