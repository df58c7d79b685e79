// Reading a file a run was pointed at (a values file, a configuration file, a chart's own files)
// without letting it stall or flood the tool: only regular files (a FIFO, a device or a socket is
// refused before a byte is read, without blocking), and never more than a cap.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Why a file was not read; the message completes "<file> cannot be read: ...". */
export class RefusedFile extends Error {
  constructor(
    message: string,
    /** What was wrong: it could not be opened, it is not a regular file, it is above the cap. */
    readonly problem: 'open' | 'kind' | 'size',
    /** The errno code when the file system refused it (ENOENT, EACCES...). */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export function mebibytes(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'something other than a file';
}

/**
 * A regular file's bytes, at most `maxBytes` of them. The file is opened without blocking (a
 * FIFO with no writer would block an ordinary open) and judged on the open descriptor, so it
 * cannot be swapped for something else in between; a file that grows while it is read stops at
 * the cap too. Throws RefusedFile with the reason.
 */
export function readRegularFile(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? null;
    throw new RefusedFile(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `${code ?? String(error)}`, 'open', code);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new RefusedFile(`it is ${kindOf(stat)}, not a regular file`, 'kind');
    const tooLarge = () => new RefusedFile(`it is larger than ${mebibytes(maxBytes)}`, 'size');
    if (stat.size > maxBytes) throw tooLarge();
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return buffer.subarray(0, length);
      length += read;
    }
    // More than its size said: it grows while it is read. Read on, never past the cap.
    const parts = [buffer];
    const step = Buffer.alloc(64 * 1024);
    for (;;) {
      if (length > maxBytes) throw tooLarge();
      const read = readSync(fd, step, 0, step.length, null);
      if (read === 0) return Buffer.concat(parts);
      parts.push(Buffer.from(step.subarray(0, read)));
      length += read;
    }
  } finally {
    closeSync(fd);
  }
}
