// The Helm 4 post-renderer plugin's command: starts the project's gate (bin/hostns-check-gate.js,
// two folders up from this file's real folder: a local install links the plugin folder, and Node
// resolves this file through the link). Without the project there, it fails closed: exit 2.
'use strict';
const path = require('node:path');

let gate;
try {
  gate = require.resolve(path.join(__dirname, '..', '..', 'bin', 'hostns-check-gate.js'));
} catch {
  process.stderr.write(`hostns-check-gate: the hostns-check project is not two folders above ${__dirname}; install the plugin from the project's plugins/hostns-check-gate folder\n`);
  process.exitCode = 2;
}
if (gate) require(gate);
