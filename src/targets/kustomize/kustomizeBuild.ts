// Builds a Kustomize overlay without touching it: a wrapper kustomization in a scratch folder
// lists the overlay as its one resource and asks for build metadata (origin and transformer
// annotations), and Kustomize's output is handed over as a stream, as for `helm template`. A
// second wrapper asks for nothing more than the overlay does: Kustomize's build metadata costs
// resources x transformers x (transformations so far) (after every transformer, each resource's
// transformations annotation is parsed and written again), so the plain build gives the verdict
// and the one with metadata runs only for the provenance of findings, within a budget.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KustomizeStyle, LocatedKustomize } from '../../process/toolLookup.js';
import type { HelmExit, HelmRun } from '../helm/helmTemplate.js';
import { writeHelmRelay } from './helmRelay.js';
import { makeScratchDir } from '../../process/scratch.js';
import { runRenderer } from '../../process/renderProcess.js';

/** What the user asked Kustomize to build; each flag keeps Kustomize's meaning. */
export interface KustomizeRequest {
  /** The overlay folder as the user wrote it. */
  dir: string;
  enableHelm: boolean;
  helmCommand?: string;
  loadRestrictor?: string;
  enableAlphaPlugins: boolean;
  /** Everything after `--`, verbatim. */
  extraArgs: string[];
}

/** A Kustomize run has the same shape as a Helm run: a stream, an exit, a way to stop it. */
export type KustomizeRun = HelmRun;
export type KustomizeExit = HelmExit;

/** The annotations the wrapper asks for, which must not reach anything the user sees. */
export const BUILD_METADATA = ['originAnnotations', 'transformerAnnotations'] as const;

export type BuildMetadataOption = (typeof BUILD_METADATA)[number];

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The buildMetadata options the wrapper adds that the overlay does not ask for itself: their
 * annotations are taken out of the output; those the overlay asks for stay, as in its own build.
 */
export function addedBuildMetadata(overlayDir: string): BuildMetadataOption[] {
  const own = new Set<string>();
  for (const name of KUSTOMIZATION_FILES) {
    let text: string;
    try {
      text = readFileSync(path.join(overlayDir, name), 'utf8');
    } catch {
      continue;
    }
    try {
      const parsed = parseYaml(text) as { buildMetadata?: unknown } | null;
      if (Array.isArray(parsed?.buildMetadata)) parsed.buildMetadata.forEach((option) => own.add(String(option)));
    } catch {
      // Kustomize itself reports a kustomization that does not parse
    }
    break;
  }
  return BUILD_METADATA.filter((option) => !own.has(option));
}

/**
 * The wrapper's kustomization.yaml. `resources:` must be relative: Kustomize rejects absolute paths
 * there. A wrapper's buildMetadata replaces the overlay's own (Kustomize hands it down), so the
 * plain wrapper repeats the options the overlay asks for itself.
 */
export function wrapperKustomization(relativeDir: string, options: readonly BuildMetadataOption[] = BUILD_METADATA): string {
  return [
    '# Written by hostns-check: builds the overlay below, with origin annotations when listed; removed after the run.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${JSON.stringify(relativeDir)}`,
    ...(options.length > 0 ? [`buildMetadata: [${options.join(', ')}]`] : []),
    '',
  ].join('\n');
}

/** The argument array for `kustomize build` or `kubectl kustomize`; pure, so every flag's path is testable. */
export function kustomizeBuildArgs(style: KustomizeStyle, dir: string, request: KustomizeRequest, helmCommand?: string): string[] {
  const args = style === 'kubectl' ? ['kustomize', dir] : ['build', dir];
  if (request.enableHelm) args.push('--enable-helm');
  const helm = helmCommand ?? request.helmCommand;
  if (helm !== undefined) args.push('--helm-command', helm);
  if (request.loadRestrictor !== undefined) args.push('--load-restrictor', request.loadRestrictor);
  if (request.enableAlphaPlugins) args.push('--enable-alpha-plugins');
  args.push(...request.extraArgs);
  return args;
}

/** The scratch folder of one build. */
export interface KustomizeWorkspace {
  /** The wrapper's folder (real path): origin paths in the output are relative to it. */
  root: string;
  /** The plain wrapper's folder: the overlay's own build, for the verdict. */
  plainRoot: string;
  /** The overlay's real path. */
  overlay: string;
  /** The child's $TMPDIR, so what Kustomize and Helm leave behind goes when the workspace does. */
  tmpDir: string;
  /** The Helm relay Kustomize runs, when there is one. */
  helmRelay: string | null;
  /** Where the relay keeps Helm's renders. */
  rendersDir: string;
  remove(): void;
}

/**
 * Makes the wrapper for an overlay folder (absolute). `realHelm` is set when `helmCharts` may be
 * inflated: the relay in front of it is what Kustomize will run.
 */
export function prepareWorkspace(overlayDir: string, realHelm: string | null): KustomizeWorkspace {
  const scratch = makeScratchDir('hostns-check-kustomize-');
  try {
    // Real paths on both sides, so a symlinked $TMPDIR (macOS /tmp) cannot break the relative path.
    const base = realpathSync(scratch.path);
    const root = path.join(base, 'wrapper');
    const plainRoot = path.join(base, 'plain');
    const tmpDir = path.join(base, 'tmp');
    const rendersDir = path.join(base, 'helm-renders');
    const relayDir = path.join(base, 'helm-relay');
    for (const dir of [root, plainRoot, tmpDir, rendersDir, relayDir]) mkdirSync(dir);
    const overlay = realpathSync(overlayDir);
    const relative = path.relative(root, overlay).split(path.sep).join('/');
    writeFileSync(path.join(root, 'kustomization.yaml'), wrapperKustomization(relative));
    const added = addedBuildMetadata(overlay);
    const own = BUILD_METADATA.filter((option) => !added.includes(option));
    writeFileSync(path.join(plainRoot, 'kustomization.yaml'), wrapperKustomization(path.relative(plainRoot, overlay).split(path.sep).join('/'), own));
    const helmRelay = realHelm ? writeHelmRelay(relayDir, realHelm, rendersDir) : null;
    return { root, plainRoot, overlay, tmpDir, helmRelay, rendersDir, remove: () => scratch.remove() };
  } catch (error) {
    scratch.remove();
    throw error;
  }
}

export interface KustomizeRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  tmpDir: string;
}

/** Starts the build, with Kustomize's own temporary folders inside the scratch folder. */
export function runKustomize(kustomize: LocatedKustomize, args: string[], options: KustomizeRunOptions): KustomizeRun {
  const env = { ...options.env, TMPDIR: options.tmpDir, TMP: options.tmpDir, TEMP: options.tmpDir };
  return runRenderer(kustomize.path, args, { cwd: options.cwd, env, timeoutSeconds: options.timeoutSeconds });
}
