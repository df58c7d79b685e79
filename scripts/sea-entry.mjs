// The standalone executable's main script (bundled by scripts/sea.mjs into one CommonJS file that
// Node's single executable application support runs): the CLI's main with what bin/run.js adds
// around it (a reader gone early is not an error; a failed write to standard output is exit 2).
//
// The same executable is the Kustomize Helm relay: the relay script that `kustomize --enable-helm`
// runs as its Helm starts `<node> <package root>/dist/src/targets/kustomize/helmRelayMain.js ...`,
// and here <node> is this executable and no such file exists. Called with exactly that path as
// its first argument, it runs the relay (bundled in) instead of the CLI.
import path from 'node:path';
import { main } from '../dist/src/cli/main.js';
import { HELM_RELAY_ENTRY, packageRoot } from '../dist/src/process/packageFiles.js';
import outputGuard from '../bin/outputGuard.js';

const { guardOutput, outputFailed } = outputGuard;

if (process.argv[2] === path.join(packageRoot(), HELM_RELAY_ENTRY)) {
  // The relay reads process.argv.slice(2): REAL_HELM RENDERS_DIR helm-args...
  process.argv.splice(2, 1);
  void import('../dist/src/targets/kustomize/helmRelayMain.js');
} else {
  guardOutput(process.stdout, 'standard output');
  guardOutput(process.stderr, 'standard error');
  // No top-level await: the bundle is CommonJS.
  void main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = outputFailed() ? 2 : code;
  });
}
