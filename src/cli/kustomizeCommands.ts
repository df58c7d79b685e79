// Commander wiring for `kustomize` (build an overlay and check it) and `krm` (run as a KRM
// function). main.ts hands over the pieces every checking command shares.
import path from 'node:path';
import type { Command } from 'commander';
import type { ConfigFlags } from '../config/loadConfig.js';
import { buildReport, exitCodeOf } from '../report/buildReport.js';
import { locateHelm, locateKustomize } from '../render/helmBinary.js';
import type { KustomizeRequest } from '../render/kustomizeBuild.js';
import type { TargetRun } from '../pipeline/checkStream.js';
import { helmDebug, warnTo, type CliIo, type CommonOptions } from './main.js';
import { toolVersion } from './version.js';

/** What main.ts shares with these commands. */
export interface SharedCommandParts {
  io: CliIo;
  /** Everything after `--`. */
  extraArgs: string[];
  setExit(code: number): void;
  addCommonOptions(command: Command): Command;
  writeReport(runs: TargetRun[], options: CommonOptions, io: CliIo): Promise<number>;
  /** Seconds from `--timeout`; throws a usage error for anything else. */
  parseTimeout(text: string): number;
}

interface KustomizeOptions extends CommonOptions {
  kustomize?: string;
  enableHelm?: boolean;
  helmCommand?: string;
  loadRestrictor?: string;
  enableAlphaPlugins?: boolean;
  timeout: string;
}

interface KrmFlags extends ConfigFlags {
  kustomizeRoot?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function runKustomizeCommand(dir: string, options: KustomizeOptions, parts: SharedCommandParts): Promise<number> {
  const { io } = parts;
  const timeoutSeconds = parts.parseTimeout(options.timeout);
  const [{ loadConfig }, { checkKustomize }] = await Promise.all([import('../config/loadConfig.js'), import('../pipeline/checkKustomize.js')]);
  const config = loadConfig(options, io.cwd);
  const kustomize = locateKustomize({ flag: options.kustomize, env: io.env, cwd: io.cwd });
  const request: KustomizeRequest = {
    dir,
    enableHelm: Boolean(options.enableHelm),
    helmCommand: options.helmCommand,
    loadRestrictor: options.loadRestrictor,
    enableAlphaPlugins: Boolean(options.enableAlphaPlugins),
    extraArgs: parts.extraArgs,
  };
  // Charts are inflated by the Helm Kustomize would run: --helm-command, else as `helm` finds it.
  const inflates = request.enableHelm || parts.extraArgs.includes('--enable-helm');
  const helm = inflates ? locateHelm({ flag: options.helmCommand, env: io.env, cwd: io.cwd }).path : null;
  const debug = helmDebug(io.env);
  const run = await checkKustomize(request, {
    kustomize,
    helm,
    cwd: io.cwd,
    env: io.env,
    timeoutSeconds,
    config,
    warn: warnTo(io),
    debug: debug ? (text) => io.stderr.write(`hostns-check: ${text}\n`) : undefined,
  });
  return parts.writeReport([run], options, io);
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The ResourceList goes to standard output; the people-readable report to standard error. */
async function runKrm(options: KrmFlags, parts: SharedCommandParts): Promise<number> {
  const { io } = parts;
  const [{ loadConfig }, { runKrmFunction }, { formatReport }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../pipeline/krmFunction.js'),
    import('../report/formats.js'),
  ]);
  const config = loadConfig(options, io.cwd);
  const input = await readAll(io.stdin);
  const { run, output } = await runKrmFunction(input, {
    config,
    cwd: io.cwd,
    kustomizeRoot: path.resolve(io.cwd, options.kustomizeRoot ?? '.'),
  });
  io.stdout.write(output);
  const report = buildReport({
    version: toolVersion(),
    targets: [run.target],
    findings: run.outcome.findings,
    errors: run.outcome.errors,
    warnings: run.outcome.warnings,
    resources: run.outcome.resources,
    podSpecs: run.outcome.podSpecs,
  });
  if (report.findings.length > 0 || report.errors.length > 0) io.stderr.write(formatReport(report, 'text', { color: false }));
  return exitCodeOf(report);
}

export const KUSTOMIZE_ROOT_HELP = 'folder the origin annotations are relative to: the one kustomize built (default: the working directory)';

/** Adds `kustomize` and `krm` to the program. */
export function registerKustomizeCommands(program: Command, parts: SharedCommandParts): void {
  parts
    .addCommonOptions(
      program
        .command('kustomize')
        .description(
          'build an overlay with kustomize build (or kubectl kustomize) and check every pod, pointing at the file and line that set each value; arguments after -- go to the build',
        )
        .argument('[dir]', 'the folder holding kustomization.yaml', '.')
        .option('--kustomize <path>', 'kustomize or kubectl binary (default: $KUSTOMIZE_BIN, kustomize on PATH, then kubectl)')
        .option('--enable-helm', 'inflate helmCharts, as for kustomize build')
        .option('--helm-command <path>', 'the helm binary for helmCharts (default: $HELM_BIN, helm on PATH, then the bundled one)')
        .option('--load-restrictor <restrictor>', 'LoadRestrictionsRootOnly or LoadRestrictionsNone, as for kustomize build')
        .option('--enable-alpha-plugins', 'enable Kustomize plugins, as for kustomize build')
        .option('--timeout <seconds>', 'stop the build after this many seconds', '300'),
    )
    .action(async (dir: string, options: KustomizeOptions) => parts.setExit(await runKustomizeCommand(dir, options, parts)));

  program
    .command('krm')
    .description(
      'run as a KRM function: read a ResourceList on standard input, write it back with a results entry per finding; exit 1 on findings',
    )
    .option('-c, --config <file>', 'configuration file (default: .hostns-check.yaml found upward)')
    .option('--min-uid <uid>', 'lowest allowed runAsUser (default 10000)')
    .option('--allow-host-ports <ranges>', 'allowed hostPort ranges, e.g. 80,8000-8100 (repeatable)', collect)
    .option('--kustomize-root <dir>', KUSTOMIZE_ROOT_HELP)
    .action(async (options: KrmFlags) => parts.setExit(await runKrm(options, parts)));
}
