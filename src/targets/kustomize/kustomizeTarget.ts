// A Kustomize overlay as a target: built through a wrapper that adds origin annotations, those
// annotations taken out of the stream again, each document checked as it arrives and mapped to
// the base, overlay, patch or component line that wrote it.
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../manifests/parseManifest.js';
import { splitDocuments } from '../../manifests/splitDocuments.js';
import { stripAnnotations, type TakenAnnotations } from '../../manifests/stripAnnotations.js';
import { noSource } from '../../pipeline/sourceMapping.js';
import type { LocatedKustomize } from '../../process/toolLookup.js';
import { TargetFailure, type TargetKind } from '../targetKind.js';
import { readHelmRenders } from './helmRelay.js';
import { KUSTOMIZATION_FILES, addedBuildMetadata, kustomizeBuildArgs, prepareWorkspace, runKustomize, type KustomizeRequest } from './kustomizeBuild.js';
import { describeKustomizeFailure } from './kustomizeFailure.js';
import { ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION } from './originAnnotations.js';
import { kustomizeSource, type HelmDocument } from './kustomizeSource.js';

export interface KustomizeSpec {
  request: KustomizeRequest;
  kustomize: LocatedKustomize;
  /** The Helm that `helmCharts` run with, behind the relay; null when charts are not inflated. */
  helm: string | null;
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

/** The overlay folder, or TargetFailure when it is not one. */
function overlayFolder(dir: string, cwd: string): string {
  const overlay = path.resolve(cwd, dir);
  if (!statSync(overlay, { throwIfNoEntry: false })?.isDirectory()) {
    throw new TargetFailure(`${dir} is not a folder: give the folder that holds kustomization.yaml`, dir);
  }
  if (!KUSTOMIZATION_FILES.some((file) => statSync(path.join(overlay, file), { throwIfNoEntry: false })?.isFile())) {
    throw new TargetFailure(`${dir} has no kustomization.yaml, kustomization.yml or Kustomization`, dir);
  }
  return overlay;
}

export const kustomizeKind: TargetKind<KustomizeSpec> = {
  type: 'kustomize',
  pathOf: (spec) => spec.request.dir,
  documents: 'built document(s)',
  async open(spec, context) {
    const { request } = spec;
    const overlay = overlayFolder(request.dir, context.cwd);
    const workspace = prepareWorkspace(overlay, spec.helm);
    const helmCommand = workspace.helmRelay ?? request.helmCommand;
    const args = kustomizeBuildArgs(spec.kustomize.style, workspace.root, request, helmCommand);
    const command = spec.kustomize.style === 'kubectl' ? 'kubectl kustomize' : 'kustomize build';
    context.debug?.(`running ${spec.kustomize.path} ${args.map((a) => JSON.stringify(a)).join(' ')}`);
    const run = runKustomize(spec.kustomize, args, { cwd: context.cwd, env: context.env, timeoutSeconds: context.timeoutSeconds, tmpDir: workspace.tmpDir });
    let ended = false;
    const done = run.done.then((exit) => {
      ended = true;
      return exit;
    });

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
      cwd: context.cwd,
      annotationsOf: (query) => taken.get(query.document.index),
      helmDocuments: () => helmDocuments,
      fallback: noSource,
      debug: context.debug,
    });
    return {
      inputs: [{ chunks: stream, file: request.dir, sourceOf }],
      async finish() {
        const exit = await done;
        if (exit.exitCode === 0 && !exit.signal && !exit.timedOut) {
          if (exit.stderr.trim()) context.warn(exit.stderr);
          return {};
        }
        const message = describeKustomizeFailure(exit, workspace.overlay, command, context.timeoutSeconds);
        return { failure: { file: request.dir, line: null, message } };
      },
      async cleanup() {
        if (!ended) run.kill();
        await done;
        workspace.remove();
      },
    };
  },
};
