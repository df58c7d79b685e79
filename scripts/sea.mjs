// Builds the standalone executable: one file with Node inside (Node's single executable
// applications), so a CI image or the Helm plugin needs no Node install. Linux x64 is the
// supported target; the executable is built for the platform of the Node that runs this script.
//
//   npm run build && node scripts/sea.mjs [--out FILE]      (default dist/sea/hostns-check-<os>-<arch>)
//
// Steps: esbuild bundles scripts/sea-entry.mjs with the compiled CLI into one CommonJS file (the
// version a build-time constant: there is no package.json beside the executable); Node writes the
// preparation blob (`--experimental-sea-config`, with a code cache); the blob is injected into a
// copy of this Node binary with the `postject` package. The executable is also the Kustomize
// Helm relay (see sea-entry.mjs). There is no `.tools/` fallback: give --helm, $HELM_BIN or helm
// on PATH.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inject } from 'postject';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The sentinel Node's own binary carries for single executable applications. */
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const at = process.argv.indexOf('--out');
const out = path.resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1] : path.join(ROOT, 'dist/sea', `hostns-check-${process.platform}-${process.arch}`));
if (!existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) {
  console.error('sea: dist/src/cli/main.js is missing; run `npm run build` first');
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const work = path.join(path.dirname(out), `.${path.basename(out)}.work`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  const main = path.join(work, 'main.cjs');
  await build({
    entryPoints: [path.join(ROOT, 'scripts/sea-entry.mjs')],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    // Inside the executable `require` loads built-in modules only, and there is no file of its own.
    banner: { js: 'const __hostnsSeaUrl = require("node:url").pathToFileURL(process.execPath).href;' },
    define: { 'import.meta.url': '__hostnsSeaUrl', __HOSTNS_STANDALONE_VERSION__: JSON.stringify(version) },
  });
  const config = path.join(work, 'sea-config.json');
  const blob = path.join(work, 'sea-prep.blob');
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(out, { force: true });
  copyFileSync(process.execPath, out);
  chmodSync(out, 0o755);
  await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
  console.log(`sea: ${path.relative(process.cwd(), out) || out} (hostns-check ${version}, Node ${process.version})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
