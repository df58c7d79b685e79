// Kustomize runs Helm itself for `helmCharts` and drops Helm's `# Source:` comments, so nothing in
// its output says which template a resource came from. Pointing its --helm-command at a small
// relay keeps a copy of every render beside the build (read back by the source mapping) and
// answers Kustomize's `helm version -c --short` probe, which Helm 4 rejects ("unknown shorthand
// flag: 'c'") and which Kustomize up to 5.8.0 then checks for major version 3.
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { HELM_RELAY_ENTRY, packageRoot } from '../../process/packageFiles.js';

/** One `helm template` output kept by the relay. */
export interface HelmRender {
  /** Absolute folder of the chart Helm rendered, when it was a local folder. */
  chartDir: string | null;
  /** Helm's standard output, `# Source:` comments included. */
  text: string;
}

const RENDER_SUFFIX = '.render.yaml';
const META_SUFFIX = '.render.json';

/** The compiled relay entry point (helmRelayMain.ts), found from the package root. */
export function relayEntryPoint(): string {
  return path.join(packageRoot(), HELM_RELAY_ENTRY);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes an executable `helm` relay into `dir` that runs this module's entry point with the real
 * Helm and the folder for the copies; returns its path. POSIX shells only: null on Windows, where
 * Kustomize is given the real Helm and template lines are not available.
 */
export function writeHelmRelay(dir: string, realHelm: string, rendersDir: string): string | null {
  if (process.platform === 'win32') return null;
  const relay = path.join(dir, 'helm');
  const command = [process.execPath, relayEntryPoint(), realHelm, rendersDir].map(shellQuote).join(' ');
  writeFileSync(relay, `#!/bin/sh\nexec ${command} "$@"\n`);
  chmodSync(relay, 0o755);
  return relay;
}

/** The arguments for the real Helm: Kustomize's `version -c` becomes `version` (Helm 3's is client-only anyway). */
export function realHelmArgs(args: readonly string[]): string[] {
  if (args[0] !== 'version') return [...args];
  return args.filter((arg) => arg !== '-c' && arg !== '--client');
}

/**
 * What Kustomize is told about the Helm version. Helm 3 answers as it is; a later Helm is reported
 * as 3.x, with the real version after it, because Kustomize <= 5.8.0 refuses any other major
 * version although it only uses `template` and `pull`, which Helm 4 still takes the same way.
 */
export function versionAnswer(helmSays: string): string {
  const match = /v?(\d+)\.(\d+)\.(\d+)\S*/.exec(helmSays);
  if (!match || Number(match[1]) <= 3) return helmSays;
  return `v3.0.0-compat (Helm ${match[0].replace(/^v?/, 'v')} through hostns-check)\n`;
}

/** The local chart folder in a `helm template` command line (Kustomize passes it as an absolute path). */
export function chartDirOfTemplateArgs(args: readonly string[], isChartDir: (dir: string) => boolean): string | null {
  if (args[0] !== 'template') return null;
  for (const arg of args.slice(1)) {
    if (arg.startsWith('-') || !path.isAbsolute(arg)) continue;
    if (isChartDir(arg)) return arg;
  }
  return null;
}

export function isChartFolder(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'Chart.yaml')).isFile();
  } catch {
    return false;
  }
}

/** Keeps one render; names sort in the order Helm ran. */
export function saveHelmRender(rendersDir: string, sequence: string, render: HelmRender): void {
  writeFileSync(path.join(rendersDir, `${sequence}${META_SUFFIX}`), JSON.stringify({ chartDir: render.chartDir }));
  writeFileSync(path.join(rendersDir, `${sequence}${RENDER_SUFFIX}`), render.text);
}

/** Forgets the renders of an earlier build, before the next build of the same overlay. */
export function clearHelmRenders(rendersDir: string): void {
  for (const name of readdirSync(rendersDir)) {
    if (name.endsWith(RENDER_SUFFIX) || name.endsWith(META_SUFFIX)) rmSync(path.join(rendersDir, name), { force: true });
  }
}

/** Every render the relay kept, oldest first. */
export function readHelmRenders(rendersDir: string): HelmRender[] {
  let names: string[];
  try {
    names = readdirSync(rendersDir).filter((name) => name.endsWith(RENDER_SUFFIX)).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const base = name.slice(0, -RENDER_SUFFIX.length);
    let chartDir: string | null = null;
    try {
      chartDir = (JSON.parse(readFileSync(path.join(rendersDir, `${base}${META_SUFFIX}`), 'utf8')) as { chartDir: string | null }).chartDir;
    } catch {
      // kept without its chart folder: Helm's own template names are used
    }
    return { chartDir, text: readFileSync(path.join(rendersDir, name), 'utf8') };
  });
}
