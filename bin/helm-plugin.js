#!/usr/bin/env node
// Entry point for `helm hostns-check ...`: without a subcommand the arguments are a chart to render.
// `--help`, `-h` and no arguments at all show the plugin's own usage with every subcommand.
'use strict';
const { run } = require('./run.js');

const SUBCOMMANDS = new Set(['scan', 'helm', 'kustomize', 'krm', 'run', 'help']);
const args = process.argv.slice(2);
const first = args[0];

const PLUGIN_USAGE = [
  'Usage: helm hostns-check [NAME] CHART [flags] [-- helm template args]',
  '       helm hostns-check <command> [args]',
  '',
  'Without a command, the arguments are a chart to render and check, as with the helm command:',
  '`helm hostns-check helm --help` lists its flags (-f, --set, --format, ...).',
].join('\n');

/** The program's own help (every subcommand), under the plugin's usage lines. */
async function usage(stream) {
  let help = '';
  const code = await run(['--help'], { stdout: { write: (text) => (help += text) } });
  if (code !== 0) return code;
  stream.write(`${PLUGIN_USAGE}\n${help.replace(/^Usage: .*\n/, '')}`);
  return 0;
}

async function main() {
  // No arguments is a mistake in a pipeline (never a pass): the usage, on standard error, exit 2.
  if (first === undefined) {
    await usage(process.stderr);
    return 2;
  }
  if (first === '--help' || first === '-h') return usage(process.stdout);
  const routed = SUBCOMMANDS.has(first) || first === '--version' || first === '-V' ? args : ['helm', ...args];
  return run(routed);
}

main().then((code) => {
  process.exitCode = code;
});
