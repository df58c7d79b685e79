// `hostns-check run`: every configured target, up to N at a time. A target that fails does not
// stop the others; results come back in the configuration's order whatever finishes first.
import type { TargetRun } from '../pipeline/outcome.js';
import type { LocatedKustomize } from '../process/toolLookup.js';
import type { RuleConfig } from '../types.js';
import { checkTarget, failedTarget } from './driver.js';
import { SharedChartTrees } from './helm/chartTree.js';
import { helmKind, type Rendered } from './helm/helmTarget.js';
import { kustomizeKind } from './kustomize/kustomizeTarget.js';
import { manifestsKind } from './manifests/manifestsTarget.js';
import type { TargetContext } from './targetKind.js';
import type { TargetSpec } from './targetsFile.js';

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
  debug?: (text: string) => void;
  /** False with --no-verify (see TargetContext). */
  verify?: boolean;
  /** False for the base of --base: its findings are only compared, so no renders name the settings behind them. */
  blame?: boolean;
  /** Called as each target finishes (for progress), in completion order. */
  onDone?: (run: TargetRun, index: number) => void;
  onStart?: (index: number) => void;
  /** Let `manifests:` targets read outside the configuration file's folder (`--allow-outside-config`). */
  allowOutsideConfig?: boolean;
  /** The charts' files shared by the run's targets (made here when not given). */
  chartTrees?: SharedChartTrees;
}

/** What the targets of one run share: the defaults render of a chart, and its files. */
interface RunShared {
  defaultsRenders: Map<string, Promise<Rendered>>;
  chartTrees: SharedChartTrees;
}

async function runOne(spec: TargetSpec, options: RunOptions, shared: RunShared): Promise<TargetRun> {
  // A renderer's warnings say which target they came from.
  const warn = (text: string) => options.warn(text.replace(/^(?=.)/gm, `[${spec.name}] `));
  const context: TargetContext = { cwd: options.cwd, env: options.env, timeoutSeconds: options.timeoutSeconds, config: options.config, warn, debug: options.debug, verify: options.verify !== false };
  switch (spec.type) {
    case 'helm':
      try {
        return await checkTarget(helmKind, { request: spec.request, helm: options.helm(), blame: options.blame, ...shared }, context, spec.name);
      } finally {
        shared.chartTrees.release(spec.request.chart, options.cwd);
      }
    case 'kustomize': {
      const request = { dir: spec.dir, enableHelm: spec.enableHelm, loadRestrictor: spec.loadRestrictor, enableAlphaPlugins: false, extraArgs: [] };
      const kustomize = options.kustomize();
      return checkTarget(kustomizeKind, { request, kustomize, helm: spec.enableHelm ? options.helm() : null }, context, spec.name);
    }
    case 'manifests':
      return checkTarget(manifestsKind, { argument: spec.glob, glob: true, ...(options.allowOutsideConfig ? {} : { within: spec.configDir }) }, context, spec.name);
  }
}

/** Where a target lives, as its configuration names it. */
function pathOf(spec: TargetSpec): string {
  return spec.type === 'helm' ? spec.request.chart : spec.type === 'kustomize' ? spec.dir : spec.glob;
}

export async function runTargets(specs: readonly TargetSpec[], options: RunOptions): Promise<TargetRun[]> {
  const results = new Array<TargetRun>(specs.length);
  const shared: RunShared = { defaultsRenders: new Map(), chartTrees: options.chartTrees ?? new SharedChartTrees() };
  for (const spec of specs) if (spec.type === 'helm') shared.chartTrees.expect(spec.request.chart, options.cwd);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      const spec = specs[index]!;
      options.onStart?.(index);
      try {
        results[index] = await runOne(spec, options, shared);
      } catch (error) {
        // One target's fault (Helm missing, say) is that target's error, not the run's end.
        const message = error instanceof Error ? error.message : String(error);
        results[index] = failedTarget(spec.type, pathOf(spec), message, { name: spec.name });
      }
      options.onDone?.(results[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, specs.length)) }, worker));
  return results;
}
