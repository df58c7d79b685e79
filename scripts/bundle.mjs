// Bundles the CLI into one file beside the compiled sources (dist/src/cli/bundle.mjs), so start-up
// reads one module instead of a few hundred. Paths the code resolves from its own location
// (package.json, .tools/, the Kustomize Helm relay) are at the same depth from there.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/src/cli/bundle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require(): give the ES module bundle one.
  banner: { js: "import { createRequire as __hostnsRequire } from 'node:module'; const require = __hostnsRequire(import.meta.url);" },
});
