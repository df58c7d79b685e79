// Files of the installed package that the running code needs (package.json for the version, the
// .tools/ folder, the Kustomize Helm relay), found from the package root. The root is found by
// walking up from this code's own file to hostns-check's package.json, so neither the bundle
// (dist/src/cli/bundle.cjs) nor a compiled module depends on its depth in the folder tree.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'hostns-check';

/** Where the compiled relay entry point lives inside the package: the build writes it there. */
export const HELM_RELAY_ENTRY = 'dist/src/targets/kustomize/helmRelayMain.js';

let found: { root: string; version: string } | undefined;

/**
 * Set at build time by the standalone executable's build (scripts/sea.mjs), which has no package
 * folder around it: the version is this constant and the "root" is the executable's folder.
 */
declare const __HOSTNS_STANDALONE_VERSION__: string | undefined;

function readPackage(dir: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined; // no package.json here (or not JSON): keep walking up
  }
}

function locatePackage(): { root: string; version: string } {
  if (found) return found;
  if (typeof __HOSTNS_STANDALONE_VERSION__ === 'string') return (found = { root: path.dirname(process.execPath), version: __HOSTNS_STANDALONE_VERSION__ });
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = readPackage(dir);
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === 'string') return (found = { root: dir, version: manifest.version });
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`the ${PACKAGE_NAME} package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The folder that holds hostns-check's package.json. */
export function packageRoot(): string {
  return locatePackage().root;
}

/** The package's version, from its package.json. */
export function toolVersion(): string {
  return locatePackage().version;
}
