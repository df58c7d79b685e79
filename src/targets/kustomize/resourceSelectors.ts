// Which resource a document, patch or selector means: names, namespaces, label selectors, and
// the names a resource has had before transformers renamed it.
import { type Document } from 'yaml';
import { YamlText, isRecord } from './originAnnotations.js';

/** The resource as the finding sees it, after every transformer. */
export interface FinalResource {
  value: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function finalResourceOf(value: Record<string, unknown>): FinalResource {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const strings = (map: unknown) =>
    Object.fromEntries(Object.entries(isRecord(map) ? map : {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return {
    value,
    apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
    kind: typeof value.kind === 'string' ? value.kind : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : null,
    labels: strings(metadata.labels),
    annotations: strings(metadata.annotations),
  };
}

export function metadataOf(value: unknown): { kind: string; name: string; namespace: string | null } | null {
  if (!isRecord(value) || typeof value.kind !== 'string') return null;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  return {
    kind: value.kind,
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : null,
  };
}

/**
 * Prefixes, suffixes and hashes only ever add to a name, so the document a resource came from is
 * the one of the same kind whose name the final name contains (the longest such, exact first).
 */
export function pickByName<T>(candidates: T[], nameOf: (candidate: T) => string, finalName: string): T | null {
  let best: T | null = null;
  let bestLength = -1;
  for (const candidate of candidates) {
    const name = nameOf(candidate);
    if (name === finalName) return candidate;
    if (name !== '' && finalName.includes(name) && name.length > bestLength) {
      best = candidate;
      bestLength = name.length;
    }
  }
  if (best === null && candidates.length === 1) return candidates[0]!;
  return best;
}

/** The document of a resource file that holds the resource. */
export function findResourceDocument(file: YamlText, resource: FinalResource): Document.Parsed | null {
  const sameKind = file.documents.filter((document) => metadataOf(document.toJS())?.kind === resource.kind);
  return pickByName(sameKind, (document) => metadataOf(document.toJS())?.name ?? '', resource.name);
}

/** A patch target (`target:` of a kustomization patch); names and namespaces are regular expressions. */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export function selectorOf(value: unknown): Selector | null {
  if (!isRecord(value)) return null;
  const selector: Selector = {};
  for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
    if (typeof value[key] === 'string') selector[key] = value[key];
  }
  return selector;
}

function anchoredMatch(pattern: string, candidates: Array<string | null>): boolean {
  let regex: RegExp | null = null;
  try {
    regex = new RegExp(`^(?:${pattern})$`);
  } catch {
    regex = null;
  }
  return candidates.some((candidate) => candidate !== null && (regex ? regex.test(candidate) : candidate === pattern));
}

/** `a=b,c!=d,e,!f,g in (x,y),h notin (z)` against a label map. */
export function matchesLabelSelector(selector: string, labels: Record<string, string>): boolean {
  const terms = selector.match(/[^,(]+(?:\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    if (term === '') return true;
    // In both patterns every group always participates.
    let match = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (match) return match[2] === '!=' ? labels[match[1]!] !== match[3] : labels[match[1]!] === match[3];
    match = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (match) {
      const key = match[1]!;
      const values = match[3]!.split(',').map((v) => v.trim());
      const has = key in labels && values.includes(labels[key]!);
      return match[2] === 'in' ? has : !has;
    }
    if (term.startsWith('!')) return !(term.slice(1).trim() in labels);
    return term in labels;
  });
}

/** Names and namespaces the resource has had: the original ones, and the final ones. */
export interface ResourceNames {
  names: string[];
  namespaces: Array<string | null>;
}

/**
 * Whether a patch written against `name` means this resource: its original or final name, or a
 * name between them (an overlay above a base with its own namePrefix sees the prefixed name).
 */
export function isKnownName(name: string, known: ResourceNames): boolean {
  if (known.names.includes(name)) return true;
  const [original, final] = [known.names[known.names.length - 1], known.names[0]];
  return original !== undefined && final !== undefined && name.includes(original) && final.includes(name);
}

export function matchesSelector(selector: Selector, resource: FinalResource, known: ResourceNames): boolean {
  const [group, version] = resource.apiVersion.includes('/') ? resource.apiVersion.split('/', 2) : ['', resource.apiVersion];
  if (selector.kind !== undefined && selector.kind !== resource.kind) return false;
  if (selector.group !== undefined && selector.group !== group) return false;
  if (selector.version !== undefined && selector.version !== version) return false;
  if (selector.name !== undefined && !anchoredMatch(selector.name, known.names)) return false;
  if (selector.namespace !== undefined && !anchoredMatch(selector.namespace, known.namespaces)) return false;
  if (selector.labelSelector !== undefined && !matchesLabelSelector(selector.labelSelector, resource.labels)) return false;
  if (selector.annotationSelector !== undefined && !matchesLabelSelector(selector.annotationSelector, resource.annotations)) return false;
  return true;
}
