// Glue between the stages for one target: text stream -> documents -> rules -> sources.
// Each document is checked as soon as it is complete and then dropped.
import { InvalidEncodingError, splitDocumentBatches } from '../manifests/splitDocuments.js';
import type { SourceMapper } from '../sources/manifestSource.js';
import { todayIso } from '../suppressions/exemptions.js';
import type { CheckedResource, Finding, ReportError, ReportWarning, RuleConfig, TargetResult } from '../types.js';
import { checkDocument, emptyOutcome, type DocumentContext } from './checkDocument.js';

export interface StreamContext {
  /** Target name carried by every finding and error. */
  target: string;
  /** File named in errors and warnings (null for a stream without one). */
  file: string | null;
  config: RuleConfig;
  sourceOf: SourceMapper;
  /** The chart argument of a Helm target, which configuration exemptions may name. */
  chart?: string;
  /** False for a render whose findings are only compared, never reported (introducedBy). */
  suppressions?: boolean;
}

export interface StreamOutcome {
  findings: Finding[];
  errors: ReportError[];
  warnings: ReportWarning[];
  resources: number;
  podSpecs: number;
  /** Resources with pod specs and the checks that ran on them. */
  checked: CheckedResource[];
}

/** One target's result: what was checked and what went wrong. */
export interface TargetRun {
  target: TargetResult;
  outcome: StreamOutcome;
}

export { emptyOutcome };

export async function checkStream(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, context: StreamContext): Promise<StreamOutcome> {
  const documentContext: DocumentContext = { ...context, today: todayIso() };
  const outcome = emptyOutcome();
  try {
    for await (const batch of splitDocumentBatches(chunks)) for (const raw of batch) checkDocument(raw, documentContext, outcome);
  } catch (error) {
    if (!(error instanceof InvalidEncodingError)) throw error;
    // What came before the bad bytes is still checked and reported.
    outcome.errors.push({ target: context.target, file: context.file, line: error.line, message: error.message });
  }
  return outcome;
}
