// Commander wiring and exit codes. Every path out of here is 0, 1 or 2, never a stack trace.
// Start-up runs only this wiring and the renderers: each command brings in the later stages with
// import() when it needs them, and `helm` starts Helm first so that work overlaps its render.
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/configError.js';
import { FAIL_ON_LEVELS, buildReport, exitCodeOf, type FailOn } from '../report/buildReport.js';
import { FORMATS, isFormatName } from '../report/formatNames.js';
import { ToolNotFoundError, locateHelm } from '../render/helmBinary.js';
import { emptyHelmRequest, helmTemplateArgs, withValueFlagsFromExtraArgs, type HelmTemplateRequest } from '../render/helmTemplate.js';
import { checkHelmChart } from '../pipeline/checkHelmChart.js';
import type { TargetRun } from '../pipeline/checkStream.js';
import { EXIT_ERROR } from '../types.js';
import { toolVersion } from './version.js';
import { writeReportFile } from './writeOutput.js';
import { KUSTOMIZE_ROOT_HELP, registerKustomizeCommands } from './kustomizeCommands.js';
import { registerRunCommand } from './runCommand.js';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: AsyncIterable<string | Uint8Array>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** A mistake in how the tool was called: exit 2 with this message. */
class UsageError extends Error {}

export interface CommonOptions {
  format: string;
  output?: string;
  color: boolean;
  config?: string;
  minUid?: string;
  allowHostPorts?: string[];
  failOn?: string;
  helpBase?: string;
}

/** Flags that reach the request as they are; the booleans are optional here (commander leaves them unset). */
type HelmRequestFlags = Pick<
  HelmTemplateRequest,
  'values' | 'set' | 'setString' | 'setFile' | 'setJson' | 'setLiteral' | 'namespace' | 'kubeVersion' | 'apiVersions' | 'version' | 'repo'
>;

interface HelmOptions extends CommonOptions, HelmRequestFlags {
  includeCrds?: boolean;
  skipTests?: boolean;
  devel?: boolean;
  releaseName?: boolean;
  dependencyUpdate?: boolean;
  helm?: string;
  timeout: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A renderer's warnings, shown on standard error as whole lines (never a failure). */
export function warnTo(io: CliIo): (text: string) => void {
  return (text) => io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `--debug` given to Helm reaches a plugin as HELM_DEBUG. */
export function helmDebug(env: NodeJS.ProcessEnv): boolean {
  return env.HELM_DEBUG === 'true' || env.HELM_DEBUG === '1';
}

/** Options every checking command shares. */
function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'report format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--no-color', 'never colour the text report')
    .option('-c, --config <file>', 'configuration file (default: .hostns-check.yaml found upward)')
    .option('--min-uid <uid>', 'lowest allowed runAsUser (default 10000)')
    .option('--allow-host-ports <ranges>', 'allowed hostPort ranges, e.g. 80,8000-8100 (repeatable)', collect)
    .addOption(
      new Option('--fail-on <level>', 'exit 1 on unsuppressed findings (error), or only report them (none); errors always exit 2')
        .choices([...FAIL_ON_LEVELS])
        .default('error'),
    )
    .option('--help-base <url>', 'absolute URL the SARIF help links point into, one #anchor per check (default: the project README)');
}

/** `--help-base`: SARIF wants absolute URIs. */
function helpBaseOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--help-base must be an absolute URL like https://example.org/docs, not "${text}"`);
  }
  return url.href;
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

async function writeReport(runs: TargetRun[], options: CommonOptions, io: CliIo): Promise<number> {
  const { formatReport } = await import('../report/formats.js');
  const report = buildReport({
    version: toolVersion(),
    targets: runs.map((r) => r.target),
    findings: runs.flatMap((r) => r.outcome.findings),
    errors: runs.flatMap((r) => r.outcome.errors),
    warnings: runs.flatMap((r) => r.outcome.warnings),
    resources: runs.reduce((sum, r) => sum + r.outcome.resources, 0),
    podSpecs: runs.reduce((sum, r) => sum + r.outcome.podSpecs, 0),
    checked: runs.flatMap((r) => r.outcome.checked ?? []),
  });
  const format = isFormatName(options.format) ? options.format : 'text';
  const color = options.color && !options.output && Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
  const text = formatReport(report, format, { color, helpBase: helpBaseOf(options.helpBase) });
  if (options.output) writeReportFile(options.output, text, io.cwd);
  else io.stdout.write(text);
  return exitCodeOf(report, (options.failOn ?? 'error') as FailOn);
}

async function runScan(paths: string[], options: CommonOptions & { kustomizeRoot?: string }, io: CliIo): Promise<number> {
  if (paths.length === 0) throw new UsageError('scan: give one or more files or folders, or - to read standard input');
  const [{ loadConfig }, { scanTarget }] = await Promise.all([import('../config/loadConfig.js'), import('../pipeline/scanManifests.js')]);
  const config = loadConfig(options, io.cwd);
  const runs: TargetRun[] = [];
  for (const argument of paths) runs.push(await scanTarget(argument, config, io.cwd, io.stdin, options.kustomizeRoot));
  return writeReport(runs, options, io);
}

function helmRequest(positionals: string[], options: HelmOptions, extraArgs: string[]): HelmTemplateRequest {
  if (positionals.length === 0) throw new UsageError('helm: give a chart: a folder, a .tgz, repo/name, or oci://…');
  if (positionals.length > 2) throw new UsageError(`helm: expected [NAME] CHART, got ${positionals.length} arguments`);
  const chart = positionals[positionals.length - 1];
  const request = emptyHelmRequest(chart);
  if (positionals.length === 2) request.releaseName = positionals[0];
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

function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not "${text}"`);
  return seconds;
}

async function runHelm(positionals: string[], options: HelmOptions, extraArgs: string[], io: CliIo): Promise<number> {
  const request = helmRequest(positionals, options, extraArgs);
  const timeoutSeconds = parseTimeout(options.timeout);
  const helm = locateHelm({ flag: options.helm, env: io.env, cwd: io.cwd }).path;
  if (helmDebug(io.env)) {
    io.stderr.write(`hostns-check: running ${helm} ${helmTemplateArgs(request).map((a) => JSON.stringify(a)).join(' ')}\n`);
  }
  // Read while Helm renders (checkHelmChart starts it before waiting for anything); a mistake in
  // the configuration still ends the run with exit 2, and Helm is stopped.
  const config = import('../config/loadConfig.js').then(({ loadConfig }) => loadConfig(options, io.cwd));
  // Both are awaited later (the render awaits the configuration, writeReport the formatters, and
  // reports what went wrong); these handlers only keep an early exit from an unhandled rejection.
  config.catch(() => undefined);
  import('../report/formats.js').catch(() => undefined);
  const run = await checkHelmChart(request, {
    helm,
    cwd: io.cwd,
    env: io.env,
    timeoutSeconds,
    config,
    warn: warnTo(io),
  });
  return writeReport([run], options, io);
}

export function buildProgram(io: CliIo, extraArgs: string[], setExit: (code: number) => void): Command {
  const program = new Command('hostns-check')
    .description("Check rendered Kubernetes pods against k8s-host-namespace: no host IPC, network, PID or ports, and a high explicit runAsUser.")
    .version(toolVersion())
    // Options after a subcommand are the subcommand's: `helm ... --version 1.2.3` is the chart's.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  addCommonOptions(
    program
      .command('scan')
      .description('check rendered manifests from files, folders (*.yaml, *.yml) or - for standard input')
      .argument('[paths...]', 'files, folders, or - for standard input')
      .option('--kustomize-root <dir>', KUSTOMIZE_ROOT_HELP),
  ).action(async (paths: string[], options: CommonOptions) => setExit(await runScan(paths, options, io)));

  addCommonOptions(
    addHelmOptions(
      program
        .command('helm')
        .description('render a chart with helm template and check every pod it produces; arguments after -- go to helm template')
        .argument('[name-and-chart...]', '[NAME] CHART, as for helm template'),
    ),
  ).action(async (positionals: string[], options: HelmOptions) => setExit(await runHelm(positionals, options, extraArgs, io)));

  const shared = { io, extraArgs, setExit, addCommonOptions, writeReport, parseTimeout };
  registerKustomizeCommands(program, shared);
  registerRunCommand(program, shared);

  program.exitOverride();
  program.commands.forEach((command) => command.exitOverride());
  return program;
}

// bin/run.js gives the CLI the user's environment through this (see launcherEnvironment.ts).
export { userEnvironment } from '../render/launcherEnvironment.js';

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  // Everything after the first `--` belongs to the renderer, verbatim.
  const split = argv.indexOf('--');
  const ours = split === -1 ? argv : argv.slice(0, split);
  const extraArgs = split === -1 ? [] : argv.slice(split + 1);
  let code = 0;
  const program = buildProgram(io, extraArgs, (c) => (code = c));
  try {
    await program.parseAsync(ours, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with their own exit code 0.
      return error.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`hostns-check: ${error.describe()}\n`);
    } else if (error instanceof UsageError || error instanceof ToolNotFoundError) {
      io.stderr.write(`hostns-check: ${error.message}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(`hostns-check: ${message}\n`);
      if (io.env.HOSTNS_CHECK_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    }
    return EXIT_ERROR;
  }
}
