// Runs a renderer (helm, kustomize, kubectl) the way every one of them must run: an argument
// array (never a shell), standard output handed over as a stream, and stopped together with
// everything it started (its own process group) on --timeout, Ctrl-C or SIGTERM.
import { PassThrough, pipeline } from 'node:stream';
import { execa } from 'execa';
import { trackChild } from './scratch.js';
import { isExecutableFile } from './toolLookup.js';

export interface RenderRun {
  /** The renderer's standard output, as it arrives. */
  stdout: AsyncIterable<Uint8Array>;
  /** Settles when the renderer has exited (never rejects). */
  done: Promise<RenderExit>;
  /** Stops the renderer and whatever it started. */
  kill(): void;
}

export interface RenderExit {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stderr: string;
  /** Set when the renderer could not be started at all. */
  spawnError: string | null;
}

export interface RenderProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
}

/**
 * On Linux, util-linux's `setpriv --pdeathsig KILL` starts the renderer so that the kernel stops
 * it when hostns-check itself dies, even by SIGKILL, which no handler of ours sees. Used only
 * when setpriv is there and the renderer is an executable file (so a missing renderer is still
 * reported as one, not as setpriv's failure).
 */
const SETPRIV = '/usr/bin/setpriv';
let setprivUsable: boolean | undefined;

function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  if (process.platform !== 'linux') return [command, args];
  setprivUsable ??= isExecutableFile(SETPRIV);
  if (!setprivUsable || !isExecutableFile(command)) return [command, args];
  return [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]];
}

export function runRenderer(renderer: string, rendererArgs: string[], options: RenderProcessOptions): RenderRun {
  // Leading its own process group lets a stop reach a wrapper script's children or a
  // post-renderer too, not only the process we started.
  const grouped = process.platform !== 'win32';
  const [command, args] = withParentDeathSignal(renderer, rendererArgs);
  const child = execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    reject: false,
    detached: grouped,
    stripFinalNewline: false,
  });
  const stop = () => {
    if (grouped && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
        return;
      } catch {
        // the group is gone already
      }
    }
    child.kill('SIGKILL');
  };
  const untrack = trackChild(stop);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutSeconds * 1000);
  const done: Promise<RenderExit> = child.then(
    (result) => ({
      exitCode: result.exitCode ?? null,
      signal: timedOut ? null : (result.signal ?? null),
      timedOut,
      stderr: String(result.stderr ?? ''),
      spawnError: result.failed && result.exitCode === undefined && !result.signal && !timedOut ? String(result.shortMessage) : null,
    }),
    (error: Error) => ({ exitCode: null, signal: null, timedOut: false, stderr: '', spawnError: error.message }),
  );
  const settled = done.finally(() => {
    clearTimeout(timer);
    untrack();
  });
  // Read from the first byte into a small buffer that pushes back on the renderer: execa drops
  // output nobody is reading when the process ends, and our reader may still be loading.
  const stdout = new PassThrough();
  pipeline(child.stdout, stdout, () => undefined); // an error reaches the reader through `stdout`
  return { stdout, done: settled, kill: stop };
}
