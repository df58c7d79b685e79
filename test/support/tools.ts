// Paths to the pinned Helm/kubectl binaries that `scripts/fetch-tools.mjs` puts under .tools/
// (npm test's pretest runs it), resolved from this file's compiled location: dist/test/support/.

import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/[\\/]$/, '');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

export const HELM3 = path.join(TOOLS_DIR, 'helm-3.17.2', 'helm');
export const KUBECTL_132 = path.join(TOOLS_DIR, 'helm-3.17.2', 'kubectl');
export const HELM4 = path.join(TOOLS_DIR, 'helm-4.1.4', 'helm');
export const KUBECTL_133 = path.join(TOOLS_DIR, 'helm-4.1.4', 'kubectl');

export interface HelmToolset {
  /** The .tools/ folder name, handy as a test-name suffix. */
  label: string;
  helm: string;
  kubectl: string;
}

/** Every pinned toolset, so tests can run the same case against Helm 3 and Helm 4 (a tuple: [0] and [1] always exist). */
export const HELM_VERSIONS: readonly [HelmToolset, HelmToolset] = [
  { label: 'helm-3.17.2', helm: HELM3, kubectl: KUBECTL_132 },
  { label: 'helm-4.1.4', helm: HELM4, kubectl: KUBECTL_133 },
];

/** Absolute path of the `shared` folder beside the project root, or null when there is none. */
export function sharedDir(): string | null {
  const candidate = path.resolve(PROJECT_ROOT, '..', 'shared');
  try {
    return statSync(candidate).isDirectory() ? candidate : null;
  } catch {
    return null;
  }
}
