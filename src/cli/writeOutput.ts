// `--output FILE`: the report is written whole or not at all. It goes to a temporary file in the
// same folder (so the rename stays on one file system, where it is atomic) and is renamed over
// the target; on any failure the temporary file is removed and the old file, if any, is intact.
// A file the run read (a scanned manifest, a values file, the configuration, anything inside a
// chart or overlay folder) is never the report's file: inputs are not outputs.
import { randomBytes } from 'node:crypto';
import { realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The report could not be written: exit 2 with this message. */
export class OutputError extends Error {}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ENOSPC') return 'no space left on the device';
  return code ?? (error instanceof Error ? error.message : String(error));
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The real path a new or existing file would have: links and symlinked folders resolved. */
function realTarget(absolute: string): string {
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/**
 * The input the report's file would replace, or null. Files compare by device and inode (a hard
 * link is the same file) and by real path; a folder holds everything below it.
 */
export function inputAt(absolute: string, reads: string[]): string | null {
  const target = realTarget(absolute);
  const targetStat = statSync(target, { throwIfNoEntry: false });
  for (const read of reads) {
    const stat = statSync(read, { throwIfNoEntry: false });
    if (!stat) continue;
    const real = realTarget(read);
    if (stat.isDirectory() ? isInside(real, target) : real === target || (targetStat !== undefined && stat.dev === targetStat.dev && stat.ino === targetStat.ino)) {
      return read;
    }
  }
  return null;
}

/** Writes the report; `reads` are the files and folders the run read, which it must not replace. */
export function writeReportFile(file: string, text: string, cwd: string, reads: string[] = []): void {
  let absolute = path.resolve(cwd, file);
  const input = inputAt(absolute, reads);
  if (input !== null) {
    const shown = path.relative(cwd, input) || input;
    const what = statSync(input, { throwIfNoEntry: false })?.isDirectory() ? `inside ${shown}, which this run reads` : `${shown}, which this run reads`;
    throw new OutputError(`--output ${file} is ${what}: the report would replace an input; nothing was written, choose another file`);
  }
  try {
    // A link is written through (the file it points at is replaced), never replaced itself.
    absolute = realpathSync(absolute);
    if (!statSync(absolute).isFile()) {
      // /dev/stdout, /dev/null, a FIFO: written in place; a rename would replace the device.
      writeFileSync(absolute, text);
      return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new OutputError(`cannot write the report to ${file}: ${describe(error)}; nothing was written`);
    }
  }
  const temporary = path.join(path.dirname(absolute), `.${path.basename(absolute)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    renameSync(temporary, absolute);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new OutputError(`cannot write the report to ${file}: ${describe(error)}; nothing was written`);
  }
}
