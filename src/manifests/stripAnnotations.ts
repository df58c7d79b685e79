// Takes chosen annotations out of each document of a stream, line by line, and hands their values
// over by document index. The stream that comes out is what the producer would have written
// without them, so positions reported on it match the user's own build.
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Pair } from 'yaml';
import { splitDocuments } from './splitDocuments.js';

export type TakenAnnotations = Record<string, string>;

/** Removes `keys` from one document's `metadata.annotations` (block style); returns the text and what was taken. */
export function stripDocumentAnnotations(text: string, keys: ReadonlySet<string>): { text: string; taken: TakenAnnotations } {
  const taken: TakenAnnotations = {};
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return { text, taken };
  const metadata = doc.contents.get('metadata', true);
  if (!isMap(metadata) || metadata.flow) return { text, taken };
  const annotationsPair = metadata.items.find((pair) => isScalar(pair.key) && pair.key.value === 'annotations');
  const annotations = annotationsPair?.value;
  if (!annotationsPair || !isMap(annotations) || annotations.flow) return { text, taken };

  const lines = text.split('\n');
  const drop = new Set<number>(); // 0-based line numbers
  const lineOf = (offset: number) => lineCounter.linePos(offset).line - 1;
  const dropPair = (pair: Pair, next: Pair | undefined, end: number) => {
    const key = pair.key as { range?: [number, number, number] } | null;
    if (!key?.range) return false;
    const first = lineOf(key.range[0]);
    const nextKey = next?.key as { range?: [number, number, number] } | null | undefined;
    // A value runs until the next key starts, or to the end of the map.
    const last = nextKey?.range ? lineOf(nextKey.range[0]) - 1 : lineOf(Math.max(end - 1, key.range[0]));
    for (let line = first; line <= last; line++) drop.add(line);
    return true;
  };

  const items = annotations.items;
  const mapEnd = annotations.range?.[1] ?? text.length;
  let kept = 0;
  items.forEach((pair, i) => {
    const name = isScalar(pair.key) ? String(pair.key.value) : null;
    if (name !== null && keys.has(name) && isScalar(pair.value) && typeof pair.value.value === 'string') {
      if (dropPair(pair, items[i + 1], mapEnd)) {
        taken[name] = pair.value.value;
        return;
      }
    }
    kept++;
  });
  if (Object.keys(taken).length === 0) return { text, taken };
  if (kept === 0 && isPair(annotationsPair) && isScalar(annotationsPair.key) && annotationsPair.key.range) {
    drop.add(lineOf(annotationsPair.key.range[0]));
  }
  // A block map's range can end on the next line's first character: never drop past the map.
  const lastLine = lines.length - 1;
  const remaining = lines.filter((_, index) => !drop.has(index) || index === lastLine);
  return { text: remaining.join('\n'), taken };
}

/**
 * Streams documents without the named annotations. `keep` is called with each document's index
 * (as splitDocuments counts them, so a second split of the output agrees) and what was taken.
 */
export async function* stripAnnotations(
  chunks: AsyncIterable<string | Uint8Array>,
  keys: readonly string[],
  keep: (index: number, taken: TakenAnnotations) => void,
): AsyncGenerator<string> {
  const wanted = new Set(keys);
  for await (const document of splitDocuments(chunks)) {
    const { text, taken } = stripDocumentAnnotations(document.text, wanted);
    if (Object.keys(taken).length > 0) keep(document.index, taken);
    yield text;
  }
}
