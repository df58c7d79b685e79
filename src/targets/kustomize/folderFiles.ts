// Files that build metadata names (origin and transformer annotations, the patch files and chart
// folders a kustomization lists) are data from the input, not paths to anywhere: they are read
// only inside the folders the user named, only when they are regular files, and only up to a size.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** The largest file read for source lines: far above any kustomization, patch or manifest a person edits. */
export const MAX_SOURCE_FILE_BYTES = 8 * 1024 * 1024;

/** Why a named file was not read; `outside` says nothing about whether it exists. */
export class RefusedFile extends Error {}

/** The folders files may be read from, both as written and as real paths (a symlinked $TMPDIR, say). */
export interface AllowedFolders {
  /** Absolute folders, lexical. */
  lexical: string[];
  /** Their real paths (those that exist). */
  real: string[];
}

export function allowedFolders(folders: string[]): AllowedFolders {
  const lexical = [...new Set(folders.map((folder) => path.resolve(folder)))];
  const real: string[] = [];
  for (const folder of lexical) {
    try {
      real.push(realpathSync(folder));
    } catch {
      // a folder that does not exist holds nothing to read
    }
  }
  return { lexical, real };
}

export function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const OUTSIDE = 'it is not inside the folder that was named';

/**
 * The real path of a file or folder, when it (and whatever its links lead to) stays inside the
 * allowed folders; throws RefusedFile otherwise. A path outside is refused before the file system
 * is asked anything about it, so a missing file and an outside one look the same.
 */
export function insidePath(absolute: string, allowed: AllowedFolders): string {
  const resolved = path.resolve(absolute);
  if (!allowed.lexical.some((folder) => isInside(folder, resolved)) && !allowed.real.some((folder) => isInside(folder, resolved))) {
    throw new RefusedFile(OUTSIDE);
  }
  const real = realpathSync(resolved);
  if (!allowed.real.some((folder) => isInside(folder, real))) throw new RefusedFile(OUTSIDE);
  return real;
}

/**
 * A regular file's text, read inside the allowed folders: FIFOs, devices and sockets are refused
 * without blocking (the file is opened non-blocking and checked on the open descriptor, so it
 * cannot be swapped in between), and so is a file larger than the cap.
 */
export function readFileInside(absolute: string, allowed: AllowedFolders, maxBytes = MAX_SOURCE_FILE_BYTES): string {
  const real = insidePath(absolute, allowed);
  const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new RefusedFile('it is not a regular file');
    if (stat.size > maxBytes) throw new RefusedFile(`it is larger than ${maxBytes / (1024 * 1024)} MiB`);
    // Read to the end, never past the cap (a file that grows while it is read).
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new RefusedFile(`it is larger than ${maxBytes / (1024 * 1024)} MiB`);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
