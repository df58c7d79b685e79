// A chart and its subcharts as Helm sees them (folders and .tgz archives under charts/, aliases),
// so a `# Source:` header can be turned back into a file a person can open.
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { tarEntries } from './tarArchive.js';

export interface ChartNode {
  /** The name Helm uses for it in `# Source:` paths (the alias when it has one). */
  name: string;
  /** Key of its values under the parent chart's values (the alias or the name). */
  valuesKey: string;
  /** Chart-relative path -> text, for Chart.yaml, values.yaml and everything under templates/. */
  files: Map<string, string>;
  /** How a chart-relative path is shown to the user (relative to the working directory). */
  display(relative: string): string;
  parent: ChartNode | null;
  children: Map<string, ChartNode>;
}

interface Dependency {
  name: string;
  alias?: string;
}

const TEXT_FILE = /^(Chart\.yaml|values\.yaml|templates\/.+)$/;

/** Loads a chart folder or .tgz; null when it is neither (a remote chart). */
export function loadChartTree(chart: string, cwd: string): ChartNode | null {
  const absolute = path.resolve(cwd, chart);
  let info;
  try {
    info = statSync(absolute);
  } catch {
    return null;
  }
  const shown = path.relative(cwd, absolute) || '.';
  if (info.isDirectory()) return fromFiles(readFolder(absolute), (rel) => path.join(shown, rel), null, null);
  if (/\.tgz$|\.tar\.gz$/.test(absolute)) {
    const archive = readArchive(readFileSync(absolute));
    if (!archive) return null;
    return fromFiles(archive.files, (rel) => `${shown}!/${archive.top}/${rel}`, null, null);
  }
  return null;
}

/**
 * The chart's files by chart-relative path. Symbolic links are followed, to files and to folders,
 * as Helm's loader follows them; a folder already being walked (a link loop) is not entered again.
 */
function readFolder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walking = new Set<string>();
  const walk = (dir: string, prefix: string) => {
    const real = realpathSync(dir);
    if (walking.has(real)) return;
    walking.add(real);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      const kind = entry.isSymbolicLink() ? statSync(full, { throwIfNoEntry: false }) : entry;
      if (kind?.isDirectory()) walk(full, rel);
      else if (kind?.isFile()) {
        if (TEXT_FILE.test(rel) || rel.startsWith('charts/')) files.set(rel, readFileSync(full));
      }
    }
    walking.delete(real);
  };
  walk(root, '');
  return files;
}

/** A chart archive's files, relative to its single top folder. */
function readArchive(gzipped: Buffer): { top: string; files: Map<string, Buffer> } | null {
  let top: string | null = null;
  const files = new Map<string, Buffer>();
  for (const entry of tarEntries(gunzipSync(gzipped))) {
    const slash = entry.name.indexOf('/');
    if (slash === -1) continue;
    const first = entry.name.slice(0, slash);
    top ??= first;
    if (first !== top) continue;
    files.set(entry.name.slice(slash + 1), entry.data);
  }
  return top ? { top, files } : null;
}

function fromFiles(
  all: Map<string, Buffer>,
  display: (relative: string) => string,
  parent: ChartNode | null,
  valuesKey: string | null,
): ChartNode | null {
  const chartYaml = all.get('Chart.yaml');
  if (!chartYaml) return null;
  let meta: { name?: string; dependencies?: Dependency[] } = {};
  try {
    meta = (parseYaml(chartYaml.toString('utf8')) ?? {}) as typeof meta;
  } catch {
    return null;
  }
  const name = valuesKey ?? String(meta.name ?? '');
  const files = new Map<string, string>();
  for (const [rel, data] of all) if (TEXT_FILE.test(rel)) files.set(rel, data.toString('utf8'));
  const node: ChartNode = { name, valuesKey: name, files, display, parent, children: new Map() };

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
    const chartName = chartNameOf(files.get('Chart.yaml'));
    if (chartName) subcharts.push({ chartName, load: (key) => fromFiles(files, (rel) => display(`charts/${folder}/${rel}`), node, key) });
  }
  for (const [rel, data] of all) {
    const match = /^charts\/([^/]+\.tgz)$/.exec(rel);
    if (!match) continue;
    let archive;
    try {
      archive = readArchive(data);
    } catch {
      continue; // a broken archive: Helm will say so itself
    }
    const chartName = archive && chartNameOf(archive.files.get('Chart.yaml'));
    if (archive && chartName) {
      const shown = display(rel);
      subcharts.push({ chartName, load: (key) => fromFiles(archive.files, (r) => `${shown}!/${archive.top}/${r}`, node, key) });
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

function chartNameOf(chartYaml: Buffer | undefined): string | null {
  if (!chartYaml) return null;
  try {
    const meta = parseYaml(chartYaml.toString('utf8')) as { name?: unknown } | null;
    return typeof meta?.name === 'string' ? meta.name : null;
  } catch {
    return null;
  }
}

/** `umbrella/charts/agent/templates/ds.yaml` -> the agent chart and `templates/ds.yaml`. */
export function resolveSourceHeader(root: ChartNode, header: string): { chart: ChartNode; file: string } | null {
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
  const file = parts.slice(i).join('/');
  return chart.files.has(file) ? { chart, file } : null;
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
