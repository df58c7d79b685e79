// `hostns-check run`: every configured target, up to N at a time. A target that fails does not
// stop the others; results come back in the configuration's order whatever finishes first.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TargetSpec } from '../config/targets.js';
import type { LocatedKustomize } from '../render/helmBinary.js';
import { SharedChartTrees } from '../sources/chartTree.js';
import type { RuleConfig } from '../types.js';
import { checkHelmChart, type Rendered } from './checkHelmChart.js';
import { checkKustomize } from './checkKustomize.js';
import { emptyOutcome, type TargetRun } from './checkStream.js';
import { scanTarget } from './scanManifests.js';

export interface RunOptions {
  concurrency: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  config: RuleConfig;
  /** Helm and Kustomize are looked up only when a target needs them. */
  helm: () => string;
  kustomize: () => LocatedKustomize;
  warn: (text: string) => void;
  /** Called as each target finishes (for progress), in completion order. */
  onDone?: (run: TargetRun, index: number) => void;
  onStart?: (index: number) => void;
  /** The charts' files shared by the run's targets (made here when not given). */
  chartTrees?: SharedChartTrees;
}

/** `*`, `**` and `?` against paths relative to the working directory. */
export function globPattern(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      pattern += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') pattern += '[^/]*';
    else if (c === '?') pattern += '[^/]';
    else pattern += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** Files matching a glob, sorted; the search starts at the glob's folder without wildcards. */
export async function expandGlob(glob: string, cwd: string): Promise<string[]> {
  if (!/[*?]/.test(glob)) return [glob];
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const part of parts) {
    if (/[*?]/.test(part)) break;
    fixed.push(part);
  }
  const base = fixed.join('/') || '.';
  const pattern = globPattern(path.normalize(glob));
  const found: string[] = [];
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(path.resolve(cwd, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      // Hidden files and folders (.hostns-check.yaml, .git) only when the glob names them.
      if (entry.name.startsWith('.') && !glob.includes('/.') && !glob.startsWith('.')) continue;
      const rel = path.normalize(path.join(dir, entry.name));
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') await walk(rel);
      } else if (pattern.test(rel)) found.push(rel);
    }
  };
  await walk(base);
  return found.sort();
}

/** What the targets of one run share: the defaults render of a chart, and its files. */
interface RunShared {
  defaultsRenders: Map<string, Promise<Rendered>>;
  chartTrees: SharedChartTrees;
}

async function runOne(spec: TargetSpec, options: RunOptions, shared: RunShared): Promise<TargetRun> {
  // A renderer's warnings say which target they came from.
  const warn = (text: string) => options.warn(text.replace(/^(?=.)/gm, `[${spec.name}] `));
  const common = { cwd: options.cwd, env: options.env, timeoutSeconds: options.timeoutSeconds, config: options.config, warn };
  let run: TargetRun;
  switch (spec.type) {
    case 'helm':
      try {
        run = await checkHelmChart(spec.request, { ...common, helm: options.helm(), ...shared });
      } finally {
        shared.chartTrees.release(spec.request.chart, options.cwd);
      }
      break;
    case 'kustomize':
      run = await checkKustomize(
        { dir: spec.dir, enableHelm: spec.enableHelm, loadRestrictor: spec.loadRestrictor, enableAlphaPlugins: false, extraArgs: [] },
        { ...common, kustomize: options.kustomize(), helm: spec.enableHelm ? options.helm() : null },
      );
      break;
    case 'manifests': {
      const files = await expandGlob(spec.glob, options.cwd);
      if (files.length === 0) {
        const outcome = emptyOutcome();
        const message = `no files match ${spec.glob}`;
        outcome.errors.push({ target: spec.name, file: null, line: null, message });
        run = { target: { type: 'manifests', path: spec.glob, ok: false, error: message }, outcome };
        break;
      }
      const parts: TargetRun[] = [];
      // A manifests target never reads standard input.
      const noInput = (async function* () {})();
      for (const file of files) parts.push(await scanTarget(file, options.config, options.cwd, noInput));
      const outcome = emptyOutcome();
      for (const part of parts) {
        outcome.findings.push(...part.outcome.findings);
        outcome.errors.push(...part.outcome.errors);
        outcome.warnings.push(...part.outcome.warnings);
        outcome.resources += part.outcome.resources;
        outcome.podSpecs += part.outcome.podSpecs;
      }
      const failed = parts.filter((p) => !p.target.ok);
      run = {
        target: { type: 'manifests', path: spec.glob, ok: failed.length === 0, error: failed.length ? failed.map((p) => p.target.error).join('; ') : null },
        outcome,
      };
      break;
    }
  }
  return named(run, spec.name);
}

/** Every finding, error and warning of a target carries the target's configured name. */
function named(run: TargetRun, name: string): TargetRun {
  const { outcome } = run;
  for (const item of [...outcome.findings, ...outcome.errors, ...outcome.warnings]) item.target = name;
  return { target: { ...run.target, name }, outcome };
}

export async function runTargets(specs: readonly TargetSpec[], options: RunOptions): Promise<TargetRun[]> {
  const results: TargetRun[] = new Array(specs.length);
  const shared: RunShared = { defaultsRenders: new Map(), chartTrees: options.chartTrees ?? new SharedChartTrees() };
  for (const spec of specs) if (spec.type === 'helm') shared.chartTrees.expect(spec.request.chart, options.cwd);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      options.onStart?.(index);
      try {
        results[index] = await runOne(specs[index], options, shared);
      } catch (error) {
        // One target's fault (Helm missing, say) is that target's error, not the run's end.
        const message = error instanceof Error ? error.message : String(error);
        const outcome = emptyOutcome();
        outcome.errors.push({ target: specs[index].name, file: null, line: null, message });
        const spec = specs[index];
        const where = spec.type === 'helm' ? spec.request.chart : spec.type === 'kustomize' ? spec.dir : spec.glob;
        results[index] = { target: { type: spec.type, path: where, ok: false, error: message, name: spec.name }, outcome };
      }
      options.onDone?.(results[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, specs.length)) }, worker));
  return results;
}
