// What a kind of target (Helm chart, Kustomize overlay, plain manifests) gives the driver: how to
// open one (start its renderer), the rendered text with a source mapper, and how its renderer's
// exit becomes errors and warnings. A new kind of target is one new folder that implements this.
import type { Problem, StreamOutcome } from '../pipeline/outcome.js';
import type { SourceMapper } from '../pipeline/sourceMapping.js';
import type { RuleConfig, TargetType } from '../types.js';

/** Rendered text to check, with where its findings point. */
export interface RenderedInput {
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  /** File named in errors and warnings (null for a stream without one). */
  file: string | null;
  sourceOf: SourceMapper;
  /** An annotation the renderer wrote on every document naming its template (see StreamContext). */
  templateAnnotation?: string;
}

/** How a target's render ended. */
export interface TargetEnd {
  /** The render (or reading the input) failed: this is the target's error. */
  failure?: Problem;
  errors?: Problem[];
  warnings?: Problem[];
}

/** A target whose renderer is running (or whose input is open). */
export interface OpenedTarget {
  /** The rendered text: one input, or one per file (a folder of manifests). */
  inputs: AsyncIterable<RenderedInput> | Iterable<RenderedInput>;
  /** The chart as the user named it, which configuration exemptions may name. */
  chart?: string;
  /** Files and folders the target reads (absolute; a folder stands for everything below it), which --output must not replace. */
  reads?: string[];
  /** After every input is read: the renderer's exit as errors and warnings; may add facts to findings. */
  finish(outcome: StreamOutcome): Promise<TargetEnd>;
  /** Stops whatever still runs and removes scratch files: called once, on every path. */
  cleanup(): Promise<void> | void;
}

/** What every target needs from the command that checks it. */
export interface TargetContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  /** May still be loading: a renderer starts without waiting for it. */
  config: RuleConfig | Promise<RuleConfig>;
  /** Where a renderer's own warnings go (shown to the user, never a failure). */
  warn(text: string): void;
  /** Says what runs and why a source mapping fell back (--debug, HELM_DEBUG). */
  debug?: (text: string) => void;
  /** False with --no-verify: Helm lines are the template walk's inference, not proven by a render. */
  verify?: boolean;
}

export interface TargetKind<Spec> {
  type: TargetType;
  /** The target as the user named it: a chart, a folder, a file or glob, `-`. */
  pathOf(spec: Spec): string;
  /** What could not be read, in the target's error: "rendered document(s)". */
  documents: string;
  /** Opens the target; throws TargetFailure when it cannot even start. */
  open(spec: Spec, context: TargetContext): Promise<OpenedTarget>;
}

/** A target that cannot be checked at all (no such folder, no files): its error, with a file. */
export class TargetFailure extends Error {
  constructor(
    message: string,
    readonly file: string | null,
  ) {
    super(message);
  }
}
