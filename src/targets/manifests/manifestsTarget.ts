// Plain rendered manifests as a target: a file, a folder (what `kubectl apply -R -f` reads), standard input
// (`-`), or a glob of the configuration's `manifests:` targets. Each file is one input; findings
// point at the file's own lines, or through Kustomize's origin annotations where a build left them,
// or (`scan --chart`) through Helm's mapping to the template and values lines of the chart named.
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { Problem } from '../../pipeline/outcome.js';
import { manifestFileSource, streamSource, type SourceMapper } from '../../pipeline/sourceMapping.js';
import type { ChartNode } from '../helm/chartTree.js';
import type { UserValues } from '../helm/valuesOrigins.js';
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
  /**
   * A folder every file read must stay inside (`run`: the configuration file's folder): a glob
   * that climbs out is refused before any walk, and a match or a link that leads out is not read.
   */
  within?: string;
  /** `scan --chart`: the chart `helm template` rendered, and the values it was given (for values lines). */
  chart?: { path: string; user: UserValues };
}

/** The chart `--chart` names, read now; a TargetFailure when it is not a chart folder or archive. */
function readNamedChart(chart: string, cwd: string, load: (chart: string, cwd: string) => ChartNode | null): ChartNode {
  let tree: ChartNode | null;
  try {
    statSync(path.resolve(cwd, chart));
    tree = load(chart, cwd);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ? describeFsError(error) : error instanceof Error ? error.message : String(error);
    throw new TargetFailure(`--chart ${chart} cannot be read: ${why}`, chart);
  }
  if (!tree) throw new TargetFailure(`--chart ${chart} is not a chart: give a chart folder (with a Chart.yaml) or a packaged chart (.tgz)`, chart);
  return tree;
}

/**
 * Documents whose `# Source:` names a file of the chart map through Helm's mapping (template and
 * values lines); every other document as it would without --chart.
 */
async function throughChart(spec: ManifestsSpec, cwd: string, debug?: (text: string) => void): Promise<((fallback: SourceMapper) => SourceMapper) | null> {
  if (!spec.chart) return null;
  // Brought in only with --chart: a plain scan does not load Helm's mapping.
  const [{ loadChartTree, resolveSourceHeader }, { helmSourceMapper }] = await Promise.all([import('../helm/chartTree.js'), import('../helm/helmSource.js')]);
  const tree = readNamedChart(spec.chart.path, cwd, loadChartTree);
  const helm = helmSourceMapper({ chart: spec.chart.path, cwd, user: spec.chart.user, loadTree: () => tree, debug, unproven: 'scan reads a render it did not make; hostns-check helm proves lines' });
  return (fallback) => (query) => {
    const header = query.document.sourceHeader;
    return header && resolveSourceHeader(tree, header) ? helm(query) : fallback(query);
  };
}

/** True when `file` is `folder` or below it (both absolute and resolved the same way). */
function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Whether a glob (relative to `cwd`) could match files outside `folder`: its fixed leading folders
 * lead out, or a `..` hides in a wildcard or brace part (`{..,x}/*.yaml`). Pure: no file is read.
 */
export function globLeavesFolder(pattern: string, cwd: string, folder: string): boolean {
  const absolute = path.resolve(cwd, pattern); // literal `..` parts are resolved here
  const segments = absolute.split(/[\\/]/);
  const firstDynamic = segments.findIndex((segment) => isDynamicPattern(segment));
  if (segments.some((segment, i) => i >= firstDynamic && firstDynamic !== -1 && segment.includes('..'))) return true;
  const base = firstDynamic === -1 ? absolute : segments.slice(0, firstDynamic).join('/') || '/';
  return !isInside(path.resolve(folder), path.resolve(base));
}

/** What a folder holds for `scan`: the manifest files, and what was passed over or refused, with why. */
export interface ManifestListing {
  files: string[];
  /** Passed over, with the reason (warnings): `<file> <reason>`. */
  skipped: { file: string; reason: string }[];
  /** Named like manifests but not readable as files (errors: never a pass). */
  refused: { file: string; reason: string }[];
}

/** The extensions `kubectl apply -R -f DIR` reads (kubectl compares them case-sensitively; any case is read here). */
const MANIFEST_FILE = /\.(?:ya?ml|json)$/i;
const NOT_REGULAR = 'is not a regular file (a FIFO, socket or device); not read';
const OUTSIDE_CONFIG = "leads outside the configuration file's folder; not read (run --allow-outside-config allows it)";

/**
 * Every file below a folder that `kubectl apply -R -f` would apply, in a stable order: `*.yaml`,
 * `*.yml` and `*.json`, in hidden folders and node_modules too, symlinked files wherever they
 * point. Symlinked folders (which kubectl does not follow) are followed while they stay inside
 * the folder, each real folder once (no loop); one that leads outside is passed over with a
 * warning. FIFOs, sockets and devices named like manifests are refused (reading one could hang).
 */
export async function listManifestFiles(dir: string, within?: string): Promise<ManifestListing> {
  const listing: ManifestListing = { files: [], skipped: [], refused: [] };
  const root = await realpath(dir);
  const seen = new Set<string>([root]);
  const inside = (real: string) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        const real = await realpath(full);
        if (seen.has(real)) continue; // already read through a link to it
        seen.add(real);
        await walk(full);
        continue;
      }
      const manifest = MANIFEST_FILE.test(entry.name);
      if (entry.isSymbolicLink()) {
        let target: Stats;
        let real: string;
        try {
          [target, real] = await Promise.all([stat(full), realpath(full)]);
        } catch (error) {
          if (manifest) listing.refused.push({ file: full, reason: `cannot be read: ${describeFsError(error)}` });
          continue;
        }
        if (target.isDirectory()) {
          if (!inside(real)) listing.skipped.push({ file: full, reason: 'links to a folder outside the folder scanned; not read (kubectl apply -R does not follow folder links either)' });
          else if (!seen.has(real)) {
            seen.add(real);
            await walk(full);
          }
          continue;
        }
        if (manifest && !target.isFile()) listing.refused.push({ file: full, reason: NOT_REGULAR });
        else if (manifest && within !== undefined && !isInside(within, real)) listing.refused.push({ file: full, reason: OUTSIDE_CONFIG });
        else if (manifest) listing.files.push(full);
        continue;
      }
      if (!manifest) continue;
      if (entry.isFile()) listing.files.push(full);
      else listing.refused.push({ file: full, reason: NOT_REGULAR });
    }
  };
  await walk(dir);
  return listing;
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

/** The files a spec names, absolute, and what folders held besides; throws TargetFailure when there are none. */
async function filesOf(spec: ManifestsSpec, cwd: string): Promise<ManifestListing> {
  let within: string | undefined;
  if (spec.within !== undefined) {
    if (globLeavesFolder(spec.argument, cwd, spec.within)) {
      const shown = path.relative(cwd, spec.within) || '.';
      throw new TargetFailure(`${spec.argument} reaches outside the configuration file's folder (${shown}); not read (run --allow-outside-config allows it)`, null);
    }
    within = await realpath(spec.within).catch(() => path.resolve(spec.within!));
  }
  // Links are followed as before; a match whose real path leads out is refused below.
  const named = spec.glob ? await expandGlob(spec.argument, cwd) : [spec.argument];
  if (named.length === 0) throw new TargetFailure(`no files match ${spec.argument}`, null);
  const all: ManifestListing = { files: [], skipped: [], refused: [] };
  // A file or a folder, given as it is or as a glob without wildcards.
  for (const entry of named) {
    const absolute = path.resolve(cwd, entry);
    try {
      if (within !== undefined && !isInside(within, await realpath(absolute))) {
        all.refused.push({ file: absolute, reason: OUTSIDE_CONFIG });
        continue;
      }
      if ((await stat(absolute)).isDirectory()) {
        const listing = await listManifestFiles(absolute, within);
        all.files.push(...listing.files);
        all.skipped.push(...listing.skipped);
        all.refused.push(...listing.refused);
      } else all.files.push(absolute);
    } catch (error) {
      throw new TargetFailure(`cannot read ${entry}: ${describeFsError(error)}`, entry);
    }
  }
  if (all.files.length === 0 && all.refused.length === 0) throw new TargetFailure(`no *.yaml, *.yml or *.json files in ${spec.argument}`, spec.argument);
  return all;
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
    const chart = await throughChart(spec, cwd, debug);
    const withOrigins = (fallback: SourceMapper) => kustomizeSource({ root, allowed: [root, cwd], cwd, fallback: chart ? chart(fallback) : fallback, debug });
    const unreadable: { file: string; message: string }[] = [];
    const skipped: Problem[] = [];
    let inputs: RenderedInput[];
    const reads: string[] = [];
    if (spec.argument === '-' && !spec.glob) {
      inputs = [{ chunks: spec.stdin ?? [], file: STDIN_NAME, sourceOf: withOrigins(streamSource) }];
    } else {
      const listing = await filesOf(spec, cwd);
      reads.push(...listing.files);
      const shownOf = (file: string) => path.relative(cwd, file) || file;
      for (const { file, reason } of listing.refused) unreadable.push({ file: shownOf(file), message: `${shownOf(file)} ${reason}` });
      for (const { file, reason } of listing.skipped) skipped.push({ file: shownOf(file), line: null, message: `${shownOf(file)} ${reason}` });
      inputs = listing.files.map((file) => {
        const shown = shownOf(file);
        return { chunks: fileChunks(file, shown, unreadable), file: shown, sourceOf: withOrigins(manifestFileSource(shown)) };
      });
    }
    if (spec.chart) reads.push(...[spec.chart.path, ...spec.chart.user.files].map((file) => path.resolve(cwd, file)));
    return {
      inputs,
      reads,
      // Exemptions may name the chart as the user gave it, as for `hostns-check helm`.
      ...(spec.chart ? { chart: spec.chart.path } : {}),
      async finish(outcome) {
        const errors: Problem[] = unreadable.map(({ file, message }) => ({ file, line: null, message }));
        // An empty stream is what a failed `kustomize build ... |` hands on: never a pass.
        if (outcome.resources === 0 && outcome.errors.length === 0 && errors.length === 0) {
          const where = spec.argument === '-' ? 'standard input' : spec.argument;
          const file = spec.argument === '-' ? STDIN_NAME : spec.glob ? null : path.relative(cwd, path.resolve(cwd, spec.argument)) || spec.argument;
          errors.push({ file, line: null, message: `no Kubernetes resources in ${where}: nothing was checked` });
        }
        return { errors, warnings: skipped };
      },
      cleanup() {},
    };
  },
};
