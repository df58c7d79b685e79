// What every command shares: the process's streams, the options of every checking command, the
// report writer and exit code, the debug channel, and the mistakes that are exit 2.
import path from 'node:path';
import { Option, type Command } from 'commander';
import { FAIL_ON_LEVELS, buildReport, exitCodeOf, type FailOn } from '../report/buildReport.js';
import { safeLines } from '../report/escape.js';
import { FORMATS, isFormatName } from '../report/formatNames.js';
import type { TargetRun } from '../pipeline/outcome.js';
import { toolVersion } from '../process/packageFiles.js';
import type { TargetContext } from '../targets/targetKind.js';
import type { BaseSide } from '../review/compare.js';
import type { Report, ShardInfo } from '../types.js';
import { finishReview, type ReviewOptions } from './review.js';
import { writeReportFile } from './writeOutput.js';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: AsyncIterable<string | Uint8Array>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** What a command's action needs from the program that parsed it. */
export interface CommandContext {
  io: CliIo;
  /** Everything after `--`. */
  extraArgs: string[];
  setExit(code: number): void;
}

/** A mistake in how the tool was called: exit 2 with this message. */
export class UsageError extends Error {}

export interface CommonOptions {
  format: string;
  output?: string;
  color: boolean;
  config?: string;
  minUid?: string;
  allowHostPorts?: string[];
  failOn?: string;
  helpBase?: string;
  sarifCategory?: string;
  debug?: boolean;
  /** Commander's reading of --no-verify. */
  verify?: boolean;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * A renderer's warnings, shown on standard error as whole lines (never a failure). The text is the
 * chart's or overlay's to choose: control characters are shown visibly and workflow commands
 * neutralised, as everywhere input reaches standard error.
 */
export function warnTo(io: CliIo): (text: string) => void {
  return (text) => io.stderr.write(safeLines(text.endsWith('\n') ? text : `${text}\n`));
}

/** A one-line note on standard error, always shown (which configuration, which Helm). */
export function noteTo(io: CliIo): (text: string) => void {
  return (text) => io.stderr.write(safeLines(`hostns-check: ${text}\n`));
}

/**
 * The tool a lookup found: when it is the bundled development copy (`.tools/`, nothing on PATH),
 * says so once, since a checkout's pinned binary is a convenience, not the user's installed one.
 */
export function noteBundled(io: CliIo, tool: { path: string; source: string }, name: string): string {
  if (tool.source === 'tools') noteTo(io)(`no ${name} on PATH: using the bundled development ${name} ${tool.path} (a development convenience; install ${name} or give --helm)`);
  return tool.path;
}

/** `--debug` given to Helm reaches a plugin as HELM_DEBUG. */
export function helmDebug(env: NodeJS.ProcessEnv): boolean {
  return env.HELM_DEBUG === 'true' || env.HELM_DEBUG === '1';
}

/** Where `--debug` (or HELM_DEBUG) sends what runs and why a mapping fell back; undefined when off. */
export function debugTo(io: CliIo, options: { debug?: boolean }): ((text: string) => void) | undefined {
  return options.debug || helmDebug(io.env) ? (text) => io.stderr.write(safeLines(`hostns-check: ${text}\n`)) : undefined;
}

/** The context a target is checked in, from the command's options. */
export function targetContext(io: CliIo, options: { debug?: boolean; verify?: boolean }, timeoutSeconds: number, config: TargetContext['config']): TargetContext {
  return { cwd: io.cwd, env: io.env, timeoutSeconds, config, warn: warnTo(io), debug: debugTo(io, options), verify: options.verify !== false };
}

/** Options every checking command shares. */
export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'report format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--no-color', 'never colour the text report')
    .option('-c, --config <file>', 'configuration file (default: .hostns-check.yaml found upward)')
    .option('--min-uid <uid>', 'lowest allowed runAsUser (default 10000)')
    .option('--allow-host-ports <ranges>', 'allowed hostPort ranges, e.g. 80,8000-8100 (repeatable)', collect)
    .addOption(
      new Option('--fail-on <level>', 'exit 1 on unsuppressed findings (error), or only report them (none); errors always exit 2')
        .choices([...FAIL_ON_LEVELS])
        .default('error'),
    )
    .option('--help-base <url>', 'absolute URL the SARIF help links point into, one #anchor per check (default: the project docs)')
    .option('--sarif-category <name>', "the SARIF run's category (runAutomationDetails.id; default hostns-check): code scanning keeps one analysis per category")
    .option('--debug', 'say what runs, and why a finding could not be mapped to its exact line (also HELM_DEBUG)')
    .option('--no-verify', 'skip the renders that prove Helm template and values lines (faster; lines are then inferred, never called exact)');
}

/** `--help-base`: SARIF wants absolute URIs. */
function helpBaseOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--help-base must be an absolute URL like https://example.org/docs, not "${text}"`);
  }
  return url.href;
}

/** `--sarif-category`: printable, no spaces, so code scanning takes it as one category. */
function sarifCategoryOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9._/-]{1,100}$/.test(text)) throw new UsageError(`--sarif-category takes letters, digits and . _ - / (up to 100), not "${text}"`);
  return text;
}

/** Seconds from `--timeout`; a usage error for anything else. */
export function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not "${text}"`);
  return seconds;
}

/** The configuration file this run read, if any (as loadConfig finds it). */
async function configFileRead(options: CommonOptions, cwd: string): Promise<string[]> {
  if (options.config) return [path.resolve(cwd, options.config)];
  const { findConfigFile } = await import('../config/loadConfig.js');
  const found = findConfigFile(cwd);
  return found ? [found] : [];
}

/**
 * Builds the report of these targets, writes it where the options say, and returns the exit code.
 * The files the targets read and the configuration file are never the report's file.
 */
export async function writeReport(
  runs: TargetRun[],
  options: CommonOptions & ReviewOptions,
  io: CliIo,
  base?: Promise<BaseSide | undefined>,
  shard?: ShardInfo,
): Promise<number> {
  const built = buildReport({
    version: toolVersion(),
    targets: runs.map((r) => r.target),
    findings: runs.flatMap((r) => r.outcome.findings),
    errors: runs.flatMap((r) => r.outcome.errors),
    warnings: runs.flatMap((r) => r.outcome.warnings),
    resources: runs.reduce((sum, r) => sum + r.outcome.resources, 0),
    podSpecs: runs.reduce((sum, r) => sum + r.outcome.podSpecs, 0),
    checked: runs.flatMap((r) => r.outcome.checked),
  });
  // --base, --baseline, --write-baseline (src/cli/review.ts).
  const report = await finishReview(built, options, io.cwd, base);
  if (shard) report.shard = shard;
  return deliverReport(report, options, io, [...runs.flatMap((r) => r.reads ?? []), ...(await configFileRead(options, io.cwd))]);
}

/** Writes a finished report in the asked format where the options say (never over one of `reads`) and returns the exit code. */
export async function deliverReport(report: Report, options: Omit<CommonOptions, 'config'>, io: CliIo, reads: string[]): Promise<number> {
  const { formatReportPieces } = await import('../report/formats.js');
  const format = isFormatName(options.format) ? options.format : 'text';
  const color = options.color && !options.output && Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
  const failOn = (options.failOn ?? 'error') as FailOn;
  const pieces = formatReportPieces(report, format, { color, helpBase: helpBaseOf(options.helpBase), failOn, sarifCategory: sarifCategoryOf(options.sarifCategory) });
  if (options.output) {
    writeReportFile(options.output, [...pieces].join(''), io.cwd, reads);
    // The report is in the file; the verdict still reaches the person or the log that ran us.
    const { summaryLine } = await import('../report/text.js');
    io.stderr.write(safeLines(`hostns-check: ${summaryLine(report, failOn)}; report written to ${options.output}\n`));
  } else await writePieces(io.stdout, pieces);
  return exitCodeOf(report, failOn);
}

/** A stream that says when its buffer is full (a Node stream), or one that takes everything at once. */
type OutputStream = CliIo['stdout'] & { once?(event: string, listener: () => void): unknown; removeListener?(event: string, listener: () => void): unknown };

/**
 * Writes the pieces, waiting whenever the stream's buffer is full: a pipe whose reader is slower
 * would otherwise hold the whole report in memory. A stream that fails or closes (the reader is
 * gone) ends the wait; its error is reported by whoever listens for it.
 */
async function writePieces(stream: OutputStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (stream.write(piece) !== false || !stream.once) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        for (const event of ['drain', 'error', 'close']) stream.removeListener?.(event, done);
        resolve();
      };
      for (const event of ['drain', 'error', 'close']) stream.once!(event, done);
    });
  }
}
