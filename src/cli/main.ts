// The program: one file per command registers itself here; every path out is exit 0, 1 or 2,
// never a stack trace. Start-up runs only this wiring and the renderers: each command brings in
// the later stages with import() when it needs them, and `helm` starts Helm first so that work
// overlaps its render.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/configError.js';
import { safeLines } from '../report/escape.js';
import { toolVersion } from '../process/packageFiles.js';
import { ToolNotFoundError } from '../process/toolLookup.js';
import { EXIT_ERROR } from '../types.js';
import { UsageError, type CliIo, type CommandContext } from './common.js';
import { registerGateCommand } from './gate.js';
import { registerHelmCommand } from './helm.js';
import { registerKrmCommand } from './krm.js';
import { registerKustomizeCommand } from './kustomize.js';
import { registerMergeCommand } from './merge.js';
import { registerRunCommand } from './run.js';
import { registerScanCommand } from './scan.js';

export type { CliIo };

export function buildProgram(io: CliIo, extraArgs: string[], setExit: (code: number) => void): Command {
  const program = new Command('hostns-check')
    .description("Check rendered Kubernetes pods against k8s-host-namespace: no host IPC, network, PID or ports, and a high explicit runAsUser.")
    .version(toolVersion())
    // Options after a subcommand are the subcommand's: `helm ... --version 1.2.3` is the chart's.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const context: CommandContext = { io, extraArgs, setExit };
  registerScanCommand(program, context);
  registerHelmCommand(program, context);
  registerKustomizeCommand(program, context);
  registerKrmCommand(program, context);
  registerGateCommand(program, context);
  registerRunCommand(program, context);
  registerMergeCommand(program, context);

  program.exitOverride();
  program.commands.forEach((command) => command.exitOverride());
  return program;
}

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
      io.stderr.write(safeLines(`hostns-check: ${error.describe()}\n`));
    } else if (error instanceof UsageError || error instanceof ToolNotFoundError) {
      io.stderr.write(safeLines(`hostns-check: ${error.message}\n`));
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(safeLines(`hostns-check: ${message}\n`));
      if (io.env.HOSTNS_CHECK_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    }
    return EXIT_ERROR;
  }
}
