// One Kustomize target: build the overlay through a wrapper that adds origin annotations, take
// those annotations out of the stream again, and check each document as it arrives.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { LocatedKustomize } from '../render/helmBinary.js';
import {
  KUSTOMIZATION_FILES,
  addedBuildMetadata,
  kustomizeBuildArgs,
  prepareWorkspace,
  runKustomize,
  type KustomizeRequest,
} from '../render/kustomizeBuild.js';
import { describeKustomizeFailure } from '../render/kustomizeFailure.js';
import { readHelmRenders } from '../render/kustomizeHelm.js';
import { parseManifest } from '../manifests/parseManifest.js';
import { splitDocuments } from '../manifests/splitDocuments.js';
import { stripAnnotations, type TakenAnnotations } from '../manifests/stripAnnotations.js';
import { ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION } from '../sources/kustomizeOrigins.js';
import { kustomizeSource, type HelmDocument } from '../sources/kustomizeSource.js';
import type { RuleConfig, TargetResult } from '../types.js';
import { checkStream, emptyOutcome, type TargetRun } from './checkStream.js';

export interface KustomizeTargetOptions {
  kustomize: LocatedKustomize;
  /** The Helm that `helmCharts` run with, behind the relay; null when charts are not inflated. */
  helm: string | null;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  config: RuleConfig;
  /** Where Kustomize's own warnings go (shown to the user, never a failure). */
  warn: (text: string) => void;
  /** Shows the command line before it runs (--debug). */
  debug?: (text: string) => void;
}

const ANNOTATION_OF = { originAnnotations: ORIGIN_ANNOTATION, transformerAnnotations: TRANSFORMATIONS_ANNOTATION };

/** Helm's renders, parsed: they are complete before Kustomize writes its first byte. */
async function loadHelmDocuments(rendersDir: string): Promise<HelmDocument[]> {
  const documents: HelmDocument[] = [];
  for (const render of readHelmRenders(rendersDir)) {
    for await (const raw of splitDocuments([render.text])) {
      for (const manifest of parseManifest(raw).manifests) {
        if (manifest.value && typeof manifest.value === 'object') documents.push({ raw, manifest, chartDir: render.chartDir });
      }
    }
  }
  return documents;
}

export async function checkKustomize(request: KustomizeRequest, options: KustomizeTargetOptions): Promise<TargetRun> {
  const name = request.dir;
  const target: TargetResult = { type: 'kustomize', path: name, ok: true, error: null };
  const outcome = emptyOutcome();
  const fail = (message: string): TargetRun => {
    target.ok = false;
    target.error = message;
    outcome.errors.push({ target: name, file: name, line: null, message });
    return { target, outcome };
  };

  const overlay = path.resolve(options.cwd, request.dir);
  let isFolder = false;
  try {
    isFolder = statSync(overlay).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) return fail(`${request.dir} is not a folder: give the folder that holds kustomization.yaml`);
  if (!KUSTOMIZATION_FILES.some((file) => statSync(path.join(overlay, file), { throwIfNoEntry: false })?.isFile())) {
    return fail(`${request.dir} has no kustomization.yaml, kustomization.yml or Kustomization`);
  }

  const workspace = prepareWorkspace(overlay, options.helm);
  try {
    const helmCommand = workspace.helmRelay ?? request.helmCommand;
    const args = kustomizeBuildArgs(options.kustomize.style, workspace.root, request, helmCommand);
    const command = options.kustomize.style === 'kubectl' ? 'kubectl kustomize' : 'kustomize build';
    options.debug?.(`running ${options.kustomize.path} ${args.map((a) => JSON.stringify(a)).join(' ')}`);
    const run = runKustomize(options.kustomize, args, { cwd: options.cwd, env: options.env, timeoutSeconds: options.timeoutSeconds, tmpDir: workspace.tmpDir });

    const taken = new Map<number, TakenAnnotations>();
    let helmDocuments: HelmDocument[] = [];
    async function* afterHelm(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      let first = true;
      for await (const chunk of chunks) {
        if (first && workspace.helmRelay) helmDocuments = await loadHelmDocuments(workspace.rendersDir);
        first = false;
        yield chunk;
      }
    }
    const added = addedBuildMetadata(overlay).map((option) => ANNOTATION_OF[option]);
    const stream = stripAnnotations(afterHelm(run.stdout), added, (index, annotations) => taken.set(index, annotations));
    const sourceOf = kustomizeSource({
      root: workspace.root,
      cwd: options.cwd,
      annotationsOf: (query) => taken.get(query.document.index),
      helmDocuments: () => helmDocuments,
      fallback: () => ({ source: null }),
    });
    try {
      Object.assign(outcome, await checkStream(stream, { target: name, file: name, config: options.config, sourceOf }));
    } catch (error) {
      run.kill();
      throw error;
    } finally {
      const exit = await run.done;
      if (exit.exitCode === 0 && !exit.signal && !exit.timedOut) {
        if (exit.stderr.trim()) options.warn(exit.stderr);
      } else {
        const message = describeKustomizeFailure(exit, workspace.overlay, command, options.timeoutSeconds);
        target.ok = false;
        target.error = message;
        outcome.errors.push({ target: name, file: name, line: null, message });
      }
    }
  } finally {
    workspace.remove();
  }
  if (target.ok && outcome.errors.length > 0) {
    target.ok = false;
    target.error = `${outcome.errors.length} built document(s) could not be read`;
  }
  return { target, outcome };
}
