// One document through the stages: quick kind look, parse, rules, sources, suppressions. Pure
// apart from the source mapper's file reads; it yields to the event loop between findings when
// mapping them takes long, so a signal or a timer is never kept waiting.
import { MAX_DOCUMENT_CHARS, type RawDocument } from '../manifests/splitDocuments.js';
import { parseManifest } from '../manifests/parseManifest.js';
import { formatJsonPath } from '../manifests/jsonPath.js';
import { quickType } from '../manifests/quickKind.js';
import { evaluateManifest } from '../rules/hostNamespaceRule.js';
import { FIELDS_NEVER_READ, kindNeverHoldsPods, valueAt } from '../rules/findPodSpecs.js';
import { RULE_ID, type Finding, type RuleConfig, type TargetId } from '../types.js';
import type { StreamOutcome } from './outcome.js';
import type { SourceMapper } from './sourceMapping.js';
import { withOwnStrings } from './ownStrings.js';
import { applySuppressions, type DocumentFinding } from './suppressFindings.js';
import { yieldIfBusy } from './yieldToEvents.js';

/** What checking a stream of documents needs besides the documents. */
export interface StreamContext {
  /** The target's id, carried by every finding, error and checked resource. */
  target: TargetId;
  /** File named in errors and warnings (null for a stream without one). */
  file: string | null;
  config: RuleConfig;
  sourceOf: SourceMapper;
  /** The chart argument of a Helm target, which configuration exemptions may name. */
  chart?: string;
  /** False for a render whose findings are only compared, never reported (introducedBy). */
  suppressions?: boolean;
  /**
   * An annotation the renderer itself wrote on every document naming its template (Helm 4 sets
   * `postrenderer.helm.sh/postrender-filename` before a post-renderer, over any value the chart
   * wrote): it stands in for a missing `# Source:` header, for mapping and for exemptions.
   * Only a target whose input comes straight from that renderer sets it.
   */
  templateAnnotation?: string;
}

/** The document with the renderer's template annotation as its `# Source:` header, where it has none. */
function withTemplateHeader(raw: RawDocument, value: object, annotation: string | undefined): RawDocument {
  if (raw.sourceHeader || annotation === undefined) return raw;
  const metadata = (value as { metadata?: { annotations?: Record<string, unknown> } }).metadata;
  const file = metadata?.annotations?.[annotation];
  return typeof file === 'string' && file !== '' ? { ...raw, sourceHeader: file, sourceHeaderLine: null } : raw;
}

/** What checking one document needs besides the document itself. */
export interface DocumentContext extends StreamContext {
  /** The day exemptions are compared with (YYYY-MM-DD), fixed for the whole stream. */
  today: string;
}

/** Checks one document and adds what it found to `outcome`. */
export async function checkDocument(raw: RawDocument, context: DocumentContext, outcome: StreamOutcome): Promise<void> {
  const problem = (line: number | null, message: string) => ({ target: context.target, file: context.file, line, message });
  if (raw.tooLarge !== undefined) {
    const mib = (raw.tooLarge / 1024 / 1024).toFixed(0);
    outcome.errors.push(problem(raw.startLine, `document is larger than ${MAX_DOCUMENT_CHARS / 1024 / 1024} MiB (${mib} MiB), far beyond any Kubernetes object; not checked`));
    return;
  }
  const type = quickType(raw.text);
  if (type !== null && kindNeverHoldsPods(type.apiVersion, type.kind)) {
    outcome.resources++; // a ConfigMap, a CRD...: counted, not opened
    return;
  }
  const parsed = parseManifest(raw, FIELDS_NEVER_READ);
  for (const error of parsed.errors) outcome.errors.push(problem(error.line, error.message));
  for (const warning of parsed.warnings) outcome.warnings.push(problem(warning.line, warning.message));
  for (const parsedManifest of parsed.manifests) {
    let manifest = parsedManifest;
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
    const header = withTemplateHeader(manifest.raw, value, context.templateAnnotation);
    if (header !== manifest.raw) manifest = { ...manifest, raw: header };
    const evaluation = evaluateManifest(value, context.config);
    outcome.resources += evaluation.resources;
    outcome.podSpecs += evaluation.podSpecs;
    for (const site of evaluation.checked) outcome.checked.push(withOwnStrings({ target: context.target, resource: site.resource, checks: site.checks }));
    const documentFindings: DocumentFinding[] = [];
    for (const bad of evaluation.malformed) {
      const at = manifest.locate(bad.path);
      outcome.errors.push(problem(at?.line ?? raw.startLine, `${formatJsonPath(bad.path)}: ${bad.message}; the pod spec cannot be checked`));
    }
    for (const violation of evaluation.violations) {
      await yieldIfBusy();
      const rendered = manifest.locate(violation.path) ?? (violation.anchorPath ? manifest.locate(violation.anchorPath) : null);
      const mapping = context.sourceOf({
        document: manifest.raw,
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
        today: context.today,
        error: (file, line, message) => outcome.errors.push(at(file, line, message)),
        warn: (file, line, message) => outcome.warnings.push(at(file, line, message)),
      });
    }
    // Reported long after this document is dropped: nothing in a finding may pin its text.
    for (const { finding } of documentFindings) withOwnStrings(finding);
  }
}
