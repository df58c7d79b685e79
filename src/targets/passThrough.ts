// The check-and-pass-through core that `krm` and `gate` share: standard input read whole up to a
// cap (never more: /dev/zero never ends), checked as one target, and the report of that one run.
// Each command only adds its wire format: `krm` writes the ResourceList back with results, `gate`
// writes the input back byte for byte on a pass and nothing at all otherwise.
import type { TargetRun } from '../pipeline/outcome.js';
import { toolVersion } from '../process/packageFiles.js';
import { buildReport } from '../report/buildReport.js';
import type { Report } from '../types.js';

/**
 * The most of standard input either command reads: the input is parsed whole, and parsing takes
 * some tens of times its size in memory, so 8 MiB stays within a few hundred MB. A ResourceList or
 * a rendered release of a large overlay or chart (3,000 Deployments: about 2 MB) is a few MB.
 */
export const MAX_PASS_THROUGH_BYTES = 8 * 1024 * 1024;

/** Why an input larger than the cap was not checked. */
export function tooLargeMessage(what: string): string {
  return `standard input is larger than ${MAX_PASS_THROUGH_BYTES / (1024 * 1024)} MiB, more than ${what}: nothing was checked`;
}

/** Standard input up to the cap, as bytes; null when there is more (reading stops there). */
export async function readCappedBytes(stream: AsyncIterable<string | Uint8Array>, maxBytes = MAX_PASS_THROUGH_BYTES): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk);
    size += bytes.length;
    if (size > maxBytes) return null;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The report of one checked input. */
export function passThroughReport(run: TargetRun): Report {
  return buildReport({
    version: toolVersion(),
    targets: [run.target],
    findings: run.outcome.findings,
    errors: run.outcome.errors,
    warnings: run.outcome.warnings,
    resources: run.outcome.resources,
    podSpecs: run.outcome.podSpecs,
    checked: run.outcome.checked,
  });
}
