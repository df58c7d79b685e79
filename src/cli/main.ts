// Commander wiring and exit codes. Every path out of here is 0, 1 or 2, never a stack trace.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config/loadConfig.js';
import { buildReport, exitCodeOf } from '../report/buildReport.js';
import { FORMATS, formatReport, isFormatName } from '../report/formats.js';
import { EXIT_ERROR, type Report } from '../types.js';
import { scanTarget, type TargetRun } from './scanTargets.js';
import { toolVersion } from './version.js';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: AsyncIterable<string | Uint8Array>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

interface OutputOptions {
  format: string;
  output?: string;
  color: boolean;
  config?: string;
  minUid?: string;
  allowHostPorts?: string[];
}

/** Options every checking command shares. */
function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'report format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--no-color', 'never colour the text report')
    .option('-c, --config <file>', `configuration file (default: .hostns-check.yaml found upward)`)
    .option('--min-uid <uid>', 'lowest allowed runAsUser (default 10000)')
    .option(
      '--allow-host-ports <ranges>',
      'allowed hostPort ranges, e.g. 80,8000-8100 (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

function emitReport(report: Report, options: OutputOptions, io: CliIo): number {
  const format = isFormatName(options.format) ? options.format : 'text';
  const color = options.color && !options.output && Boolean(io.stdout.isTTY) && !('NO_COLOR' in io.env);
  const text = formatReport(report, format, { color });
  if (options.output) writeFileSync(options.output, text);
  else io.stdout.write(text);
  return exitCodeOf(report);
}

async function runScan(paths: string[], options: OutputOptions, io: CliIo): Promise<number> {
  if (paths.length === 0) {
    io.stderr.write('hostns-check scan: give one or more files or folders, or - to read standard input\n');
    return EXIT_ERROR;
  }
  const config = loadConfig(options, io.cwd);
  const runs: TargetRun[] = [];
  for (const argument of paths) runs.push(await scanTarget(argument, config, io.cwd, io.stdin));
  const report = buildReport({
    version: toolVersion(),
    targets: runs.map((r) => r.target),
    findings: runs.flatMap((r) => r.outcome.findings),
    errors: runs.flatMap((r) => r.outcome.errors),
    warnings: runs.flatMap((r) => r.outcome.warnings),
    resources: runs.reduce((sum, r) => sum + r.outcome.resources, 0),
    podSpecs: runs.reduce((sum, r) => sum + r.outcome.podSpecs, 0),
  });
  return emitReport(report, options, io);
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('hostns-check')
    .description("Check rendered Kubernetes pods against k8s-host-namespace: no host IPC, network, PID or ports, and a high explicit runAsUser.")
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  addCommonOptions(
    program
      .command('scan')
      .description('check rendered manifests from files, folders (*.yaml, *.yml) or - for standard input')
      .argument('[paths...]', 'files, folders, or - for standard input'),
  ).action(async (paths: string[], options: OutputOptions) => setExit(await runScan(paths, options, io)));

  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  program.commands.forEach((command) => command.exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with their own exit code 0.
      return error.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`hostns-check: ${error.describe()}\n`);
      return EXIT_ERROR;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`hostns-check: ${message}\n`);
    if (io.env.HOSTNS_CHECK_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return EXIT_ERROR;
  }
}
