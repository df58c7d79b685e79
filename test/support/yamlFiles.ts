import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every .yaml and .yml file under a folder, at any depth. */
export function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFilesUnder(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}
