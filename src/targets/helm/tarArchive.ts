// A small tar reader (ustar, GNU 'L' and pax 'x' long names; other special records skipped):
// enough to read Helm chart archives (and the tool packages fetched for tests) without a dependency.

const TAR_BLOCK = 512;

export class TarFormatError extends Error {}

export interface TarEntry {
  name: string;
  /** A view into the archive. */
  data: Buffer;
}

function readString(header: Buffer, offset: number, length: number): string {
  const field = header.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readNumber(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length);
  if (field[0]! & 0x80) {
    // GNU base-256 encoding for sizes beyond the octal field's range.
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+/g, ' ').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function verifyChecksum(header: Buffer, headerOffset: number): void {
  const stored = readNumber(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  if (sum !== stored) throw new TarFormatError(`corrupt tar header at offset ${headerOffset}`);
}

/** Pax records are "<length> <key>=<value>\n"; only `path` matters here. */
function paxPath(data: Buffer): string | null {
  let offset = 0;
  let found: string | null = null;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const recordLength = parseInt(data.subarray(offset, space).toString('latin1'), 10);
    if (!(recordLength > 0)) break;
    const record = data.subarray(space + 1, offset + recordLength - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (record.slice(0, equals) === 'path') found = record.slice(equals + 1);
    offset += recordLength;
  }
  return found;
}

/** The regular files of an (uncompressed) tar archive, in archive order. */
export function* tarEntries(tar: Buffer): Generator<TarEntry> {
  let offset = 0;
  let pendingLongName: string | null = null;
  while (offset + TAR_BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + TAR_BLOCK);
    if (header.every((byte) => byte === 0)) return; // end-of-archive marker
    verifyChecksum(header, offset);
    const typeFlag = String.fromCharCode(header[156] || 0x30); // NUL is an old-style regular file
    const size = readNumber(header, 124, 12);
    const dataStart = offset + TAR_BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    if (data.length !== size) throw new TarFormatError('truncated tar archive');
    offset = dataStart + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    if (typeFlag === 'L') {
      pendingLongName = readString(data, 0, data.length);
      continue;
    }
    if (typeFlag === 'x') {
      pendingLongName = paxPath(data) ?? pendingLongName;
      continue;
    }
    if (typeFlag === 'g' || typeFlag === 'K') continue; // global pax header, GNU long link name
    const prefix = readString(header, 345, 155);
    const shortName = readString(header, 0, 100);
    const name = pendingLongName ?? (prefix ? `${prefix}/${shortName}` : shortName);
    pendingLongName = null;
    if (typeFlag === '0' || typeFlag === '7') yield { name, data };
  }
}
