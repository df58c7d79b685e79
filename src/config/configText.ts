// The configuration file's text, read as a regular file within a size cap: a configuration that
// names a FIFO or a device (or is one) is refused at once instead of hanging or filling memory.
import { LineCounter, parseDocument, type Document } from 'yaml';
import { mebibytes, readRegularFile, RefusedFile } from '../process/regularFile.js';
import { ConfigError, readFailureText } from './configError.js';

/**
 * The largest configuration read. A configuration with a thousand exemptions and targets is
 * under 200 KiB; 1 MiB of the densest YAML still parses in about a second.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function readConfigText(absolute: string, shown: string): string {
  try {
    return readRegularFile(absolute, MAX_CONFIG_BYTES).toString('utf8');
  } catch (error) {
    if (!(error instanceof RefusedFile)) throw error;
    if (error.problem === 'open') throw new ConfigError(shown, null, `cannot read the configuration file: ${readFailureText(error)}`);
    if (error.problem === 'size') throw new ConfigError(shown, null, `the configuration file is larger than ${mebibytes(MAX_CONFIG_BYTES)}, far more than any configuration needs; not read`);
    throw new ConfigError(shown, null, `cannot read the configuration file: ${error.message}`);
  }
}

/** A configuration parsed as YAML, with the line counter that places its nodes. */
export interface ConfigDocument {
  doc: Document.Parsed;
  lines: LineCounter;
}

let lastParsed: { text: string; parsed: ConfigDocument } | null = null;

/**
 * The configuration's text as a YAML document. `run` reads one file for its rules and for its
 * targets: parsed once, since the yaml package takes tens of milliseconds on a cold start, which
 * every shard of a split run pays again. Callers only read the document. Duplicate keys are left
 * to the rules reader (the yaml package's own check compares keys pairwise, O(n²) on a large mapping).
 */
export function parseConfigDocument(text: string): ConfigDocument {
  if (lastParsed?.text === text) return lastParsed.parsed;
  const lines = new LineCounter();
  const parsed = { doc: parseDocument(text, { lineCounter: lines, version: '1.1', uniqueKeys: false }), lines };
  lastParsed = { text, parsed };
  return parsed;
}
