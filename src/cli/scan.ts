// `hostns-check scan`: rendered manifests from files, folders or standard input, one target per argument.
import type { Command } from 'commander';
import type { TargetRun } from '../pipeline/outcome.js';
import { addCommonOptions, noteTo, targetContext, UsageError, writeReport, type CommandContext, type CommonOptions } from './common.js';

export const KUSTOMIZE_ROOT_HELP = 'folder the origin annotations are relative to: the one kustomize built (default: the working directory)';

interface ScanOptions extends CommonOptions {
  kustomizeRoot?: string;
}

async function runScan(paths: string[], options: ScanOptions, { io }: CommandContext): Promise<number> {
  if (paths.length === 0) throw new UsageError('scan: give one or more files or folders, or - to read standard input');
  const [{ loadConfig }, { checkTarget }, { manifestsKind }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/driver.js'),
    import('../targets/manifests/manifestsTarget.js'),
  ]);
  const context = targetContext(io, options, Infinity, loadConfig(options, io.cwd, noteTo(io)));
  const runs: TargetRun[] = [];
  for (const argument of paths) runs.push(await checkTarget(manifestsKind, { argument, stdin: io.stdin, kustomizeRoot: options.kustomizeRoot }, context));
  return writeReport(runs, options, io);
}

export function registerScanCommand(program: Command, command: CommandContext): void {
  addCommonOptions(
    program
      .command('scan')
      .description('check rendered manifests from files, folders (*.yaml, *.yml) or - for standard input')
      .argument('[paths...]', 'files, folders, or - for standard input')
      .option('--kustomize-root <dir>', KUSTOMIZE_ROOT_HELP),
  ).action(async (paths: string[], options: ScanOptions) => command.setExit(await runScan(paths, options, command)));
}
