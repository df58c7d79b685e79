// Strict UTF-8 decoding of a byte stream, chunk by chunk. Most chunks are valid UTF-8 on their
// own and end on a character boundary: Node's native routines check and convert those about
// twice as fast as TextDecoder. A chunk that ends inside a character, or follows one that did,
// goes through a streaming TextDecoder, which carries the split character over.
import { isUtf8 } from 'node:buffer';

export class StrictUtf8Decoder {
  // ignoreBOM keeps a U+FEFF in the text: the stream's own BOM is the caller's to drop, and one
  // further on is content (a decoder first used mid-stream would otherwise drop it).
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The TextDecoder may hold the first bytes of a character that the next chunk completes. */
  private decoderHolds = false;

  /** The text of the next chunk; throws a TypeError at invalid UTF-8, as TextDecoder does. */
  decode(bytes: Uint8Array): string {
    const whole = endsOnCharacterBoundary(bytes);
    if (!this.decoderHolds && whole && isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const text = this.decoder.decode(bytes, { stream: true });
    this.decoderHolds = !whole;
    return text;
  }

  /** What is left at the end of the stream; throws when the stream stops inside a character. */
  end(): string {
    this.decoderHolds = false;
    return this.decoder.decode();
  }
}

/**
 * Whether the last character of `bytes` is complete. False when unsure (an empty chunk, or no
 * lead byte among the last four): the streaming decoder then takes over, which is always right.
 */
export function endsOnCharacterBoundary(bytes: Uint8Array): boolean {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte
    const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + length <= n;
  }
  return false;
}
