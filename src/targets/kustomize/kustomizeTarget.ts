// A Kustomize overlay as a target: built plain for the verdict and, when that build has findings,
// again through a wrapper that adds origin annotations (within a budget: Kustomize's metadata is
// superlinear), those annotations taken out of the stream again, each document checked and
// mapped to the base, overlay, patch or component line that wrote it.
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../manifests/parseManifest.js';
import { splitDocuments } from '../../manifests/splitDocuments.js';
import { stripAnnotations, type TakenAnnotations } from '../../manifests/stripAnnotations.js';
import { checkStream } from '../../pipeline/checkStream.js';
import { noSource, type SourceMapper } from '../../pipeline/sourceMapping.js';
import type { LocatedKustomize } from '../../process/toolLookup.js';
import { targetId } from '../../types.js';
import { TargetFailure, type RenderedInput, type TargetKind } from '../targetKind.js';
import { clearHelmRenders, readHelmRenders } from './helmRelay.js';
import {
  KUSTOMIZATION_FILES,
  addedBuildMetadata,
  kustomizeBuildArgs,
  prepareWorkspace,
  runKustomize,
  type KustomizeExit,
  type KustomizeRequest,
  type KustomizeRun,
} from './kustomizeBuild.js';
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

/** `--load-restrictor LoadRestrictionsNone`, as a flag or after `--`. */
function loadsAnywhere(request: KustomizeRequest): boolean {
  const none = 'LoadRestrictionsNone';
  const args = request.extraArgs;
  return (
    request.loadRestrictor === none ||
    args.includes(`--load-restrictor=${none}`) ||
    args.some((arg, i) => arg === '--load-restrictor' && args[i + 1] === none)
  );
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

/** A finished build: its whole standard output (Kustomize writes it only at the end anyway). */
interface Build {
  chunks: Uint8Array[];
  exit: KustomizeExit;
  seconds: number;
}

function succeeded(exit: KustomizeExit): boolean {
  return exit.exitCode === 0 && !exit.signal && !exit.timedOut;
}

/** The shortest time the build with metadata is given, however fast the plain build was. */
export const PROVENANCE_MIN_SECONDS = 5;

/**
 * Seconds the build with metadata may take: as long as the plain build again, at least
 * PROVENANCE_MIN_SECONDS, never past --timeout. Past it, findings point at the overlay (inexact)
 * and the verdict, from the plain build, stands.
 */
export function provenanceBudget(plainSeconds: number, remainingSeconds: number): number {
  return Math.min(remainingSeconds, Math.max(PROVENANCE_MIN_SECONDS, plainSeconds));
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
    const command = spec.kustomize.style === 'kubectl' ? 'kubectl kustomize' : 'kustomize build';
    const started = Date.now();
    const runs = new Set<{ run: KustomizeRun; ended: boolean; done: Promise<KustomizeExit> }>();

    /** Runs one build to its end, keeping all of its output. */
    async function build(root: string, timeoutSeconds: number): Promise<Build> {
      const args = kustomizeBuildArgs(spec.kustomize.style, root, request, helmCommand);
      context.debug?.(`running ${spec.kustomize.path} ${args.map((a) => JSON.stringify(a)).join(' ')}`);
      const begun = Date.now();
      const run = runKustomize(spec.kustomize, args, { cwd: context.cwd, env: context.env, timeoutSeconds, tmpDir: workspace.tmpDir });
      const entry = { run, ended: false, done: run.done };
      runs.add(entry);
      const chunks: Uint8Array[] = [];
      for await (const chunk of run.stdout) chunks.push(chunk);
      const exit = await run.done;
      entry.ended = true;
      return { chunks, exit, seconds: (Date.now() - begun) / 1000 };
    }

    const added = addedBuildMetadata(overlay).map((option) => ANNOTATION_OF[option]);
    const taken = new Map<number, TakenAnnotations>();
    let helmDocuments: HelmDocument[] = [];
    const mapper = (fallback: SourceMapper) =>
      kustomizeSource({
        root: workspace.root,
        // The overlay and the working directory (the project, with the overlay's bases); an
        // annotation the overlay writes itself cannot lead anywhere else, unless the user lifted
        // Kustomize's own restriction to the overlay (then Kustomize may read any file too).
        allowed: loadsAnywhere(request) ? [path.parse(workspace.root).root] : [workspace.root, workspace.overlay, context.cwd],
        cwd: context.cwd,
        annotationsOf: (query) => taken.get(query.document.index),
        helmDocuments: () => helmDocuments,
        fallback,
        debug: context.debug,
      });
    let failed: KustomizeExit | null = null;
    let warnings = '';

    /** Whether the plain build has anything a source line would be shown for. */
    async function hasFindings(chunks: Uint8Array[]): Promise<boolean> {
      const outcome = await checkStream(chunks, { target: targetId(request.dir), file: request.dir, config: await context.config, sourceOf: noSource, suppressions: false });
      return outcome.findings.length > 0;
    }

    async function* inputs(): AsyncGenerator<RenderedInput> {
      const plain = await build(workspace.plainRoot, context.timeoutSeconds);
      if (!succeeded(plain.exit)) {
        failed = plain.exit;
        return;
      }
      warnings = plain.exit.stderr;
      if (workspace.helmRelay) helmDocuments = await loadHelmDocuments(workspace.rendersDir);
      // The overlay's own build already carries both annotations, or nothing needs a source line.
      if (added.length === 0 || !(await hasFindings(plain.chunks))) {
        yield { chunks: plain.chunks, file: request.dir, sourceOf: mapper(noSource) };
        return;
      }
      const remaining = context.timeoutSeconds - (Date.now() - started) / 1000;
      const budget = provenanceBudget(plain.seconds, remaining);
      if (workspace.helmRelay) clearHelmRenders(workspace.rendersDir);
      const withMetadata = budget > 0 ? await build(workspace.root, budget) : null;
      if (withMetadata && succeeded(withMetadata.exit)) {
        if (workspace.helmRelay) helmDocuments = await loadHelmDocuments(workspace.rendersDir);
        const chunks = withMetadata.chunks;
        async function* built() {
          yield* chunks;
        }
        const stream = stripAnnotations(built(), added, (index, annotations) => taken.set(index, annotations));
        yield { chunks: stream, file: request.dir, sourceOf: mapper(noSource) };
        return;
      }
      const why = withMetadata?.exit.timedOut
        ? `Kustomize's build metadata (which file and patch wrote each resource) did not finish within ${Math.round(budget)} s for this overlay (its cost grows with resources times patches)`
        : "Kustomize's build with build metadata failed";
      context.debug?.(`${why}; findings point at the overlay`);
      const reason = `${why}; the finding points at the overlay, not at the line that sets the value`;
      const atOverlay: SourceMapper = () => ({ source: { file: request.dir, line: 1, exact: false, reason } });
      yield { chunks: plain.chunks, file: request.dir, sourceOf: mapper(atOverlay) };
    }

    return {
      inputs: inputs(),
      reads: [overlay],
      async finish() {
        if (!failed) {
          if (warnings.trim()) context.warn(warnings);
          return {};
        }
        const message = describeKustomizeFailure(failed, workspace.overlay, command, context.timeoutSeconds);
        return { failure: { file: request.dir, line: null, message } };
      },
      async cleanup() {
        for (const entry of runs) {
          if (!entry.ended) entry.run.kill();
          await entry.done;
        }
        workspace.remove();
      },
    };
  },
};
