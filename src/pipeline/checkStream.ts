// Glue between the stages for one target: text stream -> documents -> rules -> sources.
// Each document is checked as soon as it is complete and then dropped.
import { InvalidEncodingError, splitDocuments } from '../manifests/splitDocuments.js';
import { parseManifest } from '../manifests/parseManifest.js';
import { formatJsonPath } from '../manifests/jsonPath.js';
import { evaluateManifest } from '../rules/hostNamespaceRule.js';
import { valueAt } from '../rules/findPodSpecs.js';
import type { SourceMapper } from '../sources/manifestSource.js';
import { RULE_ID, type Finding, type ReportError, type ReportWarning, type RuleConfig, type TargetResult } from '../types.js';

export interface StreamContext {
  /** Target name carried by every finding and error. */
  target: string;
  /** File named in errors and warnings (null for a stream without one). */
  file: string | null;
  config: RuleConfig;
  sourceOf: SourceMapper;
}

export interface StreamOutcome {
  findings: Finding[];
  errors: ReportError[];
  warnings: ReportWarning[];
  resources: number;
  podSpecs: number;
}

/** One target's result: what was checked and what went wrong. */
export interface TargetRun {
  target: TargetResult;
  outcome: StreamOutcome;
}

export function emptyOutcome(): StreamOutcome {
  return { findings: [], errors: [], warnings: [], resources: 0, podSpecs: 0 };
}

export async function checkStream(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, context: StreamContext): Promise<StreamOutcome> {
  const outcome = emptyOutcome();
  const problem = (line: number | null, message: string) => ({ target: context.target, file: context.file, line, message });
  try {
    for await (const raw of splitDocuments(chunks)) {
      const parsed = parseManifest(raw);
      for (const error of parsed.errors) outcome.errors.push(problem(error.line, error.message));
      for (const warning of parsed.warnings) outcome.warnings.push(problem(warning.line, warning.message));
      for (const manifest of parsed.manifests) {
        const { value } = manifest;
        if (value === null || value === undefined) continue; // empty or comment-only document
        if (typeof value !== 'object' || Array.isArray(value)) {
          const shape = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
          outcome.errors.push(problem(raw.startLine, `document is ${shape}, not a Kubernetes object`));
          continue;
        }
        if (!('kind' in value)) {
          outcome.warnings.push(problem(raw.startLine, 'document has no kind: not a Kubernetes object, skipped'));
          continue;
        }
        const evaluation = evaluateManifest(value, context.config);
        outcome.resources += evaluation.resources;
        outcome.podSpecs += evaluation.podSpecs;
        for (const bad of evaluation.malformed) {
          const at = manifest.locate(bad.path);
          outcome.errors.push(problem(at?.line ?? raw.startLine, `${formatJsonPath(bad.path)}: ${bad.message}; the pod spec cannot be checked`));
        }
        for (const violation of evaluation.violations) {
          const rendered = manifest.locate(violation.path) ?? (violation.anchorPath ? manifest.locate(violation.anchorPath) : null);
          const mapping = context.sourceOf({
            document: raw,
            rendered,
            resource: valueAt(value, violation.resourcePath) as Record<string, unknown>,
            resourcePath: violation.resourcePath,
            path: violation.path,
            anchorPath: violation.anchorPath,
            locate: manifest.locate,
          });
          outcome.findings.push({
            rule: RULE_ID,
            check: violation.check,
            severity: 'error',
            message: violation.message,
            resource: violation.resource,
            container: violation.container,
            path: formatJsonPath(violation.path),
            value: violation.value === undefined ? null : violation.value,
            rendered,
            source: mapping.source,
            ...(mapping.origin !== undefined ? { origin: mapping.origin } : {}),
            values: mapping.values ?? [],
            suppressed: false,
            notes: violation.notes,
            target: context.target,
          });
        }
      }
    }
  } catch (error) {
    if (error instanceof InvalidEncodingError) outcome.errors.push(problem(error.line, error.message));
    else throw error;
  }
  return outcome;
}
