// Runs `helm template` as a child process (argument array, never a shell) and hands its
// standard output over as a stream, so documents are checked while Helm is still writing.
import { runRenderer, type RenderExit, type RenderRun } from '../../process/renderProcess.js';

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

const VALUE_FLAGS: Record<string, keyof Pick<HelmTemplateRequest, 'values' | 'set' | 'setString' | 'setFile' | 'setJson' | 'setLiteral'>> = {
  '-f': 'values',
  '--values': 'values',
  '--set': 'set',
  '--set-string': 'setString',
  '--set-file': 'setFile',
  '--set-json': 'setJson',
  '--set-literal': 'setLiteral',
};

/**
 * Values flags given after `--` belong with the others: the values mapping and introducedBy must
 * see them. Their order within each flag is kept, after the flags given before `--`.
 */
export function withValueFlagsFromExtraArgs(request: HelmTemplateRequest): HelmTemplateRequest {
  const result: HelmTemplateRequest = { ...request, values: [...request.values], set: [...request.set], setString: [...request.setString], setFile: [...request.setFile], setJson: [...request.setJson], setLiteral: [...request.setLiteral], extraArgs: [] };
  const args = request.extraArgs;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const field = VALUE_FLAGS[name];
    if (field && name !== arg) {
      result[field].push(arg.slice(equals + 1));
    } else if (field && i + 1 < args.length) {
      result[field].push(args[++i]!);
    } else if (/^-f./.test(arg)) {
      result.values.push(arg.slice(2));
    } else {
      result.extraArgs.push(arg);
    }
  }
  return result;
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

/** A Helm run: its output as a stream, its exit, a way to stop it (see renderProcess.ts). */
export type HelmRun = RenderRun;
export type HelmExit = RenderExit;

export interface HelmRunOptions {
  helm: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
}

export function runHelmTemplate(request: HelmTemplateRequest, options: HelmRunOptions): HelmRun {
  return runRenderer(options.helm, helmTemplateArgs(request), options);
}

/**
 * Flags after `--` that say where and how to fetch a chart (credentials, TLS, Helm's repository
 * and registry files): `helm pull` needs them as `helm template` would have. The values say
 * whether each takes an argument.
 */
const PULL_FLAGS: Record<string, boolean> = {
  '--ca-file': true,
  '--cert-file': true,
  '--key-file': true,
  '--keyring': true,
  '--username': true,
  '--password': true,
  '--registry-config': true,
  '--repository-cache': true,
  '--repository-config': true,
  '--content-cache': true,
  '--insecure-skip-tls-verify': false,
  '--pass-credentials': false,
  '--plain-http': false,
  '--verify': false,
  '--debug': false,
};

/** The fetching flags among the arguments after `--`, in their order, each with its argument. */
export function pullFlagsOf(extraArgs: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < extraArgs.length; i++) {
    const arg = extraArgs[i]!;
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const takesValue = PULL_FLAGS[name];
    if (takesValue === undefined) continue;
    kept.push(arg);
    if (takesValue && name === arg && i + 1 < extraArgs.length) kept.push(extraArgs[++i]!);
  }
  return kept;
}

/**
 * `helm pull` of the chart `helm template` would fetch, as a .tgz into `destination`: the same
 * chart reference, --version, --repo and --devel, and the fetching flags given after `--`.
 */
export function helmPullArgs(request: HelmTemplateRequest, destination: string): string[] {
  const args = ['pull', request.chart, '--destination', destination];
  if (request.version !== undefined) args.push('--version', request.version);
  if (request.repo !== undefined) args.push('--repo', request.repo);
  if (request.devel) args.push('--devel');
  args.push(...pullFlagsOf(request.extraArgs));
  return args;
}

/** A Helm step before the render, with the end of what it printed on standard output. */
export interface HelmStepExit extends HelmExit {
  /** The last 64 KiB of its progress lines: where Helm says which repository it could not reach. */
  progress: string;
}

/** `helm dependency update`'s exit. */
export type DependencyUpdateExit = HelmStepExit;

const PROGRESS_KEPT = 64 * 1024;

/**
 * A Helm step before the render (`helm dependency update`, `helm pull`): its progress lines
 * ("Hang tight while we grab...", "Pulled: ...") go to standard output, which is kept apart here
 * (only its end, for a failure message) so they never reach the manifest parser.
 */
async function runHelmStep(args: string[], options: HelmRunOptions): Promise<HelmStepExit> {
  const run = runRenderer(options.helm, args, options);
  const decoder = new TextDecoder();
  let progress = '';
  try {
    for await (const chunk of run.stdout) {
      progress = (progress + decoder.decode(chunk, { stream: true })).slice(-PROGRESS_KEPT);
    }
  } catch {
    // a broken pipe: the exit says what happened
  }
  return { ...(await run.done), progress };
}

/** `helm dependency update CHART`, a step of its own before the render. */
export function runHelmDependencyUpdate(chart: string, options: HelmRunOptions): Promise<DependencyUpdateExit> {
  return runHelmStep(['dependency', 'update', chart], options);
}

/** `helm pull` of a remote chart into `destination`, bounded by the same --timeout as the render. */
export function runHelmPull(request: HelmTemplateRequest, destination: string, options: HelmRunOptions): Promise<HelmStepExit> {
  return runHelmStep(helmPullArgs(request, destination), options);
}
