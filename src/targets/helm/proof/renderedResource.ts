// What the user's render held where each finding was made, recorded while the findings are mapped
// (a small module: the Helm target imports it before Helm has finished, the proof only later).
import type { JsonPath } from '../../../types.js';

/** What the user's render held where a finding was made: recorded while the findings were mapped. */
export interface RenderedResource {
  /** Position of the document in the render. */
  document: number;
  /** Path of the resource in the document ([] unless a List item). */
  resourcePath: JsonPath;
  /** The resource as plain data. */
  resource: unknown;
  /** The template file Helm says rendered it (`chart/templates/x.yaml`). */
  sourceHeader: string | null;
}

/** Which resource a finding belongs to, as the mapper sees it and as the finding says it. */
export function resourceKey(kind: unknown, name: unknown, path: string): string {
  return JSON.stringify([kind ?? null, name ?? null, path]);
}
