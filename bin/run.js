// Loads the built CLI; a missing build is a clear exit 2, never a stack trace.
//
// The CLI is one CommonJS file (dist/src/cli/bundle.cjs) compiled with V8's code cache
// (bundle.cache, written by the build for this Node): compiling a megabyte of JavaScript is most
// of what start-up costs, and Node 20 offers a code cache to vm.Script only, not to ES modules.
// The cache is used only when it was made from this very bundle (the build id on both); anything
// else, or a cache V8 rejects (another Node, other flags), means compiling from source as usual.
//
// The files of bin/ are CommonJS (bin/package.json): Node starts an ES module entry about 10 ms
// later than a CommonJS one, and this is on every run's path.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const v8 = require('node:v8');
const vm = require('node:vm');
const { guardOutput, outputFailed } = require('./outputGuard.js');

const BUNDLE = path.join(__dirname, '../dist/src/cli/bundle.cjs');
const CACHE = path.join(__dirname, '../dist/src/cli/bundle.cache');
/** The bundle's first line names its build; the cache starts with the same id and a newline. */
const BUILD_LINE = /^\/\/ hostns-check build ([0-9a-f]+)\n/;

/** The V8 data of a cache made from this build, or undefined. */
function cacheFor(id) {
  try {
    const cache = readFileSync(CACHE);
    const header = `${id}\n`;
    return cache.subarray(0, header.length).toString('latin1') === header ? cache.subarray(header.length) : undefined;
  } catch {
    return undefined; // no cache: compile from source
  }
}

/**
 * Compiles and runs the bundle; returns its exports and the compiled script (the build asks it
 * for cache data). Throws when there is no build.
 */
function loadBundle() {
  const file = BUNDLE;
  const source = readFileSync(file, 'utf8');
  const id = BUILD_LINE.exec(source)?.[1];
  const cachedData = id ? cacheFor(id) : undefined;
  // The module wrapper CommonJS would add, plus what the bundle uses for import.meta.url.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __hostnsModuleUrl) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file), pathToFileURL(file).href);
  return { exports: module.exports, script, id, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * A check is one cold pass over its input: most of a large render is read before TurboFan's
 * optimized code arrives. V8's default inlining budget, made for long-running programs, builds
 * large graphs that each take tens of milliseconds to compile on a small machine; a smaller one
 * gets optimized code sooner. Measured on a 5 MB render (2 CPUs): about 35 ms less wall time and
 * 80 ms less CPU; on a 50 MB stream, no slower. Set only once the bundle is loaded: V8 accepts
 * the code cache only under the flags it was made with, the defaults. (`node:v8` is loaded by
 * the bundle anyway, so requiring it here costs nothing.)
 */
function limitInlining() {
  try {
    v8.setFlagsFromString('--max-inlined-bytecode-size=60');
  } catch {
    // a Node that refuses the flag keeps V8's defaults
  }
}

/** Runs the CLI with these arguments; `io` replaces parts of the process's own streams. */
async function run(args, io = {}) {
  let main;
  try {
    ({ main } = loadBundle().exports);
  } catch (error) {
    const where = path.join(__dirname, '..');
    process.stderr.write(
      `hostns-check: the tool is not built (${error.code ?? error.message}); run \`npm ci && npm run build\` in ${where}\n`,
    );
    return 2;
  }
  limitInlining();
  if (!io.stdout) guardOutput(process.stdout, 'standard output');
  if (!io.stderr) guardOutput(process.stderr, 'standard error');
  const code = await main(args, { cwd: process.cwd(), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, ...io });
  return outputFailed() ? 2 : code;
}

module.exports = { loadBundle, run };
