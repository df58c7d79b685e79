// Bundles the CLI beside the compiled sources (dist/src/cli/bundle.mjs plus the chunks it loads
// with import()), so start-up reads a few files instead of a few hundred, and only the wiring and
// the renderers before Helm starts. Paths the code resolves from its own location (package.json,
// .tools/, the Kustomize Helm relay) are at the same depth from every chunk: all sit in one folder.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const outdir = 'dist/src/cli';
// Chunk names carry a hash: drop the previous build's so none is left stale.
for (const name of readdirSync(outdir)) if (name.endsWith('.mjs')) rmSync(path.join(outdir, name));

await build({
  entryPoints: { bundle: 'dist/src/cli/main.js' },
  outdir,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require(): give every ES module file one.
  banner: { js: "import { createRequire as __hostnsRequire } from 'node:module'; const require = __hostnsRequire(import.meta.url);" },
});
