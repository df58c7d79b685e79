// The one place a target is checked: assigns its id, opens it through its kind, checks every
// rendered input, lets the kind turn its renderer's exit into errors, stamps the id on what it
// found, derives `ok`, and cleans up on every path. Nothing renames a finding afterwards.
import { checkStream } from '../pipeline/checkStream.js';
import { emptyOutcome, mergeOutcome, type Problem, type TargetRun } from '../pipeline/outcome.js';
import { safeSourceMapper } from '../pipeline/sourceMapping.js';
import { targetIdOf, type TargetResult } from '../types.js';
import { TargetFailure, type OpenedTarget, type TargetContext, type TargetKind } from './targetKind.js';

export async function checkTarget<Spec>(kind: TargetKind<Spec>, spec: Spec, context: TargetContext, name?: string): Promise<TargetRun> {
  const target: TargetResult = { type: kind.type, path: kind.pathOf(spec), ok: true, error: null, ...(name !== undefined ? { name } : {}) };
  const id = targetIdOf(target);
  const outcome = emptyOutcome();
  const stamp = (problem: Problem) => ({ target: id, file: problem.file, line: problem.line, message: problem.message });
  let failure: Problem | undefined;
  let opened: OpenedTarget | undefined;
  try {
    opened = await kind.open(spec, context);
    const config = await context.config;
    for await (const input of opened.inputs) {
      const sourceOf = safeSourceMapper(input.sourceOf, context.debug);
      const templateAnnotation = input.templateAnnotation !== undefined ? { templateAnnotation: input.templateAnnotation } : {};
      mergeOutcome(outcome, await checkStream(input.chunks, { target: id, file: input.file, config, sourceOf, chart: opened.chart, ...templateAnnotation }));
    }
    const end = await opened.finish(outcome);
    failure = end.failure;
    for (const warning of end.warnings ?? []) outcome.warnings.push(stamp(warning));
    for (const error of end.errors ?? []) outcome.errors.push(stamp(error));
  } catch (error) {
    if (!(error instanceof TargetFailure)) throw error;
    failure = { file: error.file, line: null, message: error.message };
  } finally {
    await opened?.cleanup();
  }
  if (failure) outcome.errors.push(stamp(failure));
  if (outcome.errors.length > 0) {
    target.ok = false;
    target.error = failure?.message ?? `${outcome.errors.length} ${kind.documents} could not be read`;
  }
  return { target, outcome, ...(opened?.reads ? { reads: opened.reads } : {}) };
}

/** The result of a target that failed before its kind could open it (no Helm on PATH, say). */
export function failedTarget(type: TargetResult['type'], path: string, message: string, where: { name?: string; file?: string } = {}): TargetRun {
  const { name, file = null } = where;
  const target: TargetResult = { type, path, ok: false, error: message, ...(name !== undefined ? { name } : {}) };
  const outcome = emptyOutcome();
  outcome.errors.push({ target: targetIdOf(target), file, line: null, message });
  return { target, outcome };
}
