#!/bin/sh
':' //; unset HOSTNS_CHECK_NODE_EXTRA_CA_CERTS; if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then HOSTNS_CHECK_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export HOSTNS_CHECK_NODE_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"
// The line above is both shell and JavaScript (a string, then a comment). Run as a program, the
// shell starts Node without NODE_EXTRA_CA_CERTS, and the CLI hands it back to Helm and Kustomize
// (src/render/launcherEnvironment.ts says why). `node bin/hostns-check.js` works too.
const { run } = require('./run.js');

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
