// Runs the built command as a user would: a real process, real exit code, real streams.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, from dist/test/support/ three levels up. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(PROJECT_ROOT, 'bin/hostns-check.js');
export const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { cwd?: string; input?: string | Uint8Array; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs with `--format json` and parses the single JSON object it must print. */
export function runJson(args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const result = runCli([...args, '--format', 'json'], options);
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return { ...result, report };
}

/** No stack trace may ever reach the user. */
export function assertNoStackTrace(text: string): void {
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(text) || /^\s+at [\w.<>]+ \(/m.test(text)) {
    throw new Error(`output contains a stack trace:\n${text}`);
  }
}
