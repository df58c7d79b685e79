// Temporary folders and child processes that must not outlive a run. `tmp`'s graceful cleanup
// covers a normal exit but not a signal, so while anything is registered here SIGINT, SIGTERM
// and SIGHUP stop the registered children, remove the folders and exit 128 + the signal number
// (130, 143, 129), as a shell reports a job it interrupted: never 0, never mistaken for a verdict.
// Only SIGKILL gets past all that: each folder's name carries its owner's process id, and the
// first folder a later run makes removes the ones whose owner is gone.
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tmp from 'tmp';

tmp.setGracefulCleanup();

export interface ScratchDir {
  path: string;
  /** Removes the folder and everything in it; safe to call more than once. */
  remove(): void;
}

/** Stops one running child (and whatever it started) at once. */
export type ChildStopper = () => void;

const folders = new Set<ScratchDir>();
const children = new Set<ChildStopper>();

const SIGNAL_EXIT_CODES: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[];
let listening = false;

function onSignal(signal: keyof typeof SIGNAL_EXIT_CODES): void {
  // Children first, so none of them is still writing into a folder being removed.
  for (const stop of children) {
    try {
      stop();
    } catch {
      // already gone
    }
  }
  children.clear();
  removeAllScratch();
  process.stderr.write(`hostns-check: stopped by ${signal}; temporary files removed\n`);
  process.exit(SIGNAL_EXIT_CODES[signal]);
}

const handlers = new Map(SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const));

/** Signal handlers exist only while something needs them, so an idle run keeps Node's defaults. */
function updateListeners(): void {
  const needed = folders.size > 0 || children.size > 0;
  if (needed === listening) return;
  for (const [signal, handler] of handlers) {
    if (needed) process.on(signal, handler);
    else process.off(signal, handler);
  }
  listening = needed;
}

/** `hostns-check-<what>-<pid>-<random>`: the names makeScratchDir gives, with the owner's pid. */
const SCRATCH_NAME = /^hostns-check-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;
/** A dead owner's folder is left alone this long, in case its owner lives in another PID namespace that shares $TMPDIR. */
const STALE_AFTER_MS = 60_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Scratch folders of runs that were killed (SIGKILL) before they could remove them. */
export function staleScratchDirs(dir: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no such folder, or not ours to list: nothing to sweep
  }
  const uid = process.getuid?.();
  return names.flatMap((name) => {
    const pid = SCRATCH_NAME.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) return [];
    const full = path.join(dir, name);
    const info = lstatSync(full, { throwIfNoEntry: false });
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid) || now - info.mtimeMs < STALE_AFTER_MS) return [];
    return [full];
  });
}

let swept = false;

/** A fresh private folder under the system temporary folder ($TMPDIR), removed on every exit path. */
export function makeScratchDir(prefix: string): ScratchDir {
  if (!swept) {
    swept = true;
    for (const stale of staleScratchDirs(os.tmpdir())) rmSync(stale, { recursive: true, force: true });
  }
  const made = tmp.dirSync({ template: `${prefix}${process.pid}-XXXXXX`, unsafeCleanup: true });
  const scratch: ScratchDir = {
    path: made.name,
    remove: () => {
      if (!folders.delete(scratch)) return;
      try {
        made.removeCallback(); // also drops it from tmp's exit list
      } catch {
        rmSync(made.name, { recursive: true, force: true, maxRetries: 3 });
      }
      updateListeners();
    },
  };
  folders.add(scratch);
  updateListeners();
  return scratch;
}

/** Registers a running child to stop on a signal; call the returned function once it has exited. */
export function trackChild(stop: ChildStopper): () => void {
  children.add(stop);
  updateListeners();
  return () => {
    children.delete(stop);
    updateListeners();
  };
}

function removeAllScratch(): void {
  for (const scratch of [...folders]) {
    try {
      scratch.remove();
    } catch {
      // best effort: tmp's exit hook tries again
    }
  }
}
