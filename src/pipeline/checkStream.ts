// Glue between the stages for one stream: text -> documents -> rules -> sources. Each document is
// checked as soon as it is complete and then dropped.
import { InvalidEncodingError, splitDocumentBatches } from '../manifests/splitDocuments.js';
import { todayIso } from '../suppressions/exemptions.js';
import { checkDocument, type DocumentContext, type StreamContext } from './checkDocument.js';
import { emptyOutcome, type StreamOutcome } from './outcome.js';

export type { StreamContext };

export async function checkStream(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, context: StreamContext): Promise<StreamOutcome> {
  const documentContext: DocumentContext = { ...context, today: todayIso() };
  const outcome = emptyOutcome();
  try {
    for await (const batch of splitDocumentBatches(chunks)) for (const raw of batch) await checkDocument(raw, documentContext, outcome);
  } catch (error) {
    if (!(error instanceof InvalidEncodingError)) throw error;
    // What came before the bad bytes is still checked and reported.
    outcome.errors.push({ target: context.target, file: context.file, line: error.line, message: error.message });
  }
  return outcome;
}
