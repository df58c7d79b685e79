// A temporary copy of a chart for work that writes into it (`--dependency-update`), so the
// user's chart folder is never touched.
import { cpSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { makeScratchDir } from '../../process/scratch.js';

export interface ChartCopy {
  chart: string;
  /** True when `chart` is a fresh copy of a local folder (false: the chart as given). */
  copied: boolean;
  remove(): void;
}

/** Copies a local chart folder into a fresh temporary folder; other charts are used as they are. */
export function copyChartForWriting(chart: string, cwd: string): ChartCopy {
  const absolute = path.resolve(cwd, chart);
  let isFolder = false;
  try {
    isFolder = statSync(absolute).isDirectory();
  } catch {
    // not a local folder: a .tgz, repo/name or oci:// reference that Helm fetches itself
  }
  if (!isFolder) return { chart, copied: false, remove: () => {} };
  const scratch = makeScratchDir('hostns-check-chart-');
  try {
    const copy = path.join(scratch.path, path.basename(absolute));
    cpSync(absolute, copy, { recursive: true, dereference: true });
    return { chart: copy, copied: true, remove: () => scratch.remove() };
  } catch (error) {
    scratch.remove();
    throw error;
  }
}

/**
 * The repositories a chart folder's dependencies come from (Chart.yaml, or requirements.yaml for
 * apiVersion v1), to name in a failed fetch; empty when they cannot be read (Helm says why).
 */
export function dependencyRepositories(chartDir: string): string[] {
  const repositories = new Set<string>();
  for (const name of ['Chart.yaml', 'requirements.yaml']) {
    try {
      const file = path.join(chartDir, name);
      const stat = statSync(file);
      if (!stat.isFile() || stat.size > 1024 * 1024) continue;
      const parsed: unknown = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: 100 });
      const dependencies = (parsed as { dependencies?: unknown } | null)?.dependencies;
      if (!Array.isArray(dependencies)) continue;
      for (const dependency of dependencies) {
        const repository = (dependency as { repository?: unknown } | null)?.repository;
        if (typeof repository === 'string' && repository.trim()) repositories.add(repository.trim());
      }
    } catch {
      // missing or unreadable: Helm's own message says what is wrong with it
    }
  }
  return [...repositories];
}
