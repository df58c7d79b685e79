// A remote chart (repo/name, --repo URL with a name, oci://, a chart URL) fetched by Helm itself
// into a scratch folder before the render: the render and the source mapping then read the same
// archive, fetched once, and findings map to its template and values lines like a local chart's.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeScratchDir } from '../../process/scratch.js';
import { describePullFailure, type RenderFailure } from './helmFailure.js';
import { runHelmPull, type HelmRunOptions, type HelmTemplateRequest } from './helmTemplate.js';

/**
 * Whether Helm would fetch the chart rather than read it from here. Helm takes a path that exists
 * as it is (even with --repo), and fails on a missing absolute or `.`-relative path without
 * fetching; everything else it looks up in a repository or registry.
 */
export function isRemoteChart(chart: string, cwd: string): boolean {
  const name = chart.trim();
  if (name === '' || path.isAbsolute(name) || name.startsWith('.')) return false;
  try {
    statSync(path.resolve(cwd, name));
    return false;
  } catch {
    return true;
  }
}

export interface PulledChart {
  /** The archive Helm pulled, inside a scratch folder. */
  chart: string;
  /** Removes the scratch folder; safe to call more than once. */
  remove(): void;
}

export type PullOutcome = { pulled: PulledChart } | { failure: RenderFailure };

/** The one chart archive `helm pull` wrote into `folder` (a .prov from --verify may sit beside it). */
function pulledArchive(folder: string): string | null {
  const archives = readdirSync(folder).filter((name) => name.endsWith('.tgz'));
  return archives.length === 1 ? path.join(folder, archives[0]!) : null;
}

/**
 * `helm pull` of the chart the request names, with its --version, --repo, --devel and fetching
 * flags, the same Helm and environment and the same --timeout as the render. The scratch folder
 * is removed here when the pull fails, and by the caller (remove) otherwise.
 */
export async function pullChart(request: HelmTemplateRequest, options: HelmRunOptions, debug?: (text: string) => void): Promise<PullOutcome> {
  const scratch = makeScratchDir('hostns-check-pull-');
  try {
    debug?.(`fetching the remote chart ${JSON.stringify(request.chart)} with helm pull into a temporary folder`);
    const exit = await runHelmPull(request, scratch.path, options);
    const ok = exit.exitCode === 0 && !exit.signal && !exit.timedOut;
    const archive = ok ? pulledArchive(scratch.path) : null;
    if (archive) return { pulled: { chart: archive, remove: () => scratch.remove() } };
    scratch.remove();
    if (ok) return { failure: { message: `could not fetch chart ${request.chart} (helm pull): Helm wrote no single chart archive`, file: null, line: null } };
    return { failure: describePullFailure(exit, request.chart, options.timeoutSeconds) };
  } catch (error) {
    scratch.remove();
    throw error;
  }
}
