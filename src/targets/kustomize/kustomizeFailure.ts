// Turns a failed build into one sentence with Kustomize's own message, as the user would get it
// from building the overlay directly: the wrapper's part of the message is taken out.
import type { KustomizeExit } from './kustomizeBuild.js';

/** Kustomize's message without `Error:`/`error:` and without the layer the wrapper adds in front. */
export function kustomizeErrorText(stderr: string, overlay: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !/^See '.*--help' for usage\.$/.test(line));
  let text = lines.join('\n').replace(/^(?:Error|error): /, '');
  // "accumulating resources: accumulation err='accumulating resources from '../../x': '/abs/x' must
  //  resolve to a file': recursed accumulation of path '/abs/x': <the overlay's own error>"
  const escaped = overlay.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const wrapperLayer = new RegExp(
    `^accumulating resources: accumulation err='accumulating resources from '[^']*': '${escaped}' must resolve to a file': ` +
      `(?:recursed accumulation of path '${escaped}': |couldn't make target for path '${escaped}': )?`,
    's',
  );
  text = text.replace(wrapperLayer, '');
  return text.trim();
}

/** A hint for failures whose cause is known and whose message does not say what to do. */
function hintFor(text: string): string {
  if (/unknown shorthand flag: 'c' in -c|requires helm V3 but got v[4-9]/.test(text)) {
    return 'This Kustomize only runs Helm 3 (it calls `helm version -c`); hostns-check bridges that on Linux and macOS, so here pass --helm-command with a Helm 3 binary.';
  }
  if (/must specify --enable-helm/.test(text)) return 'The overlay uses helmCharts: pass --enable-helm.';
  if (/unknown flag: --enable-exec/.test(text)) return 'kubectl kustomize has no --enable-exec: use the standalone kustomize binary (--kustomize PATH).';
  return '';
}

export function describeKustomizeFailure(exit: KustomizeExit, overlay: string, command: string, timeoutSeconds: number): string {
  if (exit.spawnError) return `could not run ${command}: ${exit.spawnError}`;
  if (exit.timedOut) {
    return `${command} did not finish within ${timeoutSeconds} seconds and was stopped; raise --timeout or find what makes the overlay slow to build`;
  }
  const says = kustomizeErrorText(exit.stderr, overlay);
  if (exit.signal) return `${command} was killed by ${exit.signal}${says ? `: ${says}` : ''}`;
  const hint = hintFor(says);
  const text = says || 'no message on standard error';
  return `${command} failed (exit ${exit.exitCode}): ${hint ? `${text.replace(/[.\s]*$/, '')}. ${hint}` : text}`;
}
