// A scratch copy of a chart that a proof render may edit: every file of the folder (or archive),
// with subchart archives expanded into folders so their templates can be edited too. Each file
// keeps the name the report shows for it (the same as chartTree.ts gives), so a token read back
// from the render names a file a person can open.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

function record(files: ProofChartFile[], file: string, shown: string, relative: string, data: Buffer | null): void {
  const inChart = chartRelative(relative);
  const template = inChart.startsWith('templates/');
  const values = inChart === 'values.yaml';
  files.push({ file, shown, template, values, text: data && (template || values) ? data.toString('utf8') : null });
}

/**
 * Writes a file of the copy: the old one is removed first and the new one must not exist (`wx`),
 * so a link at that path (a copy made some other way) is never written through.
 */
export function replaceFile(file: string, text: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, text, { flag: 'wx' });
}

/** Writes one file of the copy; a subchart archive is expanded into a folder beside where it was. */
/** Files the proof reads or edits: templates and values files. */
function needsText(relative: string): boolean {
  const inChart = chartRelative(relative);
  return inChart.startsWith('templates/') || inChart === 'values.yaml';
}

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
      mkdirSync(path.join(target, relative), { recursive: true });
      for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const from = path.join(folder, entry.name);
        const rel = relative ? `${relative}/${entry.name}` : entry.name;
        // Only a link can lead elsewhere: a plain entry of a folder inside the chart is inside.
        let real = from;
        let isFolder = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          try {
            real = realpathSync(from);
            const info = statSync(real);
            isFolder = info.isDirectory();
            isFile = info.isFile();
          } catch {
            continue;
          }
          const inside = path.relative(top, real);
          if (inside.startsWith('..') || path.isAbsolute(inside)) continue;
        }
        if (isFolder) {
          const key = entry.isSymbolicLink() ? real : realpathSync(from);
          if (open.has(key)) continue;
          walk(from, rel, new Set([...open, key]));
        } else if (isFile) {
          const destination = path.join(target, rel);
          if (/(^|\/)charts\/[^/]+\.tgz$/.test(rel)) {
            const data = readFileSync(real);
            budget.take(data.length, shown);
            place(files, destination, rel, data, path.join(shown, rel), budget);
          } else {
            // Copied by the kernel; only the templates and values files the proof edits are read.
            // (Links to the chart's files would spare the copy, but cost as much to make here.)
            budget.take(statSync(real).size, shown);
            copyFileSync(real, destination);
            record(files, destination, path.join(shown, rel), rel, needsText(rel) ? readFileSync(real) : null);
          }
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
