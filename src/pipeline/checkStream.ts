// Glue between the stages for one target: text stream -> documents -> rules -> sources.
// Each document is checked as soon as it is complete and then dropped.
import { InvalidEncodingError, MAX_DOCUMENT_CHARS, splitDocuments } from '../manifests/splitDocuments.js';
import { parseManifest } from '../manifests/parseManifest.js';
import { formatJsonPath } from '../manifests/jsonPath.js';
import { evaluateManifest } from '../rules/hostNamespaceRule.js';
import { FIELDS_NEVER_READ, kindNeverHoldsPods, valueAt } from '../rules/findPodSpecs.js';
import { quickKind } from '../manifests/quickKind.js';
import type { SourceMapper } from '../sources/manifestSource.js';
import { todayIso } from '../suppressions/exemptions.js';
import { RULE_ID, type CheckedResource, type Finding, type ReportError, type ReportWarning, type RuleConfig, type TargetResult } from '../types.js';
import { applySuppressions, type DocumentFinding } from './suppressFindings.js';

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

export function emptyOutcome(): StreamOutcome {
  return { findings: [], errors: [], warnings: [], resources: 0, podSpecs: 0, checked: [] };
}

export async function checkStream(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, context: StreamContext): Promise<StreamOutcome> {
  const outcome = emptyOutcome();
  const problem = (line: number | null, message: string) => ({ target: context.target, file: context.file, line, message });
  const today = todayIso();
  try {
    for await (const raw of splitDocuments(chunks)) {
      if (raw.tooLarge !== undefined) {
        const mib = (raw.tooLarge / 1024 / 1024).toFixed(0);
        outcome.errors.push(problem(raw.startLine, `document is larger than ${MAX_DOCUMENT_CHARS / 1024 / 1024} MiB (${mib} MiB), far beyond any Kubernetes object; not checked`));
        continue;
      }
      const kind = quickKind(raw.text);
      if (kind !== null && kindNeverHoldsPods(kind)) {
        outcome.resources++; // a ConfigMap, a CRD...: counted, not opened
        continue;
      }
      const parsed = parseManifest(raw, FIELDS_NEVER_READ);
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
        for (const site of evaluation.checked) outcome.checked.push({ target: context.target, resource: site.resource, checks: site.checks });
        const documentFindings: DocumentFinding[] = [];
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
          const finding: Finding = {
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
            suppression: null,
            notes: violation.notes,
            target: context.target,
          };
          outcome.findings.push(finding);
          documentFindings.push({ finding, resourcePath: violation.resourcePath });
        }
        if (context.suppressions !== false) {
          const at = (file: string | null, line: number | null, message: string) => ({ target: context.target, file, line, message });
          applySuppressions({
            manifest,
            resources: evaluation.checked,
            findings: documentFindings,
            config: context.config,
            sourceOf: context.sourceOf,
            file: context.file,
            chart: context.chart,
            today,
            error: (file, line, message) => outcome.errors.push(at(file, line, message)),
            warn: (file, line, message) => outcome.warnings.push(at(file, line, message)),
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
