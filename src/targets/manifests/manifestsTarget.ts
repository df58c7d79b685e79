// Plain rendered manifests as a target: a file, a folder (its *.yaml and *.yml), standard input
// (`-`), or a glob of the configuration's `manifests:` targets. Each file is one input; findings
// point at the file's own lines, or through Kustomize's origin annotations where a build left them.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { Problem } from '../../pipeline/outcome.js';
import { manifestFileSource, streamSource, type SourceMapper } from '../../pipeline/sourceMapping.js';
import { kustomizeSource } from '../kustomize/kustomizeSource.js';
import { TargetFailure, type RenderedInput, type TargetKind } from '../targetKind.js';

export const STDIN_NAME = '<stdin>';

export interface ManifestsSpec {
  /** A file, a folder or `-` (scan); a glob relative to the working directory (run). */
  argument: string;
  glob?: boolean;
  /** Read for `-`; a target without it never reads standard input. */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Folder Kustomize origin annotations are relative to (default: the working directory). */
  kustomizeRoot?: string;
}

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

/**
 * Files matching a glob, relative to the working directory and sorted. Braces, classes and
 * negation work as in other tools; hidden files and folders only where the glob names them.
 */
export async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  if (!isDynamicPattern(pattern)) return [pattern];
  const found = await glob(pattern, { cwd, dot: false, onlyFiles: true, ignore: ['**/node_modules/**'], expandDirectories: false });
  return found.map((file) => path.normalize(file)).sort();
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

/** The files a spec names, absolute; throws TargetFailure when there are none. */
async function filesOf(spec: ManifestsSpec, cwd: string): Promise<string[]> {
  const named = spec.glob ? await expandGlob(spec.argument, cwd) : [spec.argument];
  if (named.length === 0) throw new TargetFailure(`no files match ${spec.argument}`, null);
  const files: string[] = [];
  // A file or a folder, given as it is or as a glob without wildcards.
  for (const entry of named) {
    const absolute = path.resolve(cwd, entry);
    try {
      files.push(...((await stat(absolute)).isDirectory() ? await listManifestFiles(absolute) : [absolute]));
    } catch (error) {
      throw new TargetFailure(`cannot read ${entry}: ${describeFsError(error)}`, entry);
    }
  }
  if (files.length === 0) throw new TargetFailure(`no *.yaml or *.yml files in ${spec.argument}`, spec.argument);
  return files;
}

/** A file's chunks; a file that cannot be opened becomes one error of the target, not its end. */
async function* fileChunks(file: string, shown: string, unreadable: { file: string; message: string }[]): AsyncGenerator<Uint8Array> {
  try {
    yield* createReadStream(file);
  } catch (error) {
    unreadable.push({ file: shown, message: `cannot read ${shown}: ${describeFsError(error)}` });
  }
}

export const manifestsKind: TargetKind<ManifestsSpec> = {
  type: 'manifests',
  pathOf: (spec) => spec.argument,
  documents: 'document(s)',
  async open(spec, { cwd, debug }) {
    // Resources that carry Kustomize's origin annotations map through them; the rest to the file.
    const root = path.resolve(cwd, spec.kustomizeRoot ?? '.');
    const withOrigins = (fallback: SourceMapper) => kustomizeSource({ root, allowed: [root, cwd], cwd, fallback, debug });
    const unreadable: { file: string; message: string }[] = [];
    let inputs: RenderedInput[];
    const reads: string[] = [];
    if (spec.argument === '-' && !spec.glob) {
      inputs = [{ chunks: spec.stdin ?? [], file: STDIN_NAME, sourceOf: withOrigins(streamSource) }];
    } else {
      const files = await filesOf(spec, cwd);
      reads.push(...files);
      inputs = files.map((file) => {
        const shown = path.relative(cwd, file) || file;
        return { chunks: fileChunks(file, shown, unreadable), file: shown, sourceOf: withOrigins(manifestFileSource(shown)) };
      });
    }
    return {
      inputs,
      reads,
      async finish(outcome) {
        const errors: Problem[] = unreadable.map(({ file, message }) => ({ file, line: null, message }));
        // An empty stream is what a failed `kustomize build ... |` hands on: never a pass.
        if (outcome.resources === 0 && outcome.errors.length === 0 && errors.length === 0) {
          const where = spec.argument === '-' ? 'standard input' : spec.argument;
          const file = spec.argument === '-' ? STDIN_NAME : spec.glob ? null : path.relative(cwd, path.resolve(cwd, spec.argument)) || spec.argument;
          errors.push({ file, line: null, message: `no Kubernetes resources in ${where}: nothing was checked` });
        }
        return { errors };
      },
      cleanup() {},
    };
  },
};
