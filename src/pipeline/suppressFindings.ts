// Applies suppressions to the findings of one document. Inline comments need the rendered text
// (Helm keeps a template's `#` comments, so they arrive here) and annotations need the resource;
// configuration exemptions need the chart the document came from (as Helm's header says, never a label). A suppression that cannot be
// trusted (no reason, unknown check) suppresses nothing and is an error: the run fails closed.
import { commentsOf, type YamlComment } from '../manifests/comments.js';
import type { ParsedManifest } from '../manifests/parseManifest.js';
import { isObject, valueAt } from '../rules/findPodSpecs.js';
import type { SourceMapper } from './sourceMapping.js';
import {
  IGNORE_ANNOTATION,
  INLINE_MARKER,
  annotationDirective,
  commentDirective,
  directiveProblems,
  type Directive,
} from '../suppressions/directives.js';
import { exemptionCharts, matchExemption } from '../suppressions/exemptions.js';
import type { Finding, JsonPath, ResourceRef, RuleConfig, Suppression } from '../types.js';

export interface DocumentFinding {
  finding: Finding;
  /** Path of the finding's resource from the document root ([] unless it is a List item). */
  resourcePath: JsonPath;
}

export interface SuppressionScope {
  manifest: ParsedManifest;
  /** The document's resources that have pod specs. */
  resources: { resource: ResourceRef; resourcePath: JsonPath }[];
  findings: DocumentFinding[];
  config: RuleConfig;
  sourceOf: SourceMapper;
  /** File named when a place has no source (the stream's own name). */
  file: string | null;
  /** The chart argument of a Helm target, which exemptions may name. */
  chart?: string;
  /** YYYY-MM-DD, for exemptions' expiry. */
  today: string;
  error(file: string | null, line: number | null, message: string): void;
  warn(file: string | null, line: number | null, message: string): void;
}

interface Place {
  file: string | null;
  line: number | null;
}

interface Marker {
  comment: YamlComment;
  directive: Directive;
  usable: boolean;
}

function describeResource(resource: ResourceRef): string {
  return `${resource.kind ?? '?'}/${resource.name ?? '?'}`;
}

export function applySuppressions(scope: SuppressionScope): void {
  const { manifest } = scope;
  const raw = manifest.raw;
  const root = manifest.value;
  // Split only when a comment is looked at: most documents have none of ours.
  let lines: string[] | null = null;
  const textAt = (line: number): string | undefined => (lines ??= raw.text.split('\n'))[line - raw.startLine];

  const resourcePathOf = (path: JsonPath): JsonPath =>
    scope.resources
      .map((r) => r.resourcePath)
      .filter((prefix) => prefix.every((segment, i) => path[i] === segment))
      .sort((a, b) => b.length - a.length)[0] ?? [];

  /** Where a key is written: its source line when the mapper knows it, else its rendered line. */
  const placeOf = (path: JsonPath): Place & { exact: boolean } => {
    const rendered = manifest.locate(path);
    const resourcePath = resourcePathOf(path);
    const resource = valueAt(root, resourcePath);
    const mapped = scope.sourceOf({
      document: raw,
      rendered,
      resource: isObject(resource) ? resource : {},
      resourcePath,
      path,
      locate: manifest.locate,
    });
    if (mapped.source) return { file: mapped.source.file, line: mapped.source.line, exact: mapped.source.exact };
    return { file: scope.file, line: rendered?.line ?? raw.startLine, exact: false };
  };

  /** A comment's place: in a source mapped line for line, as far above its key as in the render. */
  const commentPlace = (comment: YamlComment, key: { line: number; place: Place & { exact: boolean } } | null): Place => {
    if (!key) return { file: scope.file, line: comment.line };
    if (!key.place.exact || key.place.line === null) return key.place;
    return { file: key.place.file, line: Math.max(1, key.place.line - (key.line - comment.line)) };
  };

  // --- inline comments ---------------------------------------------------------------------
  const markers: Marker[] = [];
  if (raw.text.includes(INLINE_MARKER)) {
    let keysByLine: Map<number, JsonPath> | null = null;
    for (const comment of commentsOf(raw)) {
      const directive = commentDirective(comment.text);
      if (!directive) continue;
      const problems = directiveProblems(directive, 'comment');
      markers.push({ comment, directive, usable: problems.length === 0 });
      if (problems.length === 0) continue;
      keysByLine ??= keyLines(root, manifest.locate);
      const keyLine = annotatedLine(comment, textAt);
      const keyPath = keyLine === null ? undefined : keysByLine.get(keyLine);
      const place = commentPlace(comment, keyLine !== null && keyPath ? { line: keyLine, place: placeOf(keyPath) } : null);
      scope.error(place.file, place.line, `the comment "# ${comment.text}" is not a usable suppression: ${problems.join('; ')}`);
    }
  }

  /** Usable markers that speak for a line: on it, or in the comments (and blank lines) just above it. */
  const markersFor = (line: number): Marker[] => {
    if (markers.length === 0) return [];
    const found = markers.filter((m) => m.usable && m.comment.line === line);
    for (let above = line - 1; above >= raw.startLine; above--) {
      const text = textAt(above)?.trim() ?? '';
      if (text !== '' && !text.startsWith('#')) break;
      found.push(...markers.filter((m) => m.usable && m.comment.line === above && m.comment.ownLine));
    }
    return found;
  };

  // --- annotations -------------------------------------------------------------------------
  const annotations = new Map<string, { directive: Directive; place: Place }>();
  for (const { resource, resourcePath } of scope.resources) {
    const values = valueAt(root, [...resourcePath, 'metadata', 'annotations']);
    const directive = isObject(values) ? annotationDirective(values) : null;
    if (!directive) continue;
    const place = placeOf([...resourcePath, 'metadata', 'annotations', IGNORE_ANNOTATION]);
    const problems = directiveProblems(directive, 'annotation');
    if (problems.length > 0) {
      scope.error(place.file, place.line, `the ${IGNORE_ANNOTATION} annotation on ${describeResource(resource)} is not a usable suppression: ${problems.join('; ')}`);
      continue;
    }
    annotations.set(JSON.stringify(resourcePath), { directive, place: { file: place.file, line: place.line } });
  }

  // --- each finding: the closest suppression wins (comment, annotation, then exemption) ------
  const exemptions = scope.config.exemptions ?? [];
  let charts: string[] | null = null; // worked out only when an exemption is compared
  for (const { finding, resourcePath } of scope.findings) {
    let suppression: Suppression | null = null;
    const marker = finding.rendered ? markersFor(finding.rendered.line).find((m) => m.directive.checks.includes(finding.check)) : undefined;
    if (marker && finding.rendered) {
      const source = finding.source;
      const key = source ? { line: finding.rendered.line, place: { file: source.file, line: source.line, exact: source.exact } } : null;
      suppression = { kind: 'inline', reason: marker.directive.reason, ...commentPlace(marker.comment, key) };
    }
    const annotation = annotations.get(JSON.stringify(resourcePath));
    if (!suppression && annotation?.directive.checks.includes(finding.check)) {
      suppression = { kind: 'annotation', reason: annotation.directive.reason, ...annotation.place };
    }
    if (!suppression && exemptions.length > 0) {
      charts ??= exemptionCharts(raw.sourceHeader, scope.chart);
      const { kind, namespace, name } = finding.resource;
      const match = matchExemption(exemptions, { check: finding.check, kind, namespace, name, charts }, scope.today);
      if (match?.expired) {
        const { exemption } = match;
        finding.notes.push(`the exemption at ${exemption.file}:${exemption.line} expired on ${exemption.expires} and no longer applies`);
        scope.warn(exemption.file, exemption.line, `this exemption expired on ${exemption.expires} and no longer applies; renew it with a new date or remove it`);
      } else if (match) {
        const { exemption } = match;
        suppression = { kind: 'exemption', reason: exemption.reason, file: exemption.file, line: exemption.line, ...(exemption.expires ? { expires: exemption.expires } : {}) };
      }
    }
    if (suppression) {
      finding.suppressed = true;
      finding.suppression = suppression;
    }
  }
}

/** The line a comment speaks for: its own for a trailing comment, else the next line with content. */
function annotatedLine(comment: YamlComment, textAt: (line: number) => string | undefined): number | null {
  if (!comment.ownLine) return comment.line;
  for (let line = comment.line + 1; ; line++) {
    const text = textAt(line);
    if (text === undefined) return null;
    const trimmed = text.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) return line;
  }
}

/** The shallowest path written on each rendered line of the document. */
function keyLines(root: unknown, locate: (path: JsonPath) => { line: number } | null): Map<number, JsonPath> {
  const byLine = new Map<number, JsonPath>();
  const visit = (node: unknown, path: JsonPath) => {
    const children: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : isObject(node) ? Object.entries(node) : [];
    for (const [segment, child] of children) {
      const childPath = [...path, segment];
      const at = locate(childPath);
      if (at && !byLine.has(at.line)) byLine.set(at.line, childPath);
      visit(child, childPath);
    }
  };
  visit(root, []);
  return byLine;
}
