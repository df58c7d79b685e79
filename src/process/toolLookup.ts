// Finds the Helm, kubectl or Kustomize binary to run. Pure apart from the default `isExecutable` check,
// so the search order can be unit-tested with an injected environment.

import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './packageFiles.js';

/** The folder under `.tools/` that `npm run tools` fills and that serves as the last resort. */
export const BUNDLED_TOOLSET = 'helm-4.1.4';

/** Where a binary was found, in search order. */
export type ToolSource = 'flag' | 'env' | 'path' | 'tools';

export interface LocatedTool {
  /** Absolute path of the executable. */
  path: string;
  source: ToolSource;
}

export interface LocateToolOptions {
  /** Value of the `--helm` / `--kubectl` flag. An explicit flag must work: there is no fallback. */
  flag?: string;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths; defaults to `process.cwd()`. */
  cwd?: string;
  /** The project's `.tools/` folder; defaults to the one beside `dist/`. */
  toolsDir?: string;
  /** Defaults to a real file-system check (regular file with an execute bit). */
  isExecutable?: (file: string) => boolean;
  /** Defaults to `process.platform`; decides PATH separators and Windows extensions. */
  platform?: NodeJS.Platform;
}

interface ToolSpec {
  /** File name looked up on PATH and inside `.tools/<toolset>/`. */
  command: string;
  /** How people write the tool's name in prose. */
  displayName: string;
  flagName: string;
  envVar: string;
  /** Whether `npm run tools` puts a copy in `.tools/` (Kustomize has none of its own there). */
  bundled: boolean;
}

const HELM: ToolSpec = { command: 'helm', displayName: 'Helm', flagName: '--helm', envVar: 'HELM_BIN', bundled: true };
const KUBECTL: ToolSpec = { command: 'kubectl', displayName: 'kubectl', flagName: '--kubectl', envVar: 'KUBECTL_BIN', bundled: true };
const KUSTOMIZE: ToolSpec = { command: 'kustomize', displayName: 'Kustomize', flagName: '--kustomize', envVar: 'KUSTOMIZE_BIN', bundled: false };

/** Thrown when no usable binary is found; the message lists every place tried and the fixes. */
export class ToolNotFoundError extends Error {
  /** One readable phrase per place tried, in search order. */
  readonly tried: readonly string[];

  constructor(message: string, tried: readonly string[]) {
    super(message);
    this.name = new.target.name;
    this.tried = tried;
  }
}

export class HelmNotFoundError extends ToolNotFoundError {}
export class KubectlNotFoundError extends ToolNotFoundError {}
export class KustomizeNotFoundError extends ToolNotFoundError {}

/** How a Kustomize binary is asked to build: `kustomize build DIR` or `kubectl kustomize DIR`. */
export type KustomizeStyle = 'kustomize' | 'kubectl';

export interface LocatedKustomize extends LocatedTool {
  style: KustomizeStyle;
}

/**
 * Resolves Helm from, in order: the `--helm` flag, `$HELM_BIN` (Helm sets it for plugins),
 * `helm` on PATH, then `.tools/helm-4.1.4/helm`. Throws HelmNotFoundError when none is usable.
 */
export function locateHelm(options: LocateToolOptions = {}): LocatedTool {
  return locateTool(HELM, options, HelmNotFoundError);
}

/** Same order as locateHelm, with `--kubectl`, `$KUBECTL_BIN`, `kubectl` on PATH, `.tools/helm-4.1.4/kubectl`. */
export function locateKubectl(options: LocateToolOptions = {}): LocatedTool {
  return locateTool(KUBECTL, options, KubectlNotFoundError);
}

/**
 * Resolves Kustomize from, in order: the `--kustomize` flag, `$KUSTOMIZE_BIN`, `kustomize` on
 * PATH, then kubectl as locateKubectl finds it (`kubectl kustomize` embeds Kustomize). A flag or
 * variable naming a kubectl binary is run as `kubectl kustomize`, anything else as `kustomize build`.
 */
export function locateKustomize(options: LocateToolOptions = {}): LocatedKustomize {
  const styled = (found: LocatedTool): LocatedKustomize => ({ ...found, style: kustomizeStyle(found.path) });
  let own: ToolNotFoundError;
  try {
    return styled(locateTool(KUSTOMIZE, options, KustomizeNotFoundError));
  } catch (error) {
    // An explicit --kustomize that does not work is reported as such, never replaced by kubectl.
    if (!(error instanceof ToolNotFoundError) || (options.flag !== undefined && options.flag !== '')) throw error;
    own = error;
  }
  try {
    return { ...locateKubectl({ ...options, flag: undefined }), style: 'kubectl' };
  } catch (error) {
    if (!(error instanceof ToolNotFoundError)) throw error;
    const tried = [...own.tried, ...error.tried.slice(1)];
    throw new KustomizeNotFoundError(
      `Could not find Kustomize or kubectl: ${joinPhrases(tried)}. Install either one, pass --kustomize <path>, ` +
        'or run `npm run tools` in the hostns-check checkout to fetch the pinned kubectl.',
      tried,
    );
  }
}

/** `kubectl`, `kubectl.exe`, `kubectl-1.33` are kubectl; every other name is a kustomize binary. */
export function kustomizeStyle(file: string): KustomizeStyle {
  return /^kubectl(?:[-_.]|$)/i.test(path.basename(file).replace(/\.exe$/i, '')) ? 'kubectl' : 'kustomize';
}

/** `<package root>/.tools`, where `npm run tools` puts the pinned binaries. */
export function defaultToolsDir(): string {
  return path.join(packageRoot(), '.tools');
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    // Windows has no execute bit; existence is what counts there.
    if (process.platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function locateTool(
  spec: ToolSpec,
  options: LocateToolOptions,
  NotFoundError: new (message: string, tried: readonly string[]) => ToolNotFoundError,
): LocatedTool {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const platform = options.platform ?? process.platform;
  const isExecutable = options.isExecutable ?? isExecutableFile;
  const pathModule = platform === 'win32' ? path.win32 : path.posix;
  const lookup: Lookup = { env, cwd, platform, isExecutable, pathModule };
  const fixes =
    `Install ${spec.displayName}, pass ${spec.flagName} <path>, ` +
    'or run `npm run tools` in the hostns-check checkout to fetch the pinned binaries.';

  // An explicit flag is a deliberate choice: silently using another binary would hide the mistake.
  if (options.flag !== undefined && options.flag !== '') {
    const found = resolveCommand(options.flag, lookup);
    if (found) return { path: found, source: 'flag' };
    const tried = [`${spec.flagName} ${options.flag}`];
    throw new NotFoundError(
      `Could not run ${spec.displayName}: ${spec.flagName} ${options.flag} is not an executable file ` +
        `(relative paths are resolved against ${cwd}, bare names on PATH). ${fixes}`,
      tried,
    );
  }
  const tried = [`no ${spec.flagName} flag was given`];

  const envValue = readEnv(env, spec.envVar, platform);
  if (envValue) {
    const found = resolveCommand(envValue, lookup);
    if (found) return { path: found, source: 'env' };
    tried.push(`$${spec.envVar} (${envValue}) is not an executable file`);
  } else {
    tried.push(`$${spec.envVar} is not set`);
  }

  const onPath = searchPath(spec.command, lookup);
  if (onPath) return { path: onPath, source: 'path' };
  tried.push(`there is no ${spec.command} on PATH`);

  if (spec.bundled) {
    const bundled = pathModule.join(options.toolsDir ?? defaultToolsDir(), BUNDLED_TOOLSET, spec.command);
    if (isExecutable(bundled)) return { path: bundled, source: 'tools' };
    tried.push(`${bundled} is missing`);
  }

  throw new NotFoundError(`Could not find ${spec.displayName}: ${joinPhrases(tried)}. ${fixes}`, tried);
}

interface Lookup {
  env: NodeJS.ProcessEnv;
  cwd: string;
  platform: NodeJS.Platform;
  isExecutable: (file: string) => boolean;
  pathModule: path.PlatformPath;
}

/** A value with a directory part is a path (relative to cwd); a bare name is looked up on PATH. */
function resolveCommand(value: string, lookup: Lookup): string | null {
  const hasDirectory = lookup.platform === 'win32' ? /[\\/]/.test(value) : value.includes('/');
  if (!hasDirectory) return searchPath(value, lookup);
  const file = lookup.pathModule.resolve(lookup.cwd, value);
  return firstExecutable(withWindowsExtensions(file, lookup), lookup);
}

function searchPath(command: string, lookup: Lookup): string | null {
  const searchDirs = (readEnv(lookup.env, 'PATH', lookup.platform) ?? '')
    .split(lookup.pathModule.delimiter)
    // Empty or relative entries depend on the current directory; never pick up ./helm that way.
    .filter((dir) => dir !== '' && lookup.pathModule.isAbsolute(dir));
  for (const dir of searchDirs) {
    const found = firstExecutable(withWindowsExtensions(lookup.pathModule.join(dir, command), lookup), lookup);
    if (found) return found;
  }
  return null;
}

function firstExecutable(candidates: string[], lookup: Lookup): string | null {
  return candidates.find((candidate) => lookup.isExecutable(candidate)) ?? null;
}

function withWindowsExtensions(file: string, lookup: Lookup): string[] {
  if (lookup.platform !== 'win32' || lookup.pathModule.extname(file) !== '') return [file];
  const extensions = (readEnv(lookup.env, 'PATHEXT', lookup.platform) ?? '.EXE;.CMD;.BAT;.COM').split(';');
  return [file, ...extensions.filter(Boolean).map((extension) => file + extension.toLowerCase())];
}

/** Environment names are case-insensitive on Windows (`Path`). */
function readEnv(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name] || undefined;
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === name);
  return (key && env[key]) || undefined;
}

function joinPhrases(phrases: readonly string[]): string {
  if (phrases.length <= 1) return phrases.join('');
  return `${phrases.slice(0, -1).join(', ')}, and ${phrases[phrases.length - 1]}`;
}
