// Commander wiring for `merge REPORT.json…`: the JSON reports of `run --shard I/N` (one per CI
// machine) made into the report a single run over all targets writes, in any format, with run's
// exit code.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { FAIL_ON_LEVELS } from '../report/buildReport.js';
import { FORMATS } from '../report/formatNames.js';
import type { MergeInput } from '../review/merge.js';
import { UsageError, deliverReport, type CommandContext, type CommonOptions } from './common.js';

/** Shard reports are JSON reports; far past any real one is not read whole into memory. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

type MergeOptions = Omit<CommonOptions, 'config' | 'minUid' | 'allowHostPorts' | 'debug'>;

function readReport(file: string, cwd: string, asReport: (value: unknown) => unknown): MergeInput {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    const stat = statSync(absolute);
    if (!stat.isFile()) throw new UsageError(`merge: ${file} is not a regular file`);
    if (stat.size > MAX_REPORT_BYTES) throw new UsageError(`merge: ${file} is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`);
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`merge: ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`merge: ${file} is not JSON: merge reads the reports of run --format json`);
  }
  const report = asReport(parsed);
  if (typeof report === 'string') throw new UsageError(`merge: ${file} ${report}`);
  return { file, report: report as MergeInput['report'] };
}

async function mergeAll(files: string[], options: MergeOptions, { io }: CommandContext): Promise<number> {
  const { MergeError, asReport, mergeReports } = await import('../review/merge.js');
  const inputs = files.map((file) => readReport(file, io.cwd, asReport));
  let report;
  try {
    report = mergeReports(inputs);
    if (options.failOn === 'new' && !report.comparison) throw new MergeError('--fail-on new needs shard reports compared with a base (run --base REF or --baseline FILE)');
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`merge: ${error.message}`);
    throw error;
  }
  return deliverReport(report, options, io, files.map((file) => path.resolve(io.cwd, file)));
}

export function registerMergeCommand(program: Command, command: CommandContext): void {
  program
    .command('merge')
    .description('merge the JSON reports of run --shard I/N (one per CI machine) into the report one run over all targets writes')
    .argument('<report...>', 'JSON reports (run --format json), all the shards of one split')
    .addOption(new Option('--format <format>', 'report format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--no-color', 'never colour the text report')
    .addOption(
      new Option('--fail-on <level>', 'exit 1 on unsuppressed findings (error), only on new ones (new), or only report them (none); errors always exit 2')
        .choices([...FAIL_ON_LEVELS])
        .default('error'),
    )
    .option('--help-base <url>', 'absolute URL the SARIF help links point into, one #anchor per check (default: the project docs)')
    .option('--sarif-category <name>', "the SARIF run's category (runAutomationDetails.id; default hostns-check)")
    .action(async (files: string[], options: MergeOptions) => command.setExit(await mergeAll(files, options, command)));
}
