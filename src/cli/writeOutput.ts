// `--output FILE`: the report is written whole or not at all. It goes to a temporary file in the
// same folder (so the rename stays on one file system, where it is atomic) and is renamed over
// the target; on any failure the temporary file is removed and the old file, if any, is intact.
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

export function writeReportFile(file: string, text: string, cwd: string): void {
  let absolute = path.resolve(cwd, file);
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
