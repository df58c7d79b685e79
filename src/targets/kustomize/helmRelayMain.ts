// The process Kustomize starts as its Helm (see helmRelay.ts):
//   node helmRelayMain.js REAL_HELM RENDERS_DIR helm-args...
// Helm's standard error and exit code pass through untouched; standard output too, apart from
// the answer to the version probe.
import { spawn } from 'node:child_process';
import { chartDirOfTemplateArgs, isChartFolder, realHelmArgs, saveHelmRender, versionAnswer } from './helmRelay.js';

const [realHelm, rendersDir, ...args] = process.argv.slice(2);
if (realHelm === undefined || rendersDir === undefined) {
  process.stderr.write('usage: helmRelayMain.js REAL_HELM RENDERS_DIR helm-args...\n');
  process.exit(2);
}

const child = spawn(realHelm, realHelmArgs(args), { stdio: ['inherit', 'pipe', 'inherit'] });
const chunks: Buffer[] = [];
child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
child.on('error', (error) => {
  process.stderr.write(`could not run ${realHelm}: ${error.message}\n`);
  process.exitCode = 127;
});
child.on('close', (code, signal) => {
  const output = Buffer.concat(chunks);
  if (code === 0 && args[0] === 'version') {
    process.stdout.write(versionAnswer(output.toString('utf8')));
  } else {
    if (code === 0 && args[0] === 'template') {
      const sequence = `${process.hrtime.bigint().toString().padStart(20, '0')}-${process.pid}`;
      saveHelmRender(rendersDir, sequence, { chartDir: chartDirOfTemplateArgs(args, isChartFolder), text: output.toString('utf8') });
    }
    process.stdout.write(output);
  }
  process.exitCode = code ?? (signal ? 128 : 1);
});
