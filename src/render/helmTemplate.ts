// Runs `helm template` as a child process (argument array, never a shell) and hands its
// standard output over as a stream, so documents are checked while Helm is still writing.
import { execa } from 'execa';
import { trackChild } from './scratch.js';

/** What the user asked Helm to render: each flag keeps Helm's meaning and order within its kind. */
export interface HelmTemplateRequest {
  releaseName: string;
  chart: string;
  values: string[];
  set: string[];
  setString: string[];
  setFile: string[];
  setJson: string[];
  setLiteral: string[];
  namespace?: string;
  kubeVersion?: string;
  apiVersions: string[];
  includeCrds: boolean;
  skipTests: boolean;
  version?: string;
  repo?: string;
  devel: boolean;
  releaseNameFlag: boolean;
  dependencyUpdate: boolean;
  /** Everything after `--`, verbatim. */
  extraArgs: string[];
}

export function emptyHelmRequest(chart: string): HelmTemplateRequest {
  return {
    releaseName: 'release-name',
    chart,
    values: [],
    set: [],
    setString: [],
    setFile: [],
    setJson: [],
    setLiteral: [],
    apiVersions: [],
    includeCrds: false,
    skipTests: false,
    devel: false,
    releaseNameFlag: false,
    dependencyUpdate: false,
    extraArgs: [],
  };
}

/** The argument array for `helm template`; pure, so every flag's path to Helm is testable. */
export function helmTemplateArgs(request: HelmTemplateRequest): string[] {
  const args = ['template', request.releaseName, request.chart];
  const repeat = (flag: string, values: string[]) => values.forEach((value) => args.push(flag, value));
  repeat('--values', request.values);
  repeat('--set', request.set);
  repeat('--set-string', request.setString);
  repeat('--set-file', request.setFile);
  repeat('--set-json', request.setJson);
  repeat('--set-literal', request.setLiteral);
  if (request.namespace !== undefined) args.push('--namespace', request.namespace);
  if (request.kubeVersion !== undefined) args.push('--kube-version', request.kubeVersion);
  repeat('--api-versions', request.apiVersions);
  if (request.includeCrds) args.push('--include-crds');
  if (request.skipTests) args.push('--skip-tests');
  if (request.version !== undefined) args.push('--version', request.version);
  if (request.repo !== undefined) args.push('--repo', request.repo);
  if (request.devel) args.push('--devel');
  if (request.releaseNameFlag) args.push('--release-name');
  if (request.dependencyUpdate) args.push('--dependency-update');
  args.push(...request.extraArgs);
  return args;
}

export interface HelmRun {
  /** Helm's standard output, as it arrives. */
  stdout: AsyncIterable<Uint8Array>;
  /** Settles when Helm has exited (never rejects). */
  done: Promise<HelmExit>;
  /** Ends Helm (Ctrl-C, or an error elsewhere). */
  kill(): void;
}

export interface HelmExit {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stderr: string;
  /** Set when Helm could not be started at all. */
  spawnError: string | null;
}

export interface HelmRunOptions {
  helm: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
}

export function runHelmTemplate(request: HelmTemplateRequest, options: HelmRunOptions): HelmRun {
  const child = execa(options.helm, helmTemplateArgs(request), {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    reject: false,
    timeout: options.timeoutSeconds * 1000,
    forceKillAfterDelay: 2000,
    stripFinalNewline: false,
  });
  // Helm is stopped with the tool: a SIGINT or SIGTERM to hostns-check ends it too.
  const untrack = trackChild(() => child.kill('SIGKILL'));
  const done = child.finally(untrack).then(
    (result) => ({
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut: result.timedOut,
      stderr: String(result.stderr ?? ''),
      spawnError: result.failed && result.exitCode === undefined && !result.timedOut && !result.isTerminated ? String(result.shortMessage) : null,
    }),
    (error: Error) => ({ exitCode: null, signal: null, timedOut: false, stderr: '', spawnError: error.message }),
  );
  return { stdout: child.stdout as AsyncIterable<Uint8Array>, done, kill: () => child.kill() };
}
