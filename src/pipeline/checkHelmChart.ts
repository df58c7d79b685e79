// One Helm target: render with the user's values and check each document as it arrives.
// Helm is started before anything else is awaited: the later stages (brought in with import())
// and the configuration load while it renders instead of before.
import { copyChartForWriting } from '../render/chartCopy.js';
import { describeHelmFailure } from '../render/helmFailure.js';
import { runHelmTemplate, type HelmExit, type HelmTemplateRequest } from '../render/helmTemplate.js';
import type { SharedChartTrees } from '../sources/chartTree.js';
import type { SourceMapper } from '../sources/manifestSource.js';
import type { UserValues } from '../sources/valuesOrigins.js';
import type { Finding, RuleConfig, TargetResult } from '../types.js';
import type { StreamOutcome, TargetRun } from './checkStream.js';

export interface HelmTargetOptions {
  helm: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  /** May still be loading: the render starts without waiting for it. */
  config: RuleConfig | Promise<RuleConfig>;
  /** Where Helm's own warnings go (shown to the user, never a failure). */
  warn: (text: string) => void;
  /**
   * Renders with the chart's defaults, shared across targets (`run` checks one chart under many
   * value sets: its defaults are rendered once, not once per set).
   */
  defaultsRenders?: Map<string, Promise<Rendered>>;
  /** The chart's files, read once for all targets of a chart in `run`. */
  chartTrees?: SharedChartTrees;
}

export interface Rendered {
  outcome: StreamOutcome;
  exit: HelmExit;
}

/** Which lines a render's findings are mapped to: the chart as the user named it, and their values. */
interface SourceMapping {
  chart: string;
  user: UserValues;
}

/** One `helm template` run, each document checked as it arrives. */
async function renderAndCheck(request: HelmTemplateRequest, options: HelmTargetOptions, mapping: SourceMapping | null, suppress: { chart: string } | null): Promise<Rendered> {
  const run = runHelmTemplate(request, options);
  try {
    const [{ checkStream }, { helmSourceMapper }, config] = await Promise.all([import('./checkStream.js'), import('../sources/helmSource.js'), options.config]);
    const trees = options.chartTrees;
    const loadTree = trees ? (chart: string, cwd: string) => trees.get(chart, cwd) : undefined;
    const helmSources = mapping ? helmSourceMapper({ ...mapping, cwd: options.cwd, loadTree }) : null;
    // Helm is still rendering (it writes everything at the end): read the chart meanwhile.
    helmSources?.prepare();
    const sourceOf: SourceMapper = helmSources ?? (() => ({ source: null }));
    const context = { target: request.chart, file: request.chart, config, sourceOf };
    // Exemptions may name the chart as the user gave it; a render only compared needs no suppressions.
    const outcome = await checkStream(run.stdout, { ...context, chart: suppress?.chart, suppressions: suppress !== null });
    return { outcome, exit: await run.done };
  } catch (error) {
    run.kill();
    await run.done;
    throw error;
  }
}

function succeeded(exit: HelmExit): boolean {
  return exit.exitCode === 0 && !exit.signal && !exit.timedOut;
}

/** The same chart with its own values only: no -f, no --set*. */
function withoutOverrides(request: HelmTemplateRequest): HelmTemplateRequest {
  return { ...request, values: [], set: [], setString: [], setFile: [], setJson: [], setLiteral: [], dependencyUpdate: false };
}

function hasOverrides(request: HelmTemplateRequest): boolean {
  return [request.values, request.set, request.setString, request.setFile, request.setJson, request.setLiteral].some((list) => list.length > 0);
}

/** What identifies a finding across two renders of the same chart. */
function findingKey(finding: Finding): string {
  const { kind, namespace, name } = finding.resource;
  return JSON.stringify([finding.check, kind, namespace, name, finding.container, finding.path]);
}

export async function checkHelmChart(request: HelmTemplateRequest, options: HelmTargetOptions): Promise<TargetRun> {
  const name = request.chart;
  const target: TargetResult = { type: 'helm', path: name, ok: true, error: null };
  const copy = request.dependencyUpdate ? copyChartForWriting(request.chart, options.cwd) : null;
  try {
    const effective = copy ? { ...request, chart: copy.chart } : request;
    const main = renderAndCheck(effective, options, { chart: request.chart, user: userValues(request) }, { chart: request.chart });
    // Without overrides this render is the chart's defaults: other targets of the chart reuse it.
    if (!hasOverrides(request) && !copy) options.defaultsRenders?.set(JSON.stringify([withoutOverrides(effective), options.helm]), main);
    // introducedBy needs the chart's defaults rendered too: in parallel, unless the first run
    // must fetch dependencies into the copy first.
    let defaults: Promise<Rendered> | null = null;
    const renderDefaults = () => {
      const defaultsRequest = withoutOverrides(effective);
      const key = JSON.stringify([defaultsRequest, options.helm]);
      const shared = copy ? undefined : options.defaultsRenders?.get(key);
      if (shared) return shared;
      const rendered = renderAndCheck(defaultsRequest, options, null, null);
      // When the main render fails first (a configuration mistake fails both), this one is never
      // awaited: its failure must not surface as an unhandled rejection, the main one is reported.
      rendered.catch(() => undefined);
      if (!copy) options.defaultsRenders?.set(key, rendered);
      return rendered;
    };
    if (hasOverrides(request) && !copy) defaults = renderDefaults();
    const { outcome, exit } = await main;
    if (hasOverrides(request) && copy && succeeded(exit)) defaults = renderDefaults();
    if (succeeded(exit)) {
      if (exit.stderr.trim()) options.warn(exit.stderr);
    } else {
      const failure = describeHelmFailure(exit, request.chart, options.timeoutSeconds);
      // Helm names the template as `chart/templates/x.yaml`; the report names files from here.
      if (failure.file) failure.file = await chartFileShown(request.chart, options.cwd, failure.file);
      target.ok = false;
      target.error = failure.message;
      outcome.errors.push({ target: name, file: failure.file, line: failure.line, message: failure.message });
    }
    if (defaults) {
      const chartOnly = await defaults;
      if (succeeded(chartOnly.exit) && chartOnly.outcome.errors.length === 0) {
        const fromChart = new Set(chartOnly.outcome.findings.map(findingKey));
        for (const finding of outcome.findings) finding.introducedBy = fromChart.has(findingKey(finding)) ? 'chart' : 'overrides';
      } else if (succeeded(exit)) {
        outcome.warnings.push({
          target: name,
          file: null,
          line: null,
          message: "the chart does not render with its own values alone, so introducedBy is not known",
        });
      }
    }
    if (target.ok && outcome.errors.length > 0) {
      target.ok = false;
      target.error = `${outcome.errors.length} rendered document(s) could not be read`;
    }
    return { target, outcome };
  } finally {
    copy?.remove();
  }
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
  const { loadChartTree, resolveSourceHeader } = await import('../sources/chartTree.js');
  const tree = loadChartTree(chart, cwd);
  const found = tree ? resolveSourceHeader(tree, file) : null;
  return found ? found.chart.display(found.file) : file;
}
