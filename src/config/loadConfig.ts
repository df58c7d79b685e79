// The configuration: a file (`--config`, else `.hostns-check.yaml` found upward from the working
// directory) and flags over it. Every mistake names the file and line.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, visit, type Document, type Node, type YAMLError } from 'yaml';
import { CHECK_IDS, isCheckId, type CheckId, type Exemption, type HostPortRange, type RuleConfig } from '../types.js';
import { defaultRuleConfig } from '../rules/hostNamespaceRule.js';
import { yamlErrorText } from '../manifests/parseManifest.js';
import { ConfigError } from './configError.js';
import { parseConfigDocument, readConfigText } from './configText.js';

export { ConfigError };

export const CONFIG_FILE_NAME = '.hostns-check.yaml';

/** `80`, `8000-8100`, or several separated by commas. */
export function parseHostPortRanges(text: string, where: { file: string | null; line: number | null } = { file: null, line: null }): HostPortRange[] {
  const ranges: HostPortRange[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) throw new ConfigError(where.file, where.line, `"${part}" is not a port or a port range like 8000-8100`);
    ranges.push(checkedRange(Number(match[1]), Number(match[2] ?? match[1]), where));
  }
  return ranges;
}

function checkedRange(min: number, max: number, where: { file: string | null; line: number | null }): HostPortRange {
  for (const port of [min, max]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConfigError(where.file, where.line, `port ${port} is outside 1-65535`);
    }
  }
  if (min > max) throw new ConfigError(where.file, where.line, `range ${min}-${max} has its minimum above its maximum`);
  return { min, max };
}

/** `.hostns-check.yaml` in the directory or the nearest one above it. */
export function findConfigFile(startDir: string): string | null {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export interface ConfigFlags {
  config?: string;
  minUid?: string;
  allowHostPorts?: string[];
}

/** `.hostns-check.yaml` found in a folder above `cwd`: said once, since it is not where the user looks. */
export function foundAboveNotice(file: string, cwd: string): string | null {
  return path.dirname(file) === path.resolve(cwd) ? null : `using configuration ${path.relative(cwd, file)}`;
}

/** Loads the file (if any) and lays the flags over it; `say` hears which file was found above `cwd`. */
export function loadConfig(flags: ConfigFlags, cwd: string, say?: (text: string) => void): RuleConfig {
  const file = flags.config ? path.resolve(cwd, flags.config) : findConfigFile(cwd);
  const notice = file && !flags.config ? foundAboveNotice(file, cwd) : null;
  if (notice) say?.(notice);
  const config = file ? readConfigFile(file, path.relative(cwd, file) || file) : defaultRuleConfig();
  if (flags.minUid !== undefined) config.minUid = parseMinUid(flags.minUid, null, null);
  if (flags.allowHostPorts && flags.allowHostPorts.length > 0) {
    config.hostPortRanges = flags.allowHostPorts.flatMap((text) => parseHostPortRanges(text));
  }
  return config;
}

function parseMinUid(value: unknown, file: string | null, line: number | null): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new ConfigError(file, line, `minUid must be a whole number of at least 0, not ${JSON.stringify(value)}`);
  }
  return number;
}

export function readConfigFile(absolute: string, shown: string): RuleConfig {
  return parseConfigText(readConfigText(absolute, shown), shown);
}

/**
 * The line to fix for the first YAML error. An implicit-key error starts where the key began (a
 * value on the line before, `minUid: 10000` above an over-indented `  checks:`): the range of
 * such an error ends on the line that broke it, which is the line to fix.
 */
function yamlErrorLine(errors: readonly YAMLError[], lines: LineCounter): number {
  const first = errors[0]!;
  const implicit = errors.filter((e) => e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY');
  if (first.code === 'BLOCK_AS_IMPLICIT_KEY' || first.code === 'MULTILINE_IMPLICIT_KEY') {
    return Math.max(...implicit.map((e) => lines.linePos(Math.max(e.pos[0], e.pos[1] - 1)).line));
  }
  return lines.linePos(first.pos[0]).line;
}

/** Parses configuration text; strict about names so a typo is an error, not a silent default. */
export function parseConfigText(text: string, shown: string): RuleConfig {
  const { doc, lines } = parseConfigDocument(text);
  const lineOf = (node: unknown): number | null => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : null;
  };
  const fail = (node: unknown, message: string): never => {
    throw new ConfigError(shown, lineOf(node), message);
  };
  const error = doc.errors[0];
  if (error) {
    throw new ConfigError(shown, yamlErrorLine(doc.errors, lines), yamlErrorText(error.message));
  }
  const duplicate = firstDuplicateKey(doc);
  if (duplicate) fail(duplicate, 'Map keys must be unique');
  const config = defaultRuleConfig();
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return config;
  if (!isMap(root)) return fail(root, 'the configuration must be a mapping');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    switch (key) {
      case 'minUid':
        config.minUid = parseMinUid(isScalar(value) ? value.value : value, shown, lineOf(value ?? pair.key));
        break;
      case 'allowHostPorts':
        config.hostPortRanges = readRanges(value, shown, lineOf, fail);
        break;
      case 'checks': {
        if (!isMap(value)) return fail(value ?? pair.key, 'checks must map check names to true or false');
        for (const entry of value.items) {
          const name = isScalar(entry.key) ? String(entry.key.value) : '';
          if (!isCheckId(name)) {
            fail(entry.key, `unknown check "${name}"; the checks are ${CHECK_IDS.join(', ')}`);
          }
          if (!isScalar(entry.value) || typeof entry.value.value !== 'boolean') {
            fail(entry.value ?? entry.key, `checks.${name} must be true or false`);
          }
          config.checks[name as CheckId] = (entry.value as { value: boolean }).value;
        }
        break;
      }
      case 'exemptions':
        config.exemptions = readExemptions(value, shown, lineOf, fail);
        break;
      case 'targets':
        break; // read by `run` (config/targets.ts), with its own checks
      default:
        fail(pair.key, `unknown setting "${key}"; the settings are minUid, allowHostPorts, checks, exemptions, targets`);
    }
  }
  return config;
}

function readRanges(
  value: unknown,
  shown: string,
  lineOf: (node: unknown) => number | null,
  fail: (node: unknown, message: string) => never,
): HostPortRange[] {
  if (value === null || (isScalar(value) && value.value === null)) return [];
  if (!isSeq(value)) return fail(value, 'allowHostPorts must be a list of ports, ranges like "8000-8100", or {min, max}');
  const ranges: HostPortRange[] = [];
  for (const item of value.items) {
    const where = { file: shown, line: lineOf(item) };
    if (isScalar(item) && (typeof item.value === 'number' || typeof item.value === 'string')) {
      ranges.push(...parseHostPortRanges(String(item.value), where));
    } else if (isMap(item)) {
      const min = item.get('min');
      const max = item.get('max');
      if (typeof min !== 'number' || typeof max !== 'number' || item.items.length !== 2) {
        fail(item, 'a host port range must be {min: PORT, max: PORT}');
      }
      ranges.push(checkedRange(min, max, where));
    } else {
      fail(item, 'allowHostPorts must be a list of ports, ranges like "8000-8100", or {min, max}');
    }
  }
  return ranges;
}

const EXEMPTION_SELECTORS = ['kind', 'namespace', 'name', 'chart'] as const;
const EXEMPTION_KEYS = [...EXEMPTION_SELECTORS, 'checks', 'reason', 'expires'];

/**
 * YYYY-MM-DD, checked to be a real day. YAML 1.1 reads a bare date as a timestamp and rolls
 * 2025-02-30 over to March, so the text as written is what is checked.
 */
function readDate(node: unknown): string | null {
  if (!isScalar(node)) return null;
  const value = typeof node.source === 'string' ? node.source : node.value;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value ? value : null;
}

/**
 * `exemptions: [{kind, namespace, name, chart, checks, reason, expires}]`: each needs a reason,
 * at least one check and one selector, so an exemption is never a silent way to turn a check off.
 */
function readExemptions(
  value: unknown,
  shown: string,
  lineOf: (node: unknown) => number | null,
  fail: (node: unknown, message: string) => never,
): Exemption[] {
  if (value === null || (isScalar(value) && value.value === null)) return [];
  if (!isSeq(value)) return fail(value, 'exemptions must be a list of {kind, namespace, name, chart, checks, reason, expires}');
  return value.items.map((item, index) => {
    const label = `exemptions[${index}]`;
    if (!isMap(item)) return fail(item, `${label} must be a mapping like {kind: DaemonSet, name: node-exporter*, checks: [host-network], reason: ...}`);
    const exemption: Exemption = { kind: null, namespace: null, name: null, chart: null, checks: [], reason: '', expires: null, file: shown, line: lineOf(item) ?? 1 };
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const node = pair.value ?? pair.key;
      const scalar = isScalar(pair.value) ? pair.value.value : undefined;
      if ((EXEMPTION_SELECTORS as readonly string[]).includes(key)) {
        if (typeof scalar !== 'string' || scalar.trim() === '') fail(node, `${label}.${key} must be a non-empty string`);
        exemption[key as (typeof EXEMPTION_SELECTORS)[number]] = scalar.trim();
      } else if (key === 'checks') {
        if (!isSeq(pair.value) || pair.value.items.length === 0) fail(node, `${label}.checks must list the checks it exempts (${CHECK_IDS.join(', ')})`);
        for (const check of (pair.value as { items: unknown[] }).items) {
          const name = isScalar(check) ? String(check.value) : '';
          if (!isCheckId(name)) fail(check, `${label}.checks: unknown check "${name}"; the checks are ${CHECK_IDS.join(', ')}`);
          if (!exemption.checks.includes(name)) exemption.checks.push(name);
        }
      } else if (key === 'reason') {
        if (typeof scalar !== 'string') fail(node, `${label}.reason must be text saying why the finding is accepted`);
        exemption.reason = scalar.trim();
      } else if (key === 'expires') {
        const date = readDate(pair.value);
        if (date === null) fail(node, `${label}.expires must be a date like 2025-12-31`);
        exemption.expires = date;
      } else {
        fail(pair.key, `${label}: unknown field "${key}"; the fields are ${EXEMPTION_KEYS.join(', ')}`);
      }
    }
    if (exemption.reason === '') fail(item, `${label} has no reason: add reason: saying why the finding is accepted`);
    if (exemption.checks.length === 0) fail(item, `${label} names no checks: add checks: [${CHECK_IDS[1]}, ...]`);
    if (EXEMPTION_SELECTORS.every((selector) => exemption[selector] === null)) {
      fail(item, `${label} selects every resource: give at least one of kind, namespace, name, chart (to turn a check off, use checks:)`);
    }
    return exemption;
  });
}

/** The first key written twice in one mapping (a set per mapping: linear in the keys). */
function firstDuplicateKey(doc: Document): Node | null {
  let found: Node | null = null;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value = pair.key.value;
        const identity = `${typeof value}:${String(value)}`;
        if (seen.has(identity)) {
          found = pair.key;
          return visit.BREAK;
        }
        seen.add(identity);
      }
      return undefined;
    },
  });
  return found;
}
