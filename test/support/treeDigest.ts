import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** A digest of every file under a folder: names, modes, bytes and (optionally) modification times. */
export function treeDigest(root: string, options: { mtimes?: boolean } = {}): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const info = statSync(full);
      hash.update(`${path.relative(root, full)}\0${info.mode}\0${options.mtimes ? info.mtimeMs : ''}\0`);
      if (info.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(root);
  return hash.digest('hex');
}
