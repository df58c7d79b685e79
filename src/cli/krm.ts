// `hostns-check krm`: run as a KRM function (kpt, or a Kustomize exec transformer). The
// ResourceList goes back on standard output with a result per finding; the report for people
// goes to standard error.
import path from 'node:path';
import type { Command } from 'commander';
import type { ConfigFlags } from '../config/loadConfig.js';
import { toolVersion } from '../process/packageFiles.js';
import { buildReport, exitCodeOf } from '../report/buildReport.js';
import { collect, noteTo, targetContext, type CommandContext } from './common.js';
import { KUSTOMIZE_ROOT_HELP } from './scan.js';

interface KrmFlags extends ConfigFlags {
  kustomizeRoot?: string;
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function runKrm(options: KrmFlags, { io }: CommandContext): Promise<number> {
  const [{ loadConfig }, { runKrmFunction }, { formatReport }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/kustomize/krmFunction.js'),
    import('../report/formats.js'),
  ]);
  const config = loadConfig(options, io.cwd, noteTo(io));
  const input = await readAll(io.stdin);
  const { run, output } = await runKrmFunction(input, {
    context: targetContext(io, {}, Infinity, config),
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
    checked: run.outcome.checked,
  });
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
