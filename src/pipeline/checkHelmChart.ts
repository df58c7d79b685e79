// One Helm target: render with the user's values and check each document as it arrives.
import { copyChartForWriting } from '../render/chartCopy.js';
import { describeHelmFailure } from '../render/helmFailure.js';
import { runHelmTemplate, type HelmTemplateRequest } from '../render/helmTemplate.js';
import { helmSourceMapper } from '../sources/helmSource.js';
import type { UserValues } from '../sources/valuesOrigins.js';
import type { RuleConfig, TargetResult } from '../types.js';
import { checkStream, emptyOutcome, type TargetRun } from './checkStream.js';

export interface HelmTargetOptions {
  helm: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  config: RuleConfig;
  /** Where Helm's own warnings go (shown to the user, never a failure). */
  warn: (text: string) => void;
}

export async function checkHelmChart(request: HelmTemplateRequest, options: HelmTargetOptions): Promise<TargetRun> {
  const name = request.chart;
  const target: TargetResult = { type: 'helm', path: name, ok: true, error: null };
  const copy = request.dependencyUpdate ? copyChartForWriting(request.chart, options.cwd) : null;
  const effective = copy ? { ...request, chart: copy.chart } : request;
  const run = runHelmTemplate(effective, options);
  let outcome = emptyOutcome();
  try {
    const sourceOf = helmSourceMapper({ chart: request.chart, cwd: options.cwd, user: userValues(request) });
    outcome = await checkStream(run.stdout, { target: name, file: name, config: options.config, sourceOf });
  } catch (error) {
    run.kill();
    throw error;
  } finally {
    const exit = await run.done;
    copy?.remove();
    if (exit.exitCode === 0 && !exit.signal && !exit.timedOut) {
      if (exit.stderr.trim()) options.warn(exit.stderr);
    } else {
      const failure = describeHelmFailure(exit, request.chart, options.timeoutSeconds);
      target.ok = false;
      target.error = failure.message;
      outcome.errors.push({ target: name, file: failure.file, line: failure.line, message: failure.message });
    }
  }
  if (target.ok && outcome.errors.length > 0) {
    target.ok = false;
    target.error = `${outcome.errors.length} rendered document(s) could not be read`;
  }
  return { target, outcome };
}

/** The values the user gave, in the form the values mapping reads them. */
export function userValues(request: HelmTemplateRequest): UserValues {
  const sets = [
    ...request.setJson.map((text) => ({ flag: '--set-json', text })),
    ...request.set.map((text) => ({ flag: '--set', text })),
    ...request.setString.map((text) => ({ flag: '--set-string', text })),
    ...request.setFile.map((text) => ({ flag: '--set-file', text })),
    ...request.setLiteral.map((text) => ({ flag: '--set-literal', text })),
  ];
  return { files: request.values, sets };
}
