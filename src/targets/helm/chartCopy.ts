// A temporary copy of a chart for work that writes into it (`--dependency-update`), so the
// user's chart folder is never touched.
import { cpSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeScratchDir } from '../../process/scratch.js';

export interface ChartCopy {
  chart: string;
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
  if (!isFolder) return { chart, remove: () => {} };
  const scratch = makeScratchDir('hostns-check-chart-');
  try {
    const copy = path.join(scratch.path, path.basename(absolute));
    cpSync(absolute, copy, { recursive: true, dereference: true });
    return { chart: copy, remove: () => scratch.remove() };
  } catch (error) {
    scratch.remove();
    throw error;
  }
}
