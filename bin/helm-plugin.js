#!/usr/bin/env node
// Entry point for `helm hostns-check ...`: without a subcommand the arguments are a chart to render.
'use strict';
const { run } = require('./run.js');

const SUBCOMMANDS = new Set(['scan', 'helm', 'kustomize', 'krm', 'run', 'help']);
const args = process.argv.slice(2);
const first = args[0];
const routed = first !== undefined && (SUBCOMMANDS.has(first) || first === '--version' || first === '-V') ? args : ['helm', ...args];

run(routed).then((code) => {
  process.exitCode = code;
});
