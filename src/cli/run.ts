// Commander wiring for `run`: every target of the configuration file, N at a time, one report.
import os from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../config/configError.js';
import type { TargetSpec } from '../targets/targetsFile.js';
import { locateHelm, locateKustomize } from '../process/toolLookup.js';
import { addCommonOptions, collect, debugTo, parseTimeout, warnTo, writeReport, type CommandContext, type CommonOptions } from './common.js';

interface RunOptions extends CommonOptions {
  concurrency?: string;
  only?: string[];
  helm?: string;
  kustomize?: string;
  timeout: string;
  allowOutsideConfig?: boolean;
}

function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(null, null, `--concurrency must be a whole number of at least 1, not "${text}"`);
  return value;
}

/** The targets `--only` keeps; naming one that does not exist is a mistake, not an empty run. */
function selectTargets(targets: TargetSpec[], only: string[] | undefined): TargetSpec[] {
  if (!only || only.length === 0) return targets;
  const names = new Set(targets.map((t) => t.name));
  const unknown = only.filter((name) => !names.has(name) && !targets.some((t) => t.name.startsWith(`${name}[`)));
  if (unknown.length > 0) {
    throw new ConfigError(null, null, `--only names no configured target: ${unknown.join(', ')}; the targets are ${[...names].join(', ')}`);
  }
  // A helm target with valueSets expands to NAME[files]; --only NAME keeps all of them.
  return targets.filter((t) => only.includes(t.name) || only.some((name) => t.name.startsWith(`${name}[`)));
}

async function runAll(options: RunOptions, { io }: CommandContext): Promise<number> {
  const [{ findConfigFile, loadConfig }, { readTargetsFile }, { runTargets }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/targetsFile.js'),
    import('../targets/runTargets.js'),
  ]);
  const file = options.config ?? findConfigFile(io.cwd);
  if (!file) throw new ConfigError(null, null, 'run needs targets: give --config FILE or put a .hostns-check.yaml with a targets: list in this folder or above');
  const config = loadConfig({ ...options, config: file }, io.cwd);
  const targets = selectTargets(readTargetsFile(file, io.cwd), options.only);
  if (targets.length === 0) throw new ConfigError(file, null, 'the configuration has no targets: add a targets: list');
  const concurrency = parseConcurrency(options.concurrency);
  const timeoutSeconds = parseTimeout(options.timeout);
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  let done = 0;
  let findings = 0;
  const running = new Set<string>();
  const progress = () => {
    if (!tty) return;
    const names = [...running].slice(0, 3).join(', ') + (running.size > 3 ? ', ...' : '');
    io.stderr.write(`\r\u001b[2K${done}/${targets.length} targets done, ${findings} findings; running: ${names}`);
  };
  const runs = await runTargets(targets, {
    concurrency,
    cwd: io.cwd,
    env: io.env,
    timeoutSeconds,
    config,
    allowOutsideConfig: options.allowOutsideConfig === true,
    helm: () => locateHelm({ flag: options.helm, env: io.env, cwd: io.cwd }).path,
    kustomize: () => locateKustomize({ flag: options.kustomize, env: io.env, cwd: io.cwd }),
    debug: debugTo(io, options),
    warn: (text) => {
      if (tty) io.stderr.write('\r\u001b[2K'); // clear the progress line first
      warnTo(io)(text);
    },
    onStart: (index) => {
      running.add(targets[index]!.name);
      progress();
    },
    onDone: (run, index) => {
      running.delete(targets[index]!.name);
      done++;
      const count = run.outcome.findings.filter((f) => !f.suppressed).length;
      findings += count;
      if (tty) progress();
      else {
        const state = run.target.ok ? `${count} finding${count === 1 ? '' : 's'}` : `error: ${run.target.error}`;
        io.stderr.write(`hostns-check: [${done}/${targets.length}] ${targets[index]!.name}: ${state}\n`);
      }
    },
  });
  if (tty) io.stderr.write('\r\u001b[2K');
  return writeReport(runs, options, io);
}

export function registerRunCommand(program: Command, command: CommandContext): void {
  addCommonOptions(
      program
        .command('run')
        .description('check every target of the configuration file (targets: helm charts, kustomize overlays, manifests), N at a time')
        .option('--concurrency <n>', 'targets rendered at once (default: the number of CPUs)')
        .option('--only <name>', 'check only this target (repeatable)', collect)
        .option('--helm <path>', 'the helm binary (default: $HELM_BIN, helm on PATH, then the bundled one)')
        .option('--kustomize <path>', 'the kustomize binary (default: kustomize on PATH, else kubectl kustomize)')
        .option('--timeout <seconds>', 'stop a render after this many seconds', '300')
        .option('--allow-outside-config', "let manifests: targets read files outside the configuration file's folder (refused by default)"),
    )
    .action(async (options: RunOptions) => command.setExit(await runAll(options, command)));
}
