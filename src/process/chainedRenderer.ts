// Runs the user's own post-renderer (`gate --then`): the rendered manifests on its standard input,
// what it writes on standard output kept up to a cap, no shell, stopped at the deadline.
import { execa } from 'execa';

export interface ChainedExit {
  /** What it wrote; null when it wrote more than the cap. */
  stdout: Buffer | null;
  stderr: string;
  exitCode: number | undefined;
  /** Why it did not finish normally (not found, killed, timed out), if so. */
  failure: string | null;
}

export interface ChainedRun {
  command: string;
  args: string[];
  input: Buffer;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  maxBytes: number;
}

export async function runChainedRenderer(run: ChainedRun): Promise<ChainedExit> {
  const result = await execa(run.command, run.args, {
    cwd: run.cwd,
    env: run.env,
    extendEnv: false,
    input: run.input,
    encoding: 'buffer',
    reject: false,
    timeout: run.timeoutSeconds * 1000,
    maxBuffer: { stdout: run.maxBytes, stderr: 64 * 1024 },
    stripFinalNewline: false,
  });
  const stdout = result.isMaxBuffer ? null : Buffer.from(result.stdout);
  const stderr = Buffer.from(result.stderr ?? new Uint8Array()).toString('utf8');
  let failure: string | null = null;
  if (result.timedOut) failure = `did not finish within ${run.timeoutSeconds} s`;
  else if (result.failed && result.exitCode === undefined) failure = result.originalMessage || result.shortMessage || 'it did not start';
  return { stdout, stderr, exitCode: result.exitCode, failure };
}
