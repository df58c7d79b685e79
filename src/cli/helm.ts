// `hostns-check helm`: render a chart with `helm template` and the user's values, check every pod,
// and point each finding at its template and values lines.
import type { Command } from 'commander';
import { locateHelm } from '../process/toolLookup.js';
import { emptyHelmRequest, helmTemplateArgs, withValueFlagsFromExtraArgs, type HelmTemplateRequest } from '../targets/helm/helmTemplate.js';
import { checkTarget } from '../targets/driver.js';
import { helmKind } from '../targets/helm/helmTarget.js';
import { addReviewOptions, inBase, startBase, type ReviewOptions } from './review.js';
import { addCommonOptions, collect, debugTo, noteBundled, noteTo, parseTimeout, targetContext, UsageError, writeReport, type CliIo, type CommandContext, type CommonOptions } from './common.js';

/** Flags that reach the request as they are; the booleans are optional here (commander leaves them unset). */
type HelmRequestFlags = Pick<
  HelmTemplateRequest,
  'values' | 'set' | 'setString' | 'setFile' | 'setJson' | 'setLiteral' | 'namespace' | 'kubeVersion' | 'apiVersions' | 'version' | 'repo'
>;

interface HelmOptions extends CommonOptions, ReviewOptions, HelmRequestFlags {
  includeCrds?: boolean;
  skipTests?: boolean;
  devel?: boolean;
  releaseName?: boolean;
  dependencyUpdate?: boolean;
  helm?: string;
  timeout: string;
}

function addHelmOptions(command: Command): Command {
  return command
    .option('-f, --values <file>', 'values file, as for helm template (repeatable)', collect, [])
    .option('--set <key=value>', 'set a value, as for helm template (repeatable)', collect, [])
    .option('--set-string <key=value>', 'set a string value (repeatable)', collect, [])
    .option('--set-file <key=path>', 'set a value from a file (repeatable)', collect, [])
    .option('--set-json <key=json>', 'set a JSON value (repeatable)', collect, [])
    .option('--set-literal <key=value>', 'set a literal string value (repeatable)', collect, [])
    .option('-n, --namespace <namespace>', 'namespace to render into')
    .option('--kube-version <version>', 'Kubernetes version for Capabilities.KubeVersion')
    .option('-a, --api-versions <version>', 'API versions for Capabilities.APIVersions (repeatable)', collect, [])
    .option('--include-crds', 'include CRDs in the rendered output')
    .option('--skip-tests', 'skip Helm test hooks')
    .option('--version <version>', 'chart version constraint (remote charts)')
    .option('--repo <url>', 'chart repository URL')
    .option('--devel', 'use development chart versions too')
    .option('--release-name', "pass helm template's --release-name")
    .option('--dependency-update', 'fetch dependencies first, in a temporary copy of the chart')
    .option('--helm <path>', 'the helm binary (default: $HELM_BIN, helm on PATH, then the bundled one)')
    .option('--timeout <seconds>', 'stop Helm after this many seconds', '300');
}

function helmRequest(positionals: string[], options: HelmOptions, extraArgs: string[]): HelmTemplateRequest {
  if (positionals.length === 0) throw new UsageError('helm: give a chart: a folder, a .tgz, repo/name, or oci://…');
  if (positionals.length > 2) throw new UsageError(`helm: expected [NAME] CHART, got ${positionals.length} arguments`);
  const chart = positionals[positionals.length - 1]!;
  const request = emptyHelmRequest(chart);
  if (positionals.length === 2) request.releaseName = positionals[0]!;
  Object.assign(request, {
    values: options.values,
    set: options.set,
    setString: options.setString,
    setFile: options.setFile,
    setJson: options.setJson,
    setLiteral: options.setLiteral,
    namespace: options.namespace,
    kubeVersion: options.kubeVersion,
    apiVersions: options.apiVersions,
    includeCrds: Boolean(options.includeCrds),
    skipTests: Boolean(options.skipTests),
    version: options.version,
    repo: options.repo,
    devel: Boolean(options.devel),
    releaseNameFlag: Boolean(options.releaseName),
    dependencyUpdate: Boolean(options.dependencyUpdate),
    extraArgs,
  });
  return withValueFlagsFromExtraArgs(request);
}

async function runHelm(positionals: string[], options: HelmOptions, extraArgs: string[], io: CliIo): Promise<number> {
  const request = helmRequest(positionals, options, extraArgs);
  const timeoutSeconds = parseTimeout(options.timeout);
  const helm = noteBundled(io, locateHelm({ flag: options.helm, env: io.env, cwd: io.cwd }), 'Helm');
  const debug = debugTo(io, options);
  debug?.(`running ${helm} ${helmTemplateArgs(request).map((a) => JSON.stringify(a)).join(' ')}`);
  // Read while Helm renders (the Helm kind starts it before waiting for anything); a mistake in
  // the configuration still ends the run with exit 2, and Helm is stopped.
  const config = import('../config/loadConfig.js').then(({ loadConfig }) => loadConfig(options, io.cwd, noteTo(io)));
  // Both are awaited later (the render awaits the configuration, writeReport the formatters, and
  // reports what went wrong); these handlers only keep an early exit from an unhandled rejection.
  config.catch(() => undefined);
  import('../report/formats.js').catch(() => undefined);
  const context = targetContext(io, options, timeoutSeconds, config);
  // --base: the same chart, values files and flags, rendered from the revision's copy at the same time.
  const base = startBase(options, io, async (world) => {
    if (!world.exists(request.chart)) return 'added';
    const setFile = request.setFile.map((entry) => entry.replace(/(?<==)(.*)$/s, (file) => world.path(file)));
    const baseRequest = { ...request, chart: world.path(request.chart), values: request.values.map((file) => world.path(file)), setFile };
    return [await checkTarget(helmKind, { request: baseRequest, helm, blame: false }, inBase({ ...context, verify: false }, world))];
  });
  const run = await checkTarget(helmKind, { request, helm }, context);
  return writeReport([run], options, io, base);
}

export function registerHelmCommand(program: Command, command: CommandContext): void {
  addCommonOptions(
    addReviewOptions(addHelmOptions(
      program
        .command('helm')
        .description('render a chart with helm template and check every pod it produces; arguments after -- go to helm template')
        .argument('[name-and-chart...]', '[NAME] CHART, as for helm template'),
    )),
  ).action(async (positionals: string[], options: HelmOptions) => command.setExit(await runHelm(positionals, options, command.extraArgs, command.io)));
}
