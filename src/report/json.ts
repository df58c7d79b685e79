// The JSON report: the plain Report object as it is, for machines.
import type { Report } from '../types.js';
import { safeJson } from './escape.js';

export function formatJson(report: Report): string {
  return [...jsonReportPieces(report)].join('');
}

/** What JSON.stringify leaves out of an object. */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * The report exactly as `JSON.stringify(report, null, 2)` writes it, in pieces: one per item of
 * each list (findings, checked resources...). A run over many charts has tens of megabytes of
 * report; written piece by piece, no copy of the whole text is ever made.
 */
export function* jsonReportPieces(report: Report): Generator<string> {
  const entries = Object.entries(report).filter(([, value]) => !omitted(value));
  if (entries.length === 0) {
    yield '{}\n';
    return;
  }
  let separator = '{';
  for (const [key, value] of entries) {
    const head = `${separator}\n  ${JSON.stringify(key)}: `;
    separator = ',';
    if (!Array.isArray(value) || value.length === 0) {
      yield safeJson(head + JSON.stringify(value, null, 2).replace(/\n/g, '\n  '));
      continue;
    }
    yield `${head}[`;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Strings in JSON hold no line breaks: every line break is the layout's, indented one more level.
      const text = omitted(item) ? 'null' : JSON.stringify(item, null, 2).replace(/\n/g, '\n    ');
      yield safeJson(`${i === 0 ? '' : ','}\n    ${text}`);
    }
    yield '\n  ]';
  }
  yield '\n}\n';
}
