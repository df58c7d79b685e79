import { readFileSync } from 'node:fs';

/** The package's version, read once from package.json beside the compiled code. */
export function toolVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
