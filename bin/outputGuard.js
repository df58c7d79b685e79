// What the npm command (bin/run.js) and the standalone executable (scripts/sea-entry.mjs) both put
// around the CLI's main: a reader that goes away early (`hostns-check ... | head`) makes the next
// write fail with EPIPE, which Node raises as an uncaught error with a stack trace. There is nobody
// left to tell: stop writing to it and keep the exit code the check earned. Any other write error
// is exit 2.
'use strict';

let failed = false;

/** Watches one of the process's output streams. */
function guardOutput(stream, name) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') return;
    if (stream !== process.stderr) process.stderr.write(`hostns-check: cannot write to ${name}: ${error.code ?? error.message}\n`);
    // Before the check ends, the caller turns the exit code into 2; after, it is changed here.
    failed = true;
    process.exitCode = 2;
  });
}

/** Whether a write to a guarded stream failed (not counting a reader gone early). */
function outputFailed() {
  return failed;
}

module.exports = { guardOutput, outputFailed };
