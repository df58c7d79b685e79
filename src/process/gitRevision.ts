// A git revision's files, copied into a scratch folder for `--base REF`: the commit is read into a
// private index file (GIT_INDEX_FILE in the scratch folder) and checked out under a prefix there.
// The user's work tree, index, stash and refs are never written; the folder goes on every exit path.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeScratchDir, trackChild, type ScratchDir } from './scratch.js';

/** `--base` cannot be honoured at all (no git, not a work tree, no such revision): exit 2. */
export class GitBaseError extends Error {}

export interface BaseTree {
  /** The revision as the user named it, and the commit it names. */
  ref: string;
  commit: string;
  /** The repository's top folder (real path) and its copy at the revision. */
  top: string;
  tree: string;
  /** The copy of a folder of the work tree (real path) at the revision. */
  mirror(folder: string): string;
  remove(): void;
}

async function git(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  // No pager, no prompt, no filesystem monitor hook run on the user's repository.
  const child = execa('git', ['-c', 'core.fsmonitor=false', ...args], {
    cwd,
    env: { ...env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_OPTIONAL_LOCKS: '0' },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    stripFinalNewline: true,
  });
  const untrack = trackChild(() => child.kill('SIGKILL'));
  try {
    const result = await child;
    if (result.failed && (result as { code?: string }).code === 'ENOENT') throw new GitBaseError('--base needs git on PATH');
    return { ok: result.exitCode === 0, stdout: String(result.stdout), stderr: String(result.stderr) };
  } finally {
    untrack();
  }
}

/** The top of the work tree holding this folder. */
export async function workTreeTop(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const top = await git(['rev-parse', '--show-toplevel'], cwd, env);
  if (!top.ok || top.stdout === '') throw new GitBaseError(`--base works inside a git work tree, and ${cwd} is not in one`);
  return realpathSync(top.stdout);
}

/** Copies the files of REF (a branch, tag, commit or `HEAD~1`) into a scratch folder. */
export async function extractRevision(ref: string, cwd: string, env: NodeJS.ProcessEnv): Promise<BaseTree> {
  if (ref === '' || ref.startsWith('-')) throw new GitBaseError(`--base needs a revision, not "${ref}"`);
  const top = await workTreeTop(cwd, env);
  const resolved = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], top, env);
  if (!resolved.ok || resolved.stdout === '') {
    throw new GitBaseError(`--base ${ref}: no such commit in this repository (in a shallow CI checkout, fetch it first, e.g. fetch-depth: 0)`);
  }
  const commit = resolved.stdout.trim();
  const scratch: ScratchDir = makeScratchDir('hostns-check-base-');
  try {
    const tree = path.join(scratch.path, 'tree');
    const indexEnv = { ...env, GIT_INDEX_FILE: path.join(scratch.path, 'index') };
    const read = await git(['read-tree', commit], top, indexEnv);
    if (!read.ok) throw new GitBaseError(`--base ${ref}: git read-tree failed: ${read.stderr.trim()}`);
    const out = await git(['checkout-index', '--all', '--force', `--prefix=${tree}${path.sep}`], top, indexEnv);
    if (!out.ok) throw new GitBaseError(`--base ${ref}: git checkout-index failed: ${out.stderr.trim()}`);
    return {
      ref,
      commit,
      top,
      tree,
      mirror: (folder) => path.join(tree, path.relative(top, folder)),
      remove: () => scratch.remove(),
    };
  } catch (error) {
    scratch.remove();
    throw error;
  }
}

/**
 * `run --changed-since REF`: the files that differ between REF and the work tree, as a pull
 * request's check sees them: committed since REF, staged or not yet, deleted, and untracked files
 * git does not ignore. Absolute paths (under the work tree's real top folder).
 */
export async function changedSince(ref: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (ref === '' || ref.startsWith('-')) throw new GitBaseError(`--changed-since needs a revision, not "${ref}"`);
  const top = await workTreeTop(cwd, env).catch((error: unknown) => {
    throw error instanceof GitBaseError ? new GitBaseError(error.message.replace('--base', '--changed-since')) : error;
  });
  const resolved = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], top, env);
  if (!resolved.ok || resolved.stdout === '') {
    throw new GitBaseError(`--changed-since ${ref}: no such commit in this repository (in a shallow CI checkout, fetch it first, e.g. fetch-depth: 0)`);
  }
  const commit = resolved.stdout.trim();
  // --no-renames: a moved file is its old path deleted and its new one added, both changes.
  const diff = await git(['diff', '--name-only', '--no-renames', '-z', commit, '--'], top, env);
  if (!diff.ok) throw new GitBaseError(`--changed-since ${ref}: git diff failed: ${diff.stderr.trim()}`);
  const untracked = await git(['ls-files', '--others', '--exclude-standard', '-z'], top, env);
  if (!untracked.ok) throw new GitBaseError(`--changed-since ${ref}: git ls-files failed: ${untracked.stderr.trim()}`);
  const names = [...diff.stdout.split('\0'), ...untracked.stdout.split('\0')].filter((name) => name !== '');
  return [...new Set(names)].map((name) => path.join(top, name));
}
