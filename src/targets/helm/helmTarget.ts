// A Helm chart as a target: `helm template` with the user's values, each document checked as it
// arrives, findings mapped to template and values lines, and, when the user gave overrides and
// there is a finding, a second render with the chart's own values to say which findings the
// overrides introduced (and further ones to say which settings did: overrideBlame.ts).
// Helm is started before anything else is awaited: the later stages (brought in with import())
// and the configuration load while it renders instead of before.
import path from 'node:path';
import { checkStream } from '../../pipeline/checkStream.js';
import type { Problem, StreamOutcome } from '../../pipeline/outcome.js';
import { noSource, type SourceMapper } from '../../pipeline/sourceMapping.js';
import { targetId, type Finding } from '../../types.js';
import { TargetFailure, type OpenedTarget, type TargetContext, type TargetKind } from '../targetKind.js';
import { copyChartForWriting, dependencyRepositories, type ChartCopy } from './chartCopy.js';
import { isRemoteChart, pullChart, type PulledChart } from './chartPull.js';
import type { ChartNode, SharedChartTrees } from './chartTree.js';
import { describeDependencyFailure, describeHelmFailure, type RenderFailure } from './helmFailure.js';
import { runHelmDependencyUpdate, runHelmTemplate, type HelmExit, type HelmRun, type HelmTemplateRequest } from './helmTemplate.js';
import { MAX_VALUES_BYTES, refusedValuesFile, setFileFiles, ValuesFiles, type UserValues } from './valuesOrigins.js';
import { formatJsonPath } from '../../manifests/jsonPath.js';
import { resourceKey, type RenderedResource } from './proof/renderedResource.js';

export interface HelmSpec {
  request: HelmTemplateRequest;
  /** The helm binary. */
  helm: string;
  /**
   * Renders with the chart's defaults, shared across targets (`run` checks one chart under many
   * value sets: its defaults are rendered once, not once per set).
   */
  defaultsRenders?: Map<string, Promise<Rendered>>;
  /** The chart's files, read once for all targets of a chart in `run`. */
  chartTrees?: SharedChartTrees;
  /** False: no renders to name the settings behind introducedBy 'overrides' (a --base render's findings are only compared). */
  blame?: boolean;
}

export interface Rendered {
  outcome: StreamOutcome;
  exit: HelmExit;
}

function succeeded(exit: HelmExit): boolean {
  return exit.exitCode === 0 && !exit.signal && !exit.timedOut;
}

/** A render whose findings can be compared with the main one's. */
function comparable(rendered: Rendered): boolean {
  return succeeded(rendered.exit) && rendered.outcome.errors.length === 0;
}

/** The same chart with its own values only: no -f, no --set*. */
function withoutOverrides(request: HelmTemplateRequest): HelmTemplateRequest {
  return { ...request, values: [], set: [], setString: [], setFile: [], setJson: [], setLiteral: [], dependencyUpdate: false };
}

function hasOverrides(request: HelmTemplateRequest): boolean {
  return [request.values, request.set, request.setString, request.setFile, request.setJson, request.setLiteral].some((list) => list.length > 0);
}

/** A Helm run that is stopped (and waited for) unless it has already ended. */
function stoppable(run: HelmRun): HelmRun & { stop(): Promise<void> } {
  let ended = false;
  const done = run.done.then((exit) => {
    ended = true;
    return exit;
  });
  return {
    ...run,
    done,
    async stop() {
      if (!ended) run.kill();
      await done;
    },
  };
}

/** A render whose findings are only compared, never reported: the chart's own values, or some of the overrides (introducedBy). */
async function renderForComparison(request: HelmTemplateRequest, spec: HelmSpec, context: TargetContext): Promise<Rendered> {
  const run = stoppable(runHelmTemplate(request, { ...context, helm: spec.helm }));
  try {
    const config = await context.config;
    const outcome = await checkStream(run.stdout, { target: targetId(request.chart), file: request.chart, config, sourceOf: noSource, suppressions: false });
    return { outcome, exit: await run.done };
  } finally {
    await run.stop();
  }
}

/** The render with the chart's defaults, shared between the targets of one chart in `run`. */
function defaultsRender(request: HelmTemplateRequest, spec: HelmSpec, context: TargetContext, shareable: boolean): Promise<Rendered> {
  const key = JSON.stringify([request, spec.helm]);
  const shared = shareable ? spec.defaultsRenders?.get(key) : undefined;
  if (shared) return shared;
  const rendered = renderForComparison(request, spec, context);
  // When the main render fails first (a configuration mistake fails both), this one is never
  // awaited: its failure must not surface as an unhandled rejection, the main one is reported.
  rendered.catch(() => undefined);
  if (shareable) spec.defaultsRenders?.set(key, rendered);
  return rendered;
}

/**
 * introducedBy, only when there is a finding to say it of: the chart's defaults are rendered now,
 * not beside the main render (which then has both cores to itself), then the findings only the
 * overrides produce are traced to the settings behind them. A warning when the chart does not
 * render with its own values.
 */
async function introducedBy(outcome: StreamOutcome, effective: HelmTemplateRequest, spec: HelmSpec, context: TargetContext, shareable: boolean): Promise<Problem[]> {
  if (!outcome.findings.some((finding) => !finding.suppressed)) return [];
  context.debug?.('introducedBy: rendering the chart with its own values');
  const chartOnly = await defaultsRender(withoutOverrides(effective), spec, context, shareable);
  if (!comparable(chartOnly)) return [{ file: null, line: null, message: 'the chart does not render with its own values alone, so introducedBy is not known' }];
  const { blameOverrides, compareWithChart } = await import('./overrideBlame.js');
  compareWithChart(outcome.findings, chartOnly.outcome.findings);
  if (spec.blame === false) return [];
  const render = async (request: HelmTemplateRequest) => {
    const rendered = await renderForComparison(request, spec, context);
    return comparable(rendered) ? rendered.outcome.findings : null;
  };
  await blameOverrides(outcome.findings, { request: effective, cwd: context.cwd, chartFindings: chartOnly.outcome.findings, render, debug: context.debug });
  return [];
}

/** The chart (a local folder or archive) and the files of -f and --set-file, absolute. */
export function helmReads(request: HelmTemplateRequest, cwd: string): string[] {
  const files = [request.chart, ...request.values, ...request.setFile.map((text) => text.slice(text.indexOf('=') + 1))];
  return files.filter((file) => file !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(file)).map((file) => path.resolve(cwd, file));
}

/** The values the user gave, in the form the values mapping reads them. */
export function userValues(request: HelmTemplateRequest): UserValues {
  const sets = [
    ...request.setJson.map((text) => ({ flag: '--set-json', text })),
    ...request.set.map((text) => ({ flag: '--set', text })),
    ...request.setString.map((text) => ({ flag: '--set-string', text })),
    ...request.setFile.map((text) => ({ flag: '--set-file', text })),
    ...request.setLiteral.map((text) => ({ flag: '--set-literal', text })),
  ];
  return { files: request.values, sets };
}

/** A `chart/templates/x.yaml` path as Helm writes it, relative to the working directory when the chart is local. */
async function chartFileShown(chart: string, cwd: string, file: string): Promise<string> {
  const { loadChartTree, resolveSourceHeader } = await import('./chartTree.js');
  let tree: ChartNode | null;
  try {
    tree = loadChartTree(chart, cwd);
  } catch {
    return file; // the chart's files cannot be read: Helm's own name for the file stands
  }
  const found = tree ? resolveSourceHeader(tree, file) : null;
  return found ? found.chart.display(found.file) : file;
}

/**
 * `--dependency-update` on a local chart folder: `helm dependency update` in the scratch copy, as
 * a step of its own, so Helm's progress lines never reach the parser. The failure, when it fails.
 */
async function fetchDependencies(copy: ChartCopy, spec: HelmSpec, context: TargetContext, removeScratch: () => void): Promise<OpenedTarget | null> {
  context.debug?.(`running ${spec.helm} dependency update ${JSON.stringify(copy.chart)}`);
  const exit = await runHelmDependencyUpdate(copy.chart, { ...context, helm: spec.helm });
  if (succeeded(exit)) {
    if (exit.stderr.trim()) context.warn(exit.stderr);
    return null;
  }
  const failure = describeDependencyFailure(exit, spec.request.chart, dependencyRepositories(copy.chart), context.timeoutSeconds);
  return failedTarget(failure, removeScratch);
}

/** A target that failed before its render: the failure, and its scratch folders removed at cleanup. */
function failedTarget(failure: RenderFailure, cleanup: () => void): OpenedTarget {
  return { inputs: [], finish: () => Promise.resolve({ failure }), cleanup };
}

/**
 * The chart Helm renders and the mapping reads: the user's own when it is local, else a copy Helm
 * pulls now (its --version, --repo and --devel already used), or the pull's failure.
 */
async function localChart(spec: HelmSpec, context: TargetContext): Promise<{ request: HelmTemplateRequest; pulled: PulledChart | null } | { failure: RenderFailure }> {
  const { request } = spec;
  if (!isRemoteChart(request.chart, context.cwd)) return { request, pulled: null };
  const pull = await pullChart(request, { ...context, helm: spec.helm }, context.debug);
  if ('failure' in pull) return pull;
  return { request: { ...request, chart: pull.pulled.chart, version: undefined, repo: undefined, devel: false }, pulled: pull.pulled };
}

/**
 * The user's values files are inputs Helm reads before it renders: one that is a FIFO, a device
 * or a socket (Helm would wait on it, or read /dev/zero until memory runs out) or that is larger
 * than any real values file stops the target before Helm starts, naming the file.
 */
function refuseUnusableValuesFiles(request: HelmTemplateRequest, cwd: string): void {
  const named = [
    ...request.values.map((file) => ({ flag: '--values', file, maxBytes: MAX_VALUES_BYTES })),
    ...request.setFile.flatMap((flag) => setFileFiles(flag).map((file) => ({ flag: '--set-file', file, maxBytes: null }))),
  ];
  for (const { flag, file, maxBytes } of named) {
    const why = refusedValuesFile(file, cwd, maxBytes);
    if (why) throw new TargetFailure(`${file} (${flag}) cannot be used: ${why}`, file);
  }
}

/**
 * Proves each finding's lines with a scratch render (see proof/proveFindings.ts), or, with
 * --no-verify, says they are not proven. Only local charts are copied; others keep the walk's word.
 */
async function proveOrSay(
  findings: Finding[],
  rendered: ReadonlyMap<string, RenderedResource>,
  { request, chartShown, spec, context }: { request: HelmTemplateRequest; chartShown: string | null; spec: HelmSpec; context: TargetContext },
): Promise<void> {
  const mapped = findings.filter((finding) => finding.source !== null);
  if (mapped.length === 0) return;
  if (context.verify === false) {
    const reason = 'not proven: --no-verify skipped the proof render';
    for (const finding of mapped) if (finding.source?.exact) finding.source = { ...finding.source, exact: false, reason };
    return;
  }
  const shown = new ValuesFiles(context.cwd);
  const userFiles = new Map(request.values.map((file) => [shown.shown(file), file]));
  const { proveFindings } = await import('./proof/proveFindings.js');
  const summary = await proveFindings(mapped, rendered, {
    request,
    chartDir: request.chart,
    chartShown,
    run: { helm: spec.helm, cwd: context.cwd, env: context.env, timeoutSeconds: context.timeoutSeconds },
    userFiles,
    debug: context.debug,
  });
  context.debug?.(`proof: ${summary.renders} render(s) in ${summary.milliseconds} ms${summary.problem ? ` (${summary.problem})` : ''}`);
}

export const helmKind: TargetKind<HelmSpec> = {
  type: 'helm',
  pathOf: (spec) => spec.request.chart,
  documents: 'rendered document(s)',
  async open(spec, context) {
    const { request } = spec;
    refuseUnusableValuesFiles(request, context.cwd);
    const resolved = await localChart(spec, context);
    if ('failure' in resolved) return failedTarget(resolved.failure, () => {});
    const { pulled } = resolved;
    let copy: ChartCopy | null = null;
    const removeScratch = () => {
      copy?.remove();
      pulled?.remove();
    };
    try {
      copy = resolved.request.dependencyUpdate ? copyChartForWriting(resolved.request.chart, context.cwd) : null;
      if (copy?.copied) {
        const failed = await fetchDependencies(copy, spec, context, removeScratch);
        if (failed) return failed;
      }
    } catch (error) {
      removeScratch();
      throw error;
    }
    // The copy has its dependencies now: the render itself fetches nothing (a .tgz or pulled
    // chart, never copied, keeps Helm's own --dependency-update).
    const effective = copy?.copied ? { ...resolved.request, chart: copy.chart, dependencyUpdate: false } : resolved.request;
    const run = stoppable(runHelmTemplate(effective, { ...context, helm: spec.helm }));
    const overrides = hasOverrides(request);
    // Without overrides this render is the chart's defaults: other targets of the chart reuse it.
    let shareMain: ((rendered: Rendered) => void) | undefined;
    let failMain: ((error: unknown) => void) | undefined;
    if (!overrides && !copy && spec.defaultsRenders) {
      const main = new Promise<Rendered>((resolve, reject) => ((shareMain = resolve), (failMain = reject)));
      main.catch(() => undefined);
      spec.defaultsRenders.set(JSON.stringify([withoutOverrides(effective), spec.helm]), main);
    }

    let sourceOf: SourceMapper;
    // What each finding's resource looked like in this render: the proof render is compared with it.
    const rendered = new Map<string, RenderedResource>();
    try {
      const [{ helmSourceMapper }, { loadChartTree }] = await Promise.all([import('./helmSource.js'), import('./chartTree.js')]);
      const trees = spec.chartTrees;
      // A pulled chart's files are shown as Helm's # Source: names them: its scratch folder goes.
      const loadTree = pulled
        ? (chart: string, cwd: string) => loadChartTree(chart, cwd, { byChartName: true })
        : trees
          ? (chart: string, cwd: string) => trees.get(chart, cwd)
          : undefined;
      // Mapping honours --timeout like the render: past it, findings keep their # Source: file.
      const limits = { deadline: Date.now() + context.timeoutSeconds * 1000 };
      const mapper = helmSourceMapper({ chart: resolved.request.chart, user: userValues(request), cwd: context.cwd, loadTree, debug: context.debug, limits });
      // Helm is still rendering (it writes everything at the end): read the chart meanwhile.
      mapper.prepare();
      sourceOf = (query) => {
        const metadata = query.resource.metadata as Record<string, unknown> | undefined;
        const at = { document: query.document.index, resourcePath: query.resourcePath, resource: query.resource, sourceHeader: query.document.sourceHeader };
        rendered.set(resourceKey(query.resource.kind, metadata?.name, formatJsonPath(query.path)), at);
        return mapper(query);
      };
    } catch (error) {
      await run.stop();
      removeScratch();
      throw error;
    }

    return {
      inputs: [{ chunks: run.stdout, file: request.chart, sourceOf }],
      // Exemptions may name the chart as the user gave it.
      chart: request.chart,
      reads: helmReads(request, context.cwd),
      async finish(outcome) {
        const exit = await run.done;
        shareMain?.({ outcome, exit });
        let failure;
        if (succeeded(exit)) {
          if (exit.stderr.trim()) context.warn(exit.stderr);
        } else {
          const described = describeHelmFailure(exit, request.chart, context.timeoutSeconds);
          // Helm names the template as `chart/templates/x.yaml`; the report names files from here.
          const file = described.file ? await chartFileShown(request.chart, context.cwd, described.file) : null;
          failure = { file, line: described.line, message: described.message };
        }
        // Both ask Helm for more renders only when there are findings; they run side by side.
        const proof = succeeded(exit) ? proveOrSay(outcome.findings, rendered, { request: effective, chartShown: pulled ? null : request.chart, spec, context }) : null;
        const warnings = overrides && succeeded(exit) ? await introducedBy(outcome, effective, spec, context, !copy) : [];
        await proof;
        return { failure, warnings };
      },
      async cleanup() {
        failMain?.(new Error('the render was stopped'));
        await run.stop();
        removeScratch();
      },
    };
  },
};

