// `scan`: rendered manifests from files, folders or standard input, one target per argument.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkStream, emptyOutcome, type TargetRun } from './checkStream.js';
import { mergeOutcome } from './checkDocument.js';
import { kustomizeSource } from '../sources/kustomizeSource.js';
import { manifestFileSource, streamSource, type SourceMapper } from '../sources/manifestSource.js';
import type { RuleConfig, TargetResult } from '../types.js';

export const STDIN_NAME = '<stdin>';

/** `*.yaml` and `*.yml` below a folder, in a stable order; hidden folders and node_modules skipped. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      found.push(...(await listManifestFiles(full)));
    } else if (/\.ya?ml$/i.test(entry.name)) {
      found.push(full);
    }
  }
  return found;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

export async function scanTarget(
  argument: string,
  config: RuleConfig,
  cwd: string,
  stdin: AsyncIterable<string | Uint8Array>,
  /** Folder Kustomize origin annotations are relative to (default: the working directory). */
  kustomizeRoot?: string,
): Promise<TargetRun> {
  // Resources that carry Kustomize's origin annotations map through them; the rest as before.
  const root = path.resolve(cwd, kustomizeRoot ?? '.');
  const withOrigins = (fallback: SourceMapper) => kustomizeSource({ root, cwd, fallback });
  const target: TargetResult = { type: 'manifests', path: argument, ok: true, error: null };
  const outcome = emptyOutcome();
  const fail = (message: string): TargetRun => {
    target.ok = false;
    target.error = message;
    outcome.errors.push({ target: argument, file: argument === '-' ? STDIN_NAME : argument, line: null, message });
    return { target, outcome };
  };
  let files: string[] = [];
  if (argument === '-') {
    mergeOutcome(outcome, await checkStream(stdin, { target: argument, file: STDIN_NAME, config, sourceOf: withOrigins(streamSource) }));
  } else {
    try {
      const absolute = path.resolve(cwd, argument);
      files = (await stat(absolute)).isDirectory() ? await listManifestFiles(absolute) : [absolute];
    } catch (error) {
      return fail(`cannot read ${argument}: ${describeFsError(error)}`);
    }
    if (files.length === 0) return fail(`no *.yaml or *.yml files in ${argument}`);
  }
  for (const file of files) {
    const shown = path.relative(cwd, file) || file;
    try {
      const stream = createReadStream(file);
      mergeOutcome(outcome, await checkStream(stream, { target: argument, file: shown, config, sourceOf: withOrigins(manifestFileSource(shown)) }));
    } catch (error) {
      outcome.errors.push({ target: argument, file: shown, line: null, message: `cannot read ${shown}: ${describeFsError(error)}` });
    }
  }
  // An empty stream is what a failed `kustomize build ... |` hands on: never a pass.
  if (outcome.resources === 0 && outcome.errors.length === 0) {
    const where = argument === '-' ? 'standard input' : argument;
    const file = argument === '-' ? STDIN_NAME : path.relative(cwd, path.resolve(cwd, argument)) || argument;
    outcome.errors.push({ target: argument, file, line: null, message: `no Kubernetes resources in ${where}: nothing was checked` });
  }
  if (outcome.errors.length > 0) {
    target.ok = false;
    target.error = `${outcome.errors.length} document(s) could not be read`;
  }
  return { target, outcome };
}
