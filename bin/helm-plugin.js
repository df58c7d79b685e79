#!/bin/sh
':' //; unset HOSTNS_CHECK_NODE_EXTRA_CA_CERTS; if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then HOSTNS_CHECK_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export HOSTNS_CHECK_NODE_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"
// Entry point for `helm hostns-check ...`: without a subcommand the arguments are a chart to render.
// The line above starts Node without NODE_EXTRA_CA_CERTS; see hostns-check.js for why.
const { run } = require('./run.js');

const SUBCOMMANDS = new Set(['scan', 'helm', 'kustomize', 'krm', 'run', 'help']);
const args = process.argv.slice(2);
const first = args[0];
const routed = first !== undefined && (SUBCOMMANDS.has(first) || first === '--version' || first === '-V') ? args : ['helm', ...args];

run(routed).then((code) => {
  process.exitCode = code;
});
