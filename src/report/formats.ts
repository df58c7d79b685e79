// The formatter registry: each format a module that receives the plain Report.
import type { Report } from '../types.js';
import { formatJson } from './json.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface FormatOptions {
  color: boolean;
}

export function isFormatName(name: string): name is FormatName {
  return (FORMATS as readonly string[]).includes(name);
}

export function formatReport(report: Report, format: FormatName, options: FormatOptions): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'text':
      return formatText(report, options);
  }
}
