// Turns a failed `helm template` into one sentence that says what happened and what to do,
// keeping Helm's own message (which names the template file and line) intact.
import type { DependencyUpdateExit, HelmExit, HelmStepExit } from './helmTemplate.js';

export interface RenderFailure {
  message: string;
  /** The template file and line Helm blamed, when it named one. */
  file: string | null;
  line: number | null;
}

/** Helm's `Error: ...` text, without debug noise; the last lines when there is no Error line. */
export function helmErrorText(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && !/^Use --debug flag to render out invalid YAML$/.test(l));
  const start = lines.findIndex((l) => l.startsWith('Error: '));
  const chosen = start >= 0 ? lines.slice(start) : lines.slice(-5);
  return chosen.join('\n').replace(/^Error: /, '').trim();
}

/** `execution error at (chart/templates/x.yaml:7:8)`, `template: chart/templates/x.yaml:7:8:`, `parse error at (x.tpl:3)`. */
export function blamedTemplate(text: string): { file: string; line: number } | null {
  const patterns = [
    /\(([^()\s:]+):(\d+)(?::\d+)?\)/,
    /template: ([^\s:]+):(\d+)(?::\d+)?:/,
    /YAML parse error on ([^\s:]+): .*?line (\d+)/,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return { file: match[1]!, line: Number(match[2]) }; // every pattern has both groups
  }
  return null;
}

/**
 * A failed `helm dependency update` in the scratch copy: what was fetched from where, and Helm's
 * own message (which names the repository it could not reach).
 */
export function describeDependencyFailure(exit: DependencyUpdateExit, chart: string, repositories: string[], timeoutSeconds: number): RenderFailure {
  const from = repositories.length > 0 ? ` from ${repositories.join(', ')}` : '';
  const what = `could not fetch the dependencies of ${chart}${from} (helm dependency update, for --dependency-update)`;
  if (exit.spawnError) return { message: `could not run Helm: ${exit.spawnError}`, file: null, line: null };
  if (exit.timedOut) return { message: `${what}: it did not finish within ${timeoutSeconds} seconds and was stopped`, file: null, line: null };
  // Helm names the repository it could not reach in its progress lines, then fails with a
  // message about its cache: the first is the cause.
  const unreachable = [...exit.progress.matchAll(/Unable to get an update from the ("[^"\n]*") chart repository:[ \t]*\n?[ \t]*([^\n]*)/g)].map(
    (match) => `${match[1]} is unreachable: ${match[2]!.trim()}`,
  );
  const helmSays = [...unreachable, helmErrorText(exit.stderr)].filter(Boolean).join('; then: ');
  const how = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitCode}`;
  return { message: `${what}: ${how}${helmSays ? `: ${helmSays}` : ''}`, file: null, line: null };
}

/** What Helm says when it cannot locate a chart: no such path, repository, chart or version. */
const CHART_NOT_FOUND = /path "[^"]*" not found|failed to download|no such file or directory|not a valid chart repository|chart "[^"]*" not found|non-absolute URLs should be in form|repo \S+ not found/i;

function chartNotFound(chart: string, helmSays: string): RenderFailure {
  return {
    message: `chart ${chart} could not be found: give a chart folder, a .tgz, repo/name, --repo URL with a chart name, or an oci:// reference. Helm said: ${helmSays}`,
    file: null,
    line: null,
  };
}

/** A failed `helm pull` of a remote chart (fetched before the render, so findings map to its lines). */
export function describePullFailure(exit: HelmStepExit, chart: string, timeoutSeconds: number): RenderFailure {
  if (exit.spawnError) return { message: `could not run Helm: ${exit.spawnError}`, file: null, line: null };
  const what = `could not fetch chart ${chart} (helm pull)`;
  if (exit.timedOut) return { message: `${what}: it did not finish within ${timeoutSeconds} seconds and was stopped; raise --timeout or check the repository`, file: null, line: null };
  const helmSays = helmErrorText(exit.stderr);
  if (!exit.signal && CHART_NOT_FOUND.test(helmSays)) return chartNotFound(chart, helmSays);
  const how = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitCode}`;
  return { message: `${what}: ${how}${helmSays ? `: ${helmSays}` : ''}`, file: null, line: null };
}

export function describeHelmFailure(exit: HelmExit, chart: string, timeoutSeconds: number): RenderFailure {
  if (exit.spawnError) {
    return { message: `could not run Helm: ${exit.spawnError}`, file: null, line: null };
  }
  if (exit.timedOut) {
    return {
      message: `helm template did not finish within ${timeoutSeconds} seconds and was stopped; raise --timeout or find what makes the chart slow to render`,
      file: null,
      line: null,
    };
  }
  const helmSays = helmErrorText(exit.stderr);
  if (exit.signal) {
    return { message: `helm template was killed by ${exit.signal}${helmSays ? `: ${helmSays}` : ''}`, file: null, line: null };
  }
  const missing = /missing in charts\/ directory: ([^\n]+)/.exec(helmSays);
  if (missing) {
    const names = missing[1]!.trim();
    return {
      message:
        `chart dependencies are missing from ${chart}/charts/: ${names}. ` +
        `Run \`helm dependency build ${chart}\` to fetch them, or pass --dependency-update to render with them ` +
        `fetched into a temporary copy (your chart is never written to). Helm said: ${helmSays}`,
      file: null,
      line: null,
    };
  }
  const unopened = /open ([^\n]+?): no such file or directory/.exec(helmSays);
  if (unopened && !unopened[1]!.includes(chart.replace(/\/+$/, ''))) {
    return {
      message: `Helm could not open ${unopened[1]}: no such file. Check the files given with -f/--values and --set-file. Helm said: ${helmSays}`,
      file: null,
      line: null,
    };
  }
  if (CHART_NOT_FOUND.test(helmSays)) return chartNotFound(chart, helmSays);
  const blamed = blamedTemplate(helmSays);
  return {
    message: `helm template failed (exit ${exit.exitCode}): ${helmSays || 'no message on standard error'}`,
    file: blamed?.file ?? null,
    line: blamed?.line ?? null,
  };
}
