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

/** `helm dependency update`'s exit, with the end of what it printed on standard output. */
export interface DependencyUpdateExit extends HelmExit {
  /** The last 64 KiB of its progress lines: where Helm says which repository it could not reach. */
  progress: string;
}

const PROGRESS_KEPT = 64 * 1024;

/**
 * `helm dependency update CHART`, a step of its own before the render: its progress lines
 * ("Hang tight while we grab...", "Saving 1 charts") go to standard output, which is kept apart
 * here (only its end, for a failure message) so they never reach the manifest parser.
 */
export async function runHelmDependencyUpdate(chart: string, options: HelmRunOptions): Promise<DependencyUpdateExit> {
  const run = runRenderer(options.helm, ['dependency', 'update', chart], options);
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
