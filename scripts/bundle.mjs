// Bundles the CLI into one CommonJS file beside the compiled sources (dist/src/cli/bundle.cjs),
// then has a fresh Node write V8's code cache for it (scripts/codeCache.mjs): bin/run.js loads
// the two together, so start-up neither reads a few hundred modules nor compiles a megabyte of
// JavaScript. Paths the code resolves from its own location (package.json, .tools/, the
// Kustomize Helm relay) are at the same depth from the bundle as from its compiled sources.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const outdir = 'dist/src/cli';
// A cache must never outlive its bundle: drop the previous build's output first.
for (const name of readdirSync(outdir)) if (/^(bundle\.(cjs|cache)|.*\.mjs)$/.test(name)) rmSync(path.join(outdir, name));

const result = await build({
  entryPoints: ['dist/src/cli/main.js'],
  write: false,
  outfile: path.join(outdir, 'bundle.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // bin/run.js passes the bundle's own file URL in under this name.
  define: { 'import.meta.url': '__hostnsModuleUrl' },
});
const code = result.outputFiles[0].text;
// The build id ties the cache to this exact text (V8 itself checks only the source's length).
const id = createHash('sha256').update(code).digest('hex').slice(0, 32);
writeFileSync(path.join(outdir, 'bundle.cjs'), `// hostns-check build ${id}\n${code}`);

const cache = spawnSync(process.execPath, ['scripts/codeCache.mjs'], { stdio: 'inherit' });
if (cache.status !== 0) {
  // The CLI works without a cache, only starts slower; the build still fails, so nobody ships that unknowingly.
  console.error('bundle: writing the code cache failed');
  process.exit(1);
}
