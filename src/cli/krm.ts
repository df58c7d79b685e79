// `hostns-check krm`: run as a KRM function (kpt, or a Kustomize exec transformer). The
// ResourceList goes back on standard output with a result per finding; the report for people
// goes to standard error.
import path from 'node:path';
import type { Command } from 'commander';
import type { ConfigFlags } from '../config/loadConfig.js';
import { exitCodeOf } from '../report/buildReport.js';
import { MAX_PASS_THROUGH_BYTES, passThroughReport, readCappedBytes, tooLargeMessage } from '../targets/passThrough.js';
import { collect, noteTo, targetContext, type CommandContext } from './common.js';
import { KUSTOMIZE_ROOT_HELP } from './scan.js';

interface KrmFlags extends ConfigFlags {
  kustomizeRoot?: string;
}

/** The most of standard input `krm` reads: the cap it shares with `gate`. */
export const MAX_KRM_INPUT_BYTES = MAX_PASS_THROUGH_BYTES;

async function runKrm(options: KrmFlags, { io }: CommandContext): Promise<number> {
  const [{ loadConfig }, { rejectedInput, runKrmFunction }, { formatReport }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/kustomize/krmFunction.js'),
    import('../report/formats.js'),
  ]);
  const config = loadConfig(options, io.cwd, noteTo(io));
  const bytes = await readCappedBytes(io.stdin, MAX_KRM_INPUT_BYTES);
  const { run, output } =
    bytes === null
      ? rejectedInput(tooLargeMessage('a ResourceList of any overlay'))
      : await runKrmFunction(bytes.toString('utf8'), {
          context: targetContext(io, {}, Infinity, config),
          kustomizeRoot: path.resolve(io.cwd, options.kustomizeRoot ?? '.'),
        });
  io.stdout.write(output);
  const report = passThroughReport(run);
  if (report.findings.length > 0 || report.errors.length > 0) io.stderr.write(formatReport(report, 'text', { color: false }));
  return exitCodeOf(report);
}

export function registerKrmCommand(program: Command, command: CommandContext): void {
  program
    .command('krm')
    .description(
      'run as a KRM function: read a ResourceList on standard input, write it back with a results entry per finding; exit 1 on findings',
    )
    .option('-c, --config <file>', 'configuration file (default: .hostns-check.yaml found upward)')
    .option('--min-uid <uid>', 'lowest allowed runAsUser (default 10000)')
    .option('--allow-host-ports <ranges>', 'allowed hostPort ranges, e.g. 80,8000-8100 (repeatable)', collect)
    .option('--kustomize-root <dir>', KUSTOMIZE_ROOT_HELP)
    .action(async (options: KrmFlags) => command.setExit(await runKrm(options, command)));
}
