// Isolated Helm homes and process runners for the plugin and remote-chart tests: every Helm run
// gets its own HELM_DATA_HOME / HELM_CONFIG_HOME / HELM_CACHE_HOME under a scratch folder, and
// no HELM_* variable of the developer's shell leaks in.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { HelmToolset } from './tools.js';

export interface HelmHome {
  data: string;
  config: string;
  cache: string;
  /** Where both Helm versions put plugins: $HELM_DATA_HOME/plugins. */
  plugins: string;
  env: NodeJS.ProcessEnv;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The developer's environment without any HELM_* variable (HELM_PLUGINS, HELM_BIN, HELM_NAMESPACE,
 * HELM_DEBUG, repository settings...), without colour switches, and with npm pointed at nothing:
 * should a plugin hook ever try `npm ci`, it fails at once instead of reaching the network.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('HELM_') || /^npm_/i.test(key)) continue;
    if (['NO_COLOR', 'FORCE_COLOR', 'HOSTNS_CHECK_REBUILD', 'HOSTNS_CHECK_DEBUG'].includes(key)) continue;
    env[key] = value;
  }
  // Port 9 (discard) on 127.0.0.1: nothing listens there in a test sandbox, so npm fails fast.
  env.npm_config_registry = 'http://127.0.0.1:9/';
  env.npm_config_fetch_retries = '0';
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  return { ...env, ...extra };
}

/** Creates data/config/cache folders under `root` and the environment that points Helm at them. */
export function makeHelmHome(root: string, extra: NodeJS.ProcessEnv = {}): HelmHome {
  const home = {
    data: path.join(root, 'data'),
    config: path.join(root, 'config'),
    cache: path.join(root, 'cache'),
  };
  for (const dir of Object.values(home)) mkdirSync(dir, { recursive: true });
  const env = cleanEnv({
    HELM_DATA_HOME: home.data,
    HELM_CONFIG_HOME: home.config,
    HELM_CACHE_HOME: home.cache,
    npm_config_cache: path.join(root, 'npm-cache'),
    ...extra,
  });
  return { ...home, plugins: path.join(home.data, 'plugins'), env };
}

/** `helm plugin install` needs `--verify=false` for an unsigned local plugin on Helm 4; Helm 3 has no such flag. */
export function pluginInstallFlags(tool: HelmToolset): string[] {
  return tool.label.startsWith('helm-3.') ? [] : ['--verify=false'];
}

export function runSync(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env,
    input: '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runSync, but leaves the event loop free: needed when this process also serves HTTP to the child. */
export function runAsync(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Parses the one JSON report a `--format json` run prints, with the run's output in the error otherwise. */
export function parseReport(result: RunResult): Report {
  try {
    return JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`stdout is not one JSON report (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** The parts of the JSON report these tests read. */
export interface Report {
  targets: { type: string; path: string; ok: boolean; error: string | null }[];
  findings: {
    check: string;
    resource: { kind: string; namespace: string | null; name: string };
    [key: string]: unknown;
  }[];
  errors: { target: string; file: string | null; line: number | null; message: string }[];
  summary: { resources: number; podSpecs: number; findings: number; suppressed: number; errors: number };
}

/** Names of the resources that have findings, deduplicated, in report order. */
export function findingResourceNames(report: Report): string[] {
  return [...new Set(report.findings.map((f) => f.resource.name))];
}

/** `NAME VERSION` of one plugin in `helm plugin list`, or null when it is not listed. Both versions print NAME first, VERSION second. */
export function listedPluginVersion(listOutput: string, name: string): string | null {
  for (const line of listOutput.split('\n')) {
    const [first, second] = line.trim().split(/\s+/);
    if (first === name) return second ?? null;
  }
  return null;
}

/** A 127.0.0.1 port that was free a moment ago and that nothing listens on now. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
