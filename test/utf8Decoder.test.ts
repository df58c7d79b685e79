// The chunked decoder must read any byte stream, cut anywhere, exactly as one strict TextDecoder
// reads the whole: the same text, and an error for exactly the streams that are not UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StrictUtf8Decoder, endsOnCharacterBoundary } from '../src/manifests/utf8Decoder.js';

/** Each chunk's text, then the end's, as a decoder gives them; 'invalid at N' where it throws. */
function decodeEach(decoder: { decode(bytes: Uint8Array): string; end(): string }, chunks: Uint8Array[]): string[] {
  const texts: string[] = [];
  try {
    for (const chunk of chunks) texts.push(decoder.decode(chunk));
    texts.push(decoder.end());
  } catch {
    texts.push(`invalid at ${texts.length}`);
  }
  return texts;
}

/** The reference: one strict streaming TextDecoder, which keeps every U+FEFF it reads. */
function referenceDecoder() {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return { decode: (bytes: Uint8Array) => decoder.decode(bytes, { stream: true }), end: () => decoder.decode() };
}

test('endsOnCharacterBoundary: complete, cut and unknowable endings', () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  assert.equal(endsOnCharacterBoundary(bytes(0x61)), true);
  assert.equal(endsOnCharacterBoundary(bytes(0x61, 0xc3, 0xa9)), true, 'é complete');
  assert.equal(endsOnCharacterBoundary(bytes(0x61, 0xc3)), false, 'é cut after its lead byte');
  assert.equal(endsOnCharacterBoundary(bytes(0xf0, 0x9f, 0x98)), false, 'a four-byte character cut');
  assert.equal(endsOnCharacterBoundary(bytes(0xf0, 0x9f, 0x98, 0x80)), true);
  assert.equal(endsOnCharacterBoundary(bytes(0x98, 0x80)), false, 'continuation bytes alone: unknowable');
  assert.equal(endsOnCharacterBoundary(bytes()), false, 'an empty chunk says nothing');
});

test('any stream, cut anywhere into any number of chunks, decodes chunk for chunk as one strict TextDecoder does, failing at the same chunk', () => {
  const pieces = ['a', 'kind: Pod\n', 'é', '€', '😀', '\ufeff', ' ', '\n'].map((text) => new TextEncoder().encode(text));
  const invalid = [new Uint8Array([0xc3, 0x28]), new Uint8Array([0xff]), new Uint8Array([0xe2, 0x82]), new Uint8Array([0x80]), new Uint8Array([0xed, 0xa0, 0x80])];
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let invalidSeen = 0;
  for (let round = 0; round < 3000; round++) {
    const parts: Uint8Array[] = [];
    for (let i = random(40); i >= 0; i--) parts.push(random(30) === 0 ? invalid[random(invalid.length)]! : pieces[random(pieces.length)]!);
    const bytes = new Uint8Array(Buffer.concat(parts));
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = random(4) === 0 ? 0 : 1 + random(12); // empty chunks too
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    const expected = decodeEach(referenceDecoder(), chunks);
    if (expected[expected.length - 1]!.startsWith('invalid')) invalidSeen++;
    assert.deepEqual(decodeEach(new StrictUtf8Decoder(), chunks), expected, `round ${round}: ${Buffer.from(bytes).toString('hex')} in chunks of ${chunks.map((c) => c.length).join(',')}`);
  }
  assert.ok(invalidSeen > 100, `only ${invalidSeen} invalid streams were tried`);
});

test('a U+FEFF further on is content, even where the streaming decoder is first needed', () => {
  // The first chunk is decoded natively; the second starts with U+FEFF and ends inside "é", so it
  // is the TextDecoder's first: it must not take that U+FEFF for the stream's BOM.
  const chunks = [new Uint8Array([0x61]), new Uint8Array([0xef, 0xbb, 0xbf, 0x62, 0xc3]), new Uint8Array([0xa9])];
  assert.deepEqual(decodeEach(new StrictUtf8Decoder(), chunks), ['a', '\ufeffb', 'é', '']);
});

test('an incomplete character followed by a chunk valid on its own fails at that chunk, not at the end', () => {
  const chunks = [new Uint8Array([0x61, 0xe2, 0x82]), new Uint8Array([0x62, 0x63]), new Uint8Array([0x64])];
  assert.deepEqual(decodeEach(new StrictUtf8Decoder(), chunks), decodeEach(referenceDecoder(), chunks));
  assert.deepEqual(decodeEach(new StrictUtf8Decoder(), chunks), ['a', 'invalid at 1']);
});
