#!/usr/bin/env node
// The `hostns-check` command: a plain Node script, so npm's command shims work on every platform
// (`npm link`, `npm install -g`, npx). bin/run.js loads the built CLI.
'use strict';
const { run } = require('./run.js');

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
