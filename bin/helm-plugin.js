#!/usr/bin/env node
// Entry point for `helm hostns-check ...`: without a subcommand the arguments are a chart to render.
import { main } from '../dist/src/cli/main.js';

const SUBCOMMANDS = new Set(['scan', 'helm', 'kustomize', 'krm', 'run', 'help']);
const args = process.argv.slice(2);
const first = args[0];
const routed = first !== undefined && (SUBCOMMANDS.has(first) || first === '--version' || first === '-V') ? args : ['helm', ...args];

process.exitCode = await main(routed, {
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
