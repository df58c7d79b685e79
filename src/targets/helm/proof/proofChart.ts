// A scratch copy of a chart that a proof render may edit: every file of the folder (or archive),
// with subchart archives expanded into folders so their templates can be edited too. Each file
// keeps the name the report shows for it (the same as chartTree.ts gives), so a token read back
// from the render names a file a person can open.
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MAX_CHART_BYTES } from '../chartTree.js';
import { tarEntries } from '../tarArchive.js';

export interface ProofChartFile {
  /** Where the copy is. */
  file: string;
  /** How the report names the original. */
  shown: string;
  /** True for a file under a chart's templates/. */
  template: boolean;
  /** True for a chart's own values.yaml. */
  values: boolean;
  /** The text of a template or values file, as the user's chart has it. */
  text: string | null;
}

export interface ProofChart {
  /** The copy's chart folder, to render. */
  chart: string;
  files: ProofChartFile[];
}

/** A path inside a chart (`charts/x/templates/y.yaml`) is a template of the chart that holds it. */
function chartRelative(relative: string): string {
  return relative.replace(/^(?:charts\/[^/]+\/)+/, '');
}

class Budget {
  left = MAX_CHART_BYTES;
  take(bytes: number, shown: string): void {
    this.left -= bytes;
    if (this.left < 0) throw new Error(`${shown}: the chart is larger than Helm's own limit for a chart`);
  }
}

function record(files: ProofChartFile[], file: string, shown: string, relative: string, data: Buffer): void {
  const inChart = chartRelative(relative);
  const template = inChart.startsWith('templates/');
  const values = inChart === 'values.yaml';
  files.push({ file, shown, template, values, text: template || values ? data.toString('utf8') : null });
}

/** Writes one file of the copy; a subchart archive is expanded into a folder beside where it was. */
function place(files: ProofChartFile[], target: string, relative: string, data: Buffer, shown: string, budget: Budget): void {
  if (/(^|\/)charts\/[^/]+\.tgz$/.test(relative)) {
    expandArchive(files, data, path.join(path.dirname(target), `${path.basename(target, '.tgz')}-expanded`), shown, budget);
    return;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, data);
  record(files, target, shown, relative, data);
}

/** `prefix(top)` is how the archive's files are named: `chart.tgz!/top` (or the chart's own name). */
function expandArchive(files: ProofChartFile[], gzipped: Buffer, folder: string, shown: string, budget: Budget, prefix = (top: string) => `${shown}!/${top}`): string {
  const entries = tarEntries(gunzipSync(gzipped, { maxOutputLength: budget.left + 1024 }));
  let top: string | null = null;
  for (const entry of entries) {
    const [first, ...rest] = entry.name.split('/');
    if (!first || rest.length === 0 || rest.some((part) => part === '..' || part === '')) continue;
    top ??= first;
    if (first !== top) continue;
    budget.take(entry.data.length, shown);
    const relative = rest.join('/');
    place(files, path.join(folder, relative), relative, Buffer.from(entry.data), `${prefix(top)}/${relative}`, budget);
  }
  return folder;
}

/**
 * Copies a chart folder or .tgz into `scratch`, its files named as those of `shownAs` (the chart
 * the user named, when `chart` is a copy of it), or by the chart's own name when null (a chart
 * Helm pulled: its scratch file is gone when the report is read). Links are followed while they stay inside the
 * chart; what is not a regular file (a FIFO, a device) or leads out is left out, as the mapping
 * leaves it unread: the proof render then differs and proves nothing, which is safe.
 */
export function copyChartForProof(chart: string, shownAs: string | null, cwd: string, scratch: string): ProofChart {
  const absolute = path.resolve(cwd, chart);
  const shown = shownAs === null ? path.basename(absolute) : path.relative(cwd, path.resolve(cwd, shownAs)) || '.';
  const files: ProofChartFile[] = [];
  const budget = new Budget();
  if (statSync(absolute).isDirectory()) {
    const target = path.join(scratch, path.basename(absolute));
    const top = realpathSync(absolute);
    const walk = (folder: string, relative: string, open: Set<string>) => {
      for (const name of readdirSync(folder).sort()) {
        const from = path.join(folder, name);
        const rel = relative ? `${relative}/${name}` : name;
        let real;
        try {
          real = realpathSync(from);
        } catch {
          continue;
        }
        const inside = path.relative(top, real);
        if (inside.startsWith('..') || path.isAbsolute(inside)) continue;
        const info = statSync(real);
        if (info.isDirectory()) {
          if (open.has(real)) continue;
          walk(from, rel, new Set([...open, real]));
        } else if (info.isFile()) {
          budget.take(info.size, shown);
          place(files, path.join(target, rel), rel, readFileSync(real), path.join(shown, rel), budget);
        }
      }
    };
    walk(absolute, '', new Set([top]));
    return { chart: target, files };
  }
  const data = readFileSync(absolute);
  budget.take(data.length, shown);
  const folder = expandArchive(files, data, path.join(scratch, 'chart'), shown, budget, shownAs === null ? (top) => top : undefined);
  return { chart: folder, files };
}
