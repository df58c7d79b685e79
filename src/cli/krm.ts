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

/**
 * The most of standard input `krm` reads: a ResourceList is parsed whole (its results are added to
 * it), and parsing takes some tens of times its size in memory, so 8 MiB stays within a few
 * hundred MB. A ResourceList of a large overlay (3,000 Deployments: about 2 MB) is a few MB; /dev/zero never ends.
 */
export const MAX_KRM_INPUT_BYTES = 8 * 1024 * 1024;

/** Standard input up to the cap; null when there is more (reading stops there). */
async function readCapped(stream: AsyncIterable<string | Uint8Array>, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += bytes.length;
    if (size > maxBytes) return null;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function runKrm(options: KrmFlags, { io }: CommandContext): Promise<number> {
  const [{ loadConfig }, { rejectedInput, runKrmFunction }, { formatReport }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/kustomize/krmFunction.js'),
    import('../report/formats.js'),
  ]);
  const config = loadConfig(options, io.cwd, noteTo(io));
  const input = await readCapped(io.stdin, MAX_KRM_INPUT_BYTES);
  const { run, output } =
    input === null
      ? rejectedInput(`standard input is larger than ${MAX_KRM_INPUT_BYTES / (1024 * 1024)} MiB, more than a ResourceList of any overlay: nothing was checked`)
      : await runKrmFunction(input, {
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
