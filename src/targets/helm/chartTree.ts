// A chart and its subcharts as Helm sees them (folders and .tgz archives under charts/, aliases),
// so a `# Source:` header can be turned back into a file a person can open.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { mebibytes, readRegularFile, RefusedFile } from '../../process/regularFile.js';
import { tarEntries } from './tarArchive.js';

export interface ChartNode {
  /** The name Helm uses for it in `# Source:` paths (the alias when it has one). */
  name: string;
  /** Key of its values under the parent chart's values (the alias or the name). */
  valuesKey: string;
  /** Chart-relative path -> text, for Chart.yaml, values.yaml and everything under templates/. */
  files: Map<string, string>;
  /** Chart-relative paths of files that were not read, and why (a link out of the chart, a FIFO). */
  unread?: Map<string, string>;
  /** How a chart-relative path is shown to the user (relative to the working directory). */
  display(relative: string): string;
  parent: ChartNode | null;
  children: Map<string, ChartNode>;
}

interface Dependency {
  name: string;
  alias?: string;
}

/** What a chart's Chart.yaml says that mapping uses, parsed once per chart. */
interface ChartMeta {
  name?: unknown;
  dependencies?: Dependency[];
}

const TEXT_FILE = /^(Chart\.yaml|values\.yaml|templates\/.+)$/;
/** The folders of subcharts a path is in (`charts/a/charts/b/`), before its path inside the innermost. */
const SUBCHART_FOLDERS = /^(?:charts\/[^/]+\/)*/;

/** A path relative to the chart or subchart that holds it: `charts/a/templates/x` -> `templates/x`. */
function withinItsChart(relative: string): string {
  return relative.slice(SUBCHART_FOLDERS.exec(relative)![0].length);
}

/**
 * A file mapping reads, in the chart or in any subchart: Chart.yaml, values.yaml, templates/,
 * and the subchart archives under charts/. A subchart's README, CHANGELOG, tests or CI values
 * are never read.
 */
function readForMapping(relative: string): boolean {
  const inner = withinItsChart(relative);
  return TEXT_FILE.test(inner) || /^charts\/[^/]+\.tgz$/.test(inner);
}

/** A folder that can hold such files: templates/ and what is below it, charts/ and each subchart folder in it. */
function enteredForMapping(relative: string): boolean {
  return /^(templates(\/.*)?|charts)$/.test(withinItsChart(relative)) || /(^|\/)charts\/[^/]+$/.test(relative);
}

/**
 * Helm's own limit on a chart's expanded files: its chart loader's MaxDecompressedChartSize
 * (100 MiB), which Helm 4 applies to archives and folders alike. No chart comes near it.
 */
export const MAX_CHART_BYTES = 100 * 1024 * 1024;
/**
 * Files of one archive, or under templates/ and charts/ of one folder. Helm counts bytes, not
 * files; real charts have a few hundred files at most, and each entry costs the tool a little.
 */
export const MAX_CHART_ENTRIES = 20_000;
/** An archive's expanded tar stream: the files, and a header and a long-name record per entry. */
const MAX_TAR_BYTES = MAX_CHART_BYTES + MAX_CHART_ENTRIES * 2 * 512;
/** Everything expanded for one tree: nested subchart archives add up, each within the limits above. */
const MAX_TREE_EXPANDED_BYTES = 4 * MAX_TAR_BYTES;

/** A chart (or one of its archives) is beyond a limit: it is not read for mapping at all. */
export class ChartTooLarge extends Error {}

/** How much expanding one tree's archives may still take. */
interface TreeBudget {
  expanded: number;
}

export interface ChartTreeOptions {
  /**
   * Show files as Helm's `# Source:` names them (`<chart>/templates/x.yaml`), not by their path
   * from the working directory: for a copy Helm pulled into a scratch folder removed afterwards.
   */
  byChartName?: boolean;
}

/** Loads a chart folder or .tgz; null when it is neither (a remote chart). */
export function loadChartTree(chart: string, cwd: string, options: ChartTreeOptions = {}): ChartNode | null {
  const absolute = path.resolve(cwd, chart);
  let info;
  try {
    info = statSync(absolute);
  } catch {
    return null;
  }
  const shown = path.relative(cwd, absolute) || '.';
  const budget: TreeBudget = { expanded: MAX_TREE_EXPANDED_BYTES };
  if (info.isDirectory()) {
    const folder = readFolder(absolute);
    const top = options.byChartName ? path.basename(absolute) : shown;
    return fromFiles(folder.files, chartMeta(folder.files), (rel) => path.join(top, rel), null, null, budget, folder.unread);
  }
  if (/\.tgz$|\.tar\.gz$/.test(absolute)) {
    const archive = readArchive(readChartFile(absolute, shown, MAX_TAR_BYTES), shown, budget);
    if (!archive) return null;
    const top = options.byChartName ? archive.top : `${shown}!/${archive.top}`;
    return fromFiles(archive.files, chartMeta(archive.files), (rel) => `${top}/${rel}`, null, null, budget);
  }
  return null;
}

/** A file of the chart, within what is left of the chart's bytes; beyond them the chart is not read. */
function readChartFile(file: string, shown: string, left: number): Buffer {
  try {
    return readRegularFile(file, left);
  } catch (error) {
    if (error instanceof RefusedFile && error.problem === 'size') {
      throw new ChartTooLarge(`${shown}: the chart's files are larger than ${mebibytes(MAX_CHART_BYTES)}, Helm's own limit for a chart`);
    }
    throw error;
  }
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The chart's files by chart-relative path, only those mapping needs (Chart.yaml, values.yaml,
 * templates/, charts/). Symbolic links are followed, to files and to folders, while they stay
 * inside the chart folder; a link that leads out of it, a FIFO, a device or a socket is not read
 * (`unread` says why). A folder already being walked (a link loop) is not entered again. Helm 4's
 * limit on a chart's bytes bounds what is read.
 */
function readFolder(root: string): { files: Map<string, Buffer>; unread: Map<string, string> } {
  const files = new Map<string, Buffer>();
  const unread = new Map<string, string>();
  const top = realpathSync(root);
  const walking = new Set<string>();
  let bytes = 0;
  let entries = 0;
  const walk = (dir: string, prefix: string) => {
    const real = realpathSync(dir);
    if (walking.has(real)) return;
    walking.add(real);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (!readForMapping(rel) && !enteredForMapping(rel)) continue;
      if (++entries > MAX_CHART_ENTRIES) throw new ChartTooLarge(`the chart holds more than ${MAX_CHART_ENTRIES} files under templates/ and charts/`);
      const full = path.join(dir, entry.name);
      let kind: { isDirectory(): boolean; isFile(): boolean } = entry;
      if (entry.isSymbolicLink()) {
        let target;
        try {
          target = realpathSync(full);
        } catch {
          unread.set(rel, 'it is a symbolic link that leads nowhere');
          continue;
        }
        if (!isInside(top, target)) {
          unread.set(rel, 'it is a symbolic link that leads out of the chart folder; only files inside the chart are read');
          continue;
        }
        kind = statSync(target);
      }
      if (kind.isDirectory()) {
        if (enteredForMapping(rel)) walk(full, rel);
      } else if (kind.isFile()) {
        if (!readForMapping(rel)) continue;
        try {
          const data = readChartFile(full, rel, MAX_CHART_BYTES - bytes);
          bytes += data.length;
          files.set(rel, data);
        } catch (error) {
          if (!(error instanceof RefusedFile)) throw error;
          unread.set(rel, error.message); // swapped for something else since the look above
        }
      } else unread.set(rel, 'it is not a regular file (a FIFO, a device or a socket)');
    }
    walking.delete(real);
  };
  walk(root, '');
  return { files, unread };
}

/**
 * A chart archive's files, relative to its single top folder: only those mapping needs, copied
 * out so the expanded archive is dropped at once. The archive is expanded within Helm's limit
 * (never more memory than that), and within what is left of the tree's budget.
 */
function readArchive(gzipped: Buffer, shown: string, budget: TreeBudget): { top: string; files: Map<string, Buffer> } | null {
  const limit = Math.min(MAX_TAR_BYTES, budget.expanded);
  const tooLarge = () =>
    new ChartTooLarge(
      limit < MAX_TAR_BYTES
        ? `${shown} and the chart's other archives expand to more than ${mebibytes(MAX_TREE_EXPANDED_BYTES)} in all`
        : `${shown} expands to more than Helm's own limit for a chart (${mebibytes(MAX_CHART_BYTES)})`,
    );
  let tar: Buffer;
  try {
    tar = gunzipSync(gzipped, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw error;
  }
  budget.expanded -= tar.length;
  let top: string | null = null;
  const files = new Map<string, Buffer>();
  let entries = 0;
  let bytes = 0;
  for (const entry of tarEntries(tar)) {
    if (++entries > MAX_CHART_ENTRIES) throw new ChartTooLarge(`${shown} holds more than ${MAX_CHART_ENTRIES} files`);
    bytes += entry.data.length;
    if (bytes > MAX_CHART_BYTES) throw tooLarge();
    const slash = entry.name.indexOf('/');
    if (slash === -1) continue;
    const first = entry.name.slice(0, slash);
    top ??= first;
    if (first !== top) continue;
    const rel = entry.name.slice(slash + 1);
    if (readForMapping(rel)) files.set(rel, Buffer.from(entry.data));
  }
  return top ? { top, files } : null;
}

/** A chart's Chart.yaml, parsed; null when there is none or it is not YAML (then it is no chart). */
function chartMeta(files: Map<string, Buffer>): ChartMeta | null {
  const chartYaml = files.get('Chart.yaml');
  if (!chartYaml) return null;
  try {
    return (parseYaml(chartYaml.toString('utf8')) ?? {}) as ChartMeta;
  } catch {
    return null;
  }
}

function fromFiles(
  all: Map<string, Buffer>,
  meta: ChartMeta | null,
  display: (relative: string) => string,
  parent: ChartNode | null,
  valuesKey: string | null,
  budget: TreeBudget,
  unread: Map<string, string> = new Map(),
): ChartNode | null {
  if (!meta) return null;
  const name = valuesKey ?? String(meta.name ?? '');
  const files = new Map<string, string>();
  for (const [rel, data] of all) if (TEXT_FILE.test(rel)) files.set(rel, data.toString('utf8'));
  const node: ChartNode = { name, valuesKey: name, files, display, parent, children: new Map() };
  const own = new Map([...unread].filter(([rel]) => !rel.startsWith('charts/')));
  if (own.size > 0) node.unread = own;

  // Subcharts: folders and archives directly under charts/.
  const subFolders = new Map<string, Map<string, Buffer>>();
  for (const [rel, data] of all) {
    const match = /^charts\/([^/]+)\/(.+)$/.exec(rel);
    if (match) {
      const folder = match[1]!; // both groups always participate
      if (!subFolders.has(folder)) subFolders.set(folder, new Map());
      subFolders.get(folder)!.set(match[2]!, data);
    }
  }
  const subcharts: { chartName: string; load: (key: string) => ChartNode | null }[] = [];
  for (const [folder, files] of subFolders) {
    const subMeta = chartMeta(files);
    const chartName = nameOf(subMeta);
    const prefix = `charts/${folder}/`;
    const below = new Map([...unread].filter(([rel]) => rel.startsWith(prefix)).map(([rel, why]) => [rel.slice(prefix.length), why]));
    if (chartName) subcharts.push({ chartName, load: (key) => fromFiles(files, subMeta, (rel) => display(`${prefix}${rel}`), node, key, budget, below) });
  }
  for (const [rel, data] of all) {
    const match = /^charts\/([^/]+\.tgz)$/.exec(rel);
    if (!match) continue;
    let archive;
    try {
      archive = readArchive(data, display(rel), budget);
    } catch (error) {
      if (error instanceof ChartTooLarge) throw error;
      continue; // a broken archive: Helm will say so itself
    }
    const archiveMeta = archive && chartMeta(archive.files);
    const chartName = nameOf(archiveMeta);
    if (archive && chartName) {
      const shown = display(rel);
      subcharts.push({ chartName, load: (key) => fromFiles(archive.files, archiveMeta, (r) => `${shown}!/${archive.top}/${r}`, node, key, budget) });
    }
  }
  const dependencies = Array.isArray(meta.dependencies) ? meta.dependencies : [];
  for (const sub of subcharts) {
    const aliases = dependencies.filter((d) => d && d.name === sub.chartName && d.alias).map((d) => String(d.alias));
    for (const key of aliases.length > 0 ? aliases : [sub.chartName]) {
      const child = sub.load(key);
      if (child) node.children.set(key, child);
    }
  }
  return node;
}

/** A subchart's name as its Chart.yaml gives it; null when it gives none (then it is not loaded). */
function nameOf(meta: ChartMeta | null | undefined): string | null {
  return typeof meta?.name === 'string' ? meta.name : null;
}

/** The chart a `# Source:` header lands in (through `charts/<name>/`) and the path segments left inside it. */
function chartOfHeader(root: ChartNode, header: string): { chart: ChartNode; rest: string[] } | null {
  const parts = header.split('/');
  if (parts[0] !== root.name) return null;
  let chart = root;
  let i = 1;
  while (parts[i] === 'charts') {
    const name = parts[i + 1];
    const child = name === undefined ? undefined : chart.children.get(name);
    if (!child) break;
    chart = child;
    i += 2;
  }
  return { chart, rest: parts.slice(i) };
}

/** `umbrella/charts/agent/templates/ds.yaml` -> the agent chart and `templates/ds.yaml`. */
export function resolveSourceHeader(root: ChartNode, header: string): { chart: ChartNode; file: string } | null {
  const found = chartOfHeader(root, header);
  if (!found) return null;
  const file = found.rest.join('/');
  return found.chart.files.has(file) ? { chart: found.chart, file } : null;
}

/** Why the file a `# Source:` header names was not read (a link out of the chart, a FIFO), if it was not. */
export function unreadReason(root: ChartNode, header: string): string | null {
  const found = chartOfHeader(root, header);
  if (!found) return null;
  const { chart, rest } = found;
  // The file itself, or a linked folder it sits in.
  for (let end = rest.length; end > 0; end--) {
    const why = chart.unread?.get(rest.slice(0, end).join('/'));
    if (why) return why;
  }
  return null;
}

/** Every chart in the tree, the root first. */
export function allCharts(root: ChartNode): ChartNode[] {
  const out: ChartNode[] = [root];
  for (const child of root.children.values()) out.push(...allCharts(child));
  return out;
}

/**
 * Chart trees shared by the targets of one `run`: a chart checked under several value sets is
 * read once, not once per set. A tree is kept while targets that name it are still to finish,
 * and dropped after the last, so a run over many charts holds only the ones in use.
 */
export class SharedChartTrees {
  private readonly entries = new Map<string, { users: number; tree?: ChartNode | null }>();

  constructor(private readonly load: (chart: string, cwd: string) => ChartNode | null = loadChartTree) {}

  /** How many charts are kept now. */
  get size(): number {
    return this.entries.size;
  }

  private static key(chart: string, cwd: string): string {
    return `${path.resolve(cwd, chart)}\0${cwd}`;
  }

  /** A target that will map findings to `chart` is on its way. */
  expect(chart: string, cwd: string): void {
    const key = SharedChartTrees.key(chart, cwd);
    const entry = this.entries.get(key) ?? { users: 0 };
    entry.users++;
    this.entries.set(key, entry);
  }

  /** The chart's tree, read on the first call; a chart nobody announced is read and not kept. */
  get(chart: string, cwd: string): ChartNode | null {
    const entry = this.entries.get(SharedChartTrees.key(chart, cwd));
    if (!entry) return this.load(chart, cwd);
    if (entry.tree === undefined) entry.tree = this.load(chart, cwd);
    return entry.tree;
  }

  /** One of the announced targets is done with `chart`. */
  release(chart: string, cwd: string): void {
    const key = SharedChartTrees.key(chart, cwd);
    const entry = this.entries.get(key);
    if (entry && --entry.users <= 0) this.entries.delete(key);
  }
}
