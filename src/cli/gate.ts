// `hostns-check gate`: a Helm post-renderer that lets a release through only when it passes. It
// reads the rendered manifests on standard input (hooks included), checks every document, and on
// a pass writes the input back byte for byte; on findings, or anything it cannot read, it writes
// nothing at all and exits non-zero, so Helm stops the install or upgrade (fail closed). Helm 4
// drops a post-renderer's standard error: the report goes to --report, and to the terminal.
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { ConfigFlags } from '../config/loadConfig.js';
import { runChainedRenderer } from '../process/chainedRenderer.js';
import { FAIL_ON_LEVELS, exitCodeOf, type FailOn } from '../report/buildReport.js';
import { safeLines } from '../report/escape.js';
import { FORMATS, isFormatName } from '../report/formatNames.js';
import { failedTarget } from '../targets/driver.js';
import type { TargetRun } from '../pipeline/outcome.js';
import { MAX_PASS_THROUGH_BYTES, passThroughReport, readCappedBytes, tooLargeMessage } from '../targets/passThrough.js';
import { findPostRendererPlugin } from '../targets/postrender/helmPlugins.js';
import { POSTRENDER_INPUT } from '../targets/postrender/postRenderTarget.js';
import { collect, noteTo, parseTimeout, targetContext, type CliIo, type CommandContext } from './common.js';
import { writeReportFile } from './writeOutput.js';

interface GateOptions extends ConfigFlags {
  report?: string;
  reportFormat: string;
  failOn?: string;
  chart?: string;
  values: string[];
  set: string[];
  setString: string[];
  setJson: string[];
  setLiteral: string[];
  then?: string;
  timeout: string;
  debug?: boolean;
}

/** Where the report reaches a person when Helm 4 keeps our standard error: the controlling terminal, if any. */
function writeToTerminal(text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/tty', 'w');
    writeSync(fd, text);
  } catch {
    // no terminal (CI, tests): the report file is the way
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A command path (anything with a slash, or a file here), else a post-renderer plugin name, else a command on PATH. */
function thenCommand(value: string, io: CliIo): { command: string; args: string[]; env: Record<string, string> } {
  if (value.includes('/') || value.includes(path.sep) || existsSync(path.resolve(io.cwd, value))) {
    return { command: path.resolve(io.cwd, value), args: [], env: {} };
  }
  return findPostRendererPlugin(value, io.env) ?? { command: value, args: [], env: {} };
}

/** Runs --then over the input: what it wrote, or why there is nothing to check. */
async function chained(value: string, input: Buffer, io: CliIo, timeoutSeconds: number): Promise<Buffer | string> {
  const { command, args, env } = thenCommand(value, io);
  const exit = await runChainedRenderer({ command, args, input, cwd: io.cwd, env: { ...io.env, ...env }, timeoutSeconds, maxBytes: MAX_PASS_THROUGH_BYTES });
  const said = exit.stderr.trim() ? `: ${exit.stderr.trim().split('\n').slice(-3).join(' / ')}` : '';
  if (exit.failure) return `the --then post-renderer ${value} could not run (${exit.failure})${said}; nothing was checked`;
  if (exit.exitCode !== 0) return `the --then post-renderer ${value} exited with ${exit.exitCode}${said}; nothing was checked`;
  if (exit.stdout === null) return `the --then post-renderer ${value} wrote more than ${MAX_PASS_THROUGH_BYTES / (1024 * 1024)} MiB; nothing was checked`;
  return exit.stdout;
}

async function runGate(options: GateOptions, { io }: CommandContext): Promise<number> {
  const [{ loadConfig }, { postRenderKind }, { checkTarget }, { formatReport }, { summaryLine }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/postrender/postRenderTarget.js'),
    import('../targets/driver.js'),
    import('../report/formats.js'),
    import('../report/text.js'),
  ]);
  const timeoutSeconds = parseTimeout(options.timeout);
  const config = loadConfig(options, io.cwd, noteTo(io));
  const failOn = (options.failOn ?? 'error') as FailOn;
  const rejected = (message: string): TargetRun => failedTarget('manifests', POSTRENDER_INPUT, message, { file: POSTRENDER_INPUT });

  let output: Buffer | null = null;
  let run: TargetRun;
  const received = await readCappedBytes(io.stdin);
  const input = received === null ? tooLargeMessage('the manifests of any release') : options.then ? await chained(options.then, received, io, timeoutSeconds) : received;
  if (typeof input === 'string') run = rejected(input);
  else if (!Buffer.from(input.toString('utf8'), 'utf8').equals(input)) run = rejected('standard input is not valid UTF-8: nothing was checked');
  else {
    const user = {
      files: options.values,
      sets: [
        ...options.setJson.map((text) => ({ flag: '--set-json', text })),
        ...options.set.map((text) => ({ flag: '--set', text })),
        ...options.setString.map((text) => ({ flag: '--set-string', text })),
        ...options.setLiteral.map((text) => ({ flag: '--set-literal', text })),
      ],
    };
    const spec = { input: input.toString('utf8'), user, ...(options.chart !== undefined ? { chart: options.chart } : {}) };
    run = await checkTarget(postRenderKind, spec, targetContext(io, options, timeoutSeconds, config));
    output = input;
  }
  const report = passThroughReport(run);
  const code = exitCodeOf(report, failOn);
  const format = isFormatName(options.reportFormat) ? options.reportFormat : 'text';
  const text = formatReport(report, format, { color: false, failOn });
  const stderrIsTerminal = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  if (options.report) {
    const reads = [options.chart, ...options.values, options.config].filter((file): file is string => Boolean(file)).map((file) => path.resolve(io.cwd, file));
    writeReportFile(options.report, text, io.cwd, reads);
  }
  if (code === 0) {
    io.stdout.write(output ? output.toString('utf8') : '');
    return 0;
  }
  // Refused: nothing on standard output, so Helm has nothing to install.
  const where = options.report ? `the report is in ${options.report}` : 'give --report=FILE (with Helm 4: --post-renderer-args --report=FILE) to keep the report';
  const line = safeLines(`hostns-check gate: release refused: ${summaryLine(report, failOn)}; ${where}\n`);
  const forPeople = format === 'text' ? text : formatReport(report, 'text', { color: false, failOn });
  if (stderrIsTerminal || !options.report) io.stderr.write(safeLines(forPeople));
  // Helm 4 keeps a plugin's standard error to itself: the person at the terminal is told directly.
  if (!stderrIsTerminal && io.env.HELM_PLUGIN_DIR) writeToTerminal(safeLines(forPeople) + line);
  io.stderr.write(line);
  return code === 1 ? 1 : 2;
}

export function registerGateCommand(program: Command, command: CommandContext): void {
  program
    .command('gate')
    .description(
      'run as a Helm post-renderer: check the rendered manifests on standard input and write them back unchanged on a pass; on findings or unreadable input write nothing and exit non-zero',
    )
    .option('--report <file>', 'write the report to this file (Helm 4 drops a post-renderer\'s standard error)')
    .addOption(new Option('--report-format <format>', 'format of the --report file').choices([...FORMATS]).default('text'))
    .option('-c, --config <file>', 'configuration file (default: .hostns-check.yaml found upward)')
    .option('--min-uid <uid>', 'lowest allowed runAsUser (default 10000)')
    .option('--allow-host-ports <ranges>', 'allowed hostPort ranges, e.g. 80,8000-8100 (repeatable)', collect)
    .addOption(
      new Option('--fail-on <level>', 'refuse the release on unsuppressed findings (error), or only report them (none); unreadable input always refuses')
        .choices([...FAIL_ON_LEVELS])
        .default('error'),
    )
    .option('--chart <dir>', "the chart's folder or archive: findings then point at template and values lines")
    .option('-f, --values <file>', 'values file the release was rendered with (with --chart; repeatable)', collect, [])
    .option('--set <key=value>', 'a --set the release was rendered with (with --chart; repeatable)', collect, [])
    .option('--set-string <key=value>', 'a --set-string the release was rendered with (repeatable)', collect, [])
    .option('--set-json <key=json>', 'a --set-json the release was rendered with (repeatable)', collect, [])
    .option('--set-literal <key=value>', 'a --set-literal the release was rendered with (repeatable)', collect, [])
    .option('--then <plugin-or-command>', 'run this post-renderer (a Helm post-renderer plugin name or a command) first and check what it produced')
    .option('--timeout <seconds>', 'stop the --then post-renderer after this many seconds', '300')
    .option('--debug', 'say why a finding could not be mapped to its exact line (also HELM_DEBUG)')
    .action(async (options: GateOptions) => command.setExit(await runGate(options, command)));
}
