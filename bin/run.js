// Loads the built CLI; a missing build is a clear exit 2, never a stack trace.
/** Runs the CLI with these arguments; `io` replaces parts of the process's own streams. */
export async function run(args, io = {}) {
  let main;
  try {
    ({ main } = await import('../dist/src/cli/bundle.mjs'));
  } catch (error) {
    const where = new URL('..', import.meta.url).pathname;
    process.stderr.write(
      `hostns-check: the tool is not built (${error.code ?? error.message}); run \`npm ci && npm run build\` in ${where}\n`,
    );
    return 2;
  }
  return main(args, { cwd: process.cwd(), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, ...io });
}
