#!/usr/bin/env node
// `hostns-check gate` as one executable: what Helm 3's `--post-renderer PATH` runs, and what the
// Helm 4 post-renderer plugin (plugins/hostns-check-gate) starts. Arguments are the gate's flags.
'use strict';
const { run } = require('./run.js');

run(['gate', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
