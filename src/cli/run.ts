// Commander wiring for `run`: every target of the configuration file, N at a time, one report.
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../config/configError.js';
import { safeLines, visibleInline } from '../report/escape.js';
import type { TargetSpec } from '../targets/targetsFile.js';
import { locateHelm, locateKustomize } from '../process/toolLookup.js';
import { inShard, listTargets, parseShard } from './runSelection.js';
import { addReviewOptions, inBase, startBase, type ReviewOptions } from './review.js';
import { addCommonOptions, collect, debugTo, noteBundled, noteTo, parseTimeout, warnTo, writeReport, type CommandContext, type CommonOptions } from './common.js';

interface RunOptions extends CommonOptions, ReviewOptions {
  shard?: string;
  changedSince?: string;
  list?: boolean;
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

/**
 * `--changed-since REF`: the names of the targets whose inputs differ between REF and the work
 * tree (src/targets/targetInputs.ts); every target when the configuration file itself changed.
 */
async function changedTargets(ref: string, file: string, configured: TargetSpec[], io: CommandContext['io']): Promise<Set<string>> {
  const [{ changedSince }, { inputsOf, touches }] = await Promise.all([import('../process/gitRevision.js'), import('../targets/targetInputs.js')]);
  const changed = await changedSince(ref, io.cwd, io.env);
  const cwd = realpathSync(io.cwd);
  const all = changed.includes(realpathSync(path.resolve(io.cwd, file)));
  const selected = configured.filter((target) => all || touches(inputsOf(target, cwd), changed));
  noteTo(io)(
    all
      ? `--changed-since ${ref}: the configuration file changed, so every target is selected`
      : `--changed-since ${ref}: ${selected.length} of ${configured.length} targets have changed inputs`,
  );
  return new Set(selected.map((target) => target.name));
}

async function runAll(options: RunOptions, { io }: CommandContext): Promise<number> {
  const [{ findConfigFile, foundAboveNotice, loadConfig }, { readTargetsFile }, { runTargets }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/targetsFile.js'),
    import('../targets/runTargets.js'),
  ]);
  const file = options.config ?? findConfigFile(io.cwd);
  if (!file) throw new ConfigError(null, null, 'run needs targets: give --config FILE or put a .hostns-check.yaml with a targets: list in this folder or above');
  const above = options.config ? null : foundAboveNotice(file, io.cwd);
  if (above) noteTo(io)(above);
  const config = loadConfig({ ...options, config: file }, io.cwd);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  if (typeof shard === 'string') throw new ConfigError(null, null, shard);
  const configured = readTargetsFile(file, io.cwd);
  const changed = options.changedSince === undefined ? undefined : await changedTargets(options.changedSince, file, configured, io);
  const targets = inShard(selectTargets(configured, options.only), shard).filter((target) => !changed || changed.has(target.name));
  // A shard report carries its targets' places in the configuration: `merge` orders by them.
  const shardInfo = shard ? { ...shard, positions: targets.map((target) => configured.indexOf(target)) } : undefined;
  if (options.list) {
    io.stdout.write(listTargets(targets, options.format));
    return 0;
  }
  if (targets.length === 0 && !shard && !changed) throw new ConfigError(file, null, 'the configuration has no targets: add a targets: list');
  const concurrency = parseConcurrency(options.concurrency);
  const timeoutSeconds = parseTimeout(options.timeout);
  let helmPath: string | undefined; // looked up once, when a target first needs it
  const helm = () => (helmPath ??= noteBundled(io, locateHelm({ flag: options.helm, env: io.env, cwd: io.cwd }), 'Helm'));
  const kustomize = () => locateKustomize({ flag: options.kustomize, env: io.env, cwd: io.cwd });
  // --base: the targets the configuration named at the revision (a name only there was removed,
  // one only here added), rendered from the revision's copy while the head renders.
  const base = startBase(options, io, async (world) => {
    const baseFile = path.resolve(world.cwd, world.path(file));
    if (!existsSync(baseFile)) return [];
    const all = readTargetsFile(baseFile, world.cwd);
    const only = options.only ?? [];
    const named = only.length === 0 ? all : all.filter((t) => only.includes(t.name) || only.some((name) => t.name.startsWith(`${name}[`)));
    // --changed-since: the base of each selected target, and of the targets this change removed.
    const configuredNames = new Set(configured.map((t) => t.name));
    const baseTargets = inShard(named, shard).filter((t) => !changed || changed.has(t.name) || !configuredNames.has(t.name));
    const context = inBase({ cwd: io.cwd, warn: warnTo(io) }, world);
    return runTargets(baseTargets, { concurrency, cwd: context.cwd, env: io.env, timeoutSeconds, config, allowOutsideConfig: options.allowOutsideConfig === true, helm, kustomize, debug: debugTo(io, options), verify: false, warn: context.warn, blame: false });
  });
  // A shard may get no target at all: an empty report (with --base, what it removed), not an error.
  if (targets.length === 0) return writeReport([], options, io, base, shardInfo);
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  let done = 0;
  let findings = 0;
  const running = new Set<string>();
  const progress = () => {
    if (!tty) return;
    const names = visibleInline([...running].slice(0, 3).join(', ') + (running.size > 3 ? ', ...' : ''));
    io.stderr.write(`\r\u001b[2K${done}/${targets.length} targets done, ${findings} findings; running: ${names}`);
  };
  const runs = await runTargets(targets, {
    concurrency,
    cwd: io.cwd,
    env: io.env,
    timeoutSeconds,
    config,
    allowOutsideConfig: options.allowOutsideConfig === true,
    helm,
    kustomize,
    debug: debugTo(io, options),
    verify: options.verify !== false,
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
        io.stderr.write(safeLines(`hostns-check: [${done}/${targets.length}] ${visibleInline(targets[index]!.name)}: ${state}\n`));
      }
    },
  });
  if (tty) io.stderr.write('\r\u001b[2K');
  return writeReport(runs, options, io, base, shardInfo);
}

export function registerRunCommand(program: Command, command: CommandContext): void {
  addCommonOptions(
    addReviewOptions(
      program
        .command('run')
        .description('check every target of the configuration file (targets: helm charts, kustomize overlays, manifests), N at a time')
        .option('--concurrency <n>', 'targets rendered at once (default: the number of CPUs)')
        .option('--only <name>', 'check only this target (repeatable)', collect)
        .option('--shard <I/N>', 'check only share I of N (0-based; stable: by a hash of each target name), for CI machines that split the work')
        .option('--changed-since <ref>', 'check only the targets whose files (chart, subcharts and file:// dependencies, values files, overlay, bases, components, manifests) differ between REF and the work tree, uncommitted and untracked changes included')
        .option('--list', 'print the selected targets instead of checking them (one a line; --format json: a JSON array)')
        .option('--helm <path>', 'the helm binary (default: $HELM_BIN, helm on PATH, then the bundled one)')
        .option('--kustomize <path>', 'the kustomize binary (default: kustomize on PATH, else kubectl kustomize)')
        .option('--timeout <seconds>', 'stop a render after this many seconds', '300')
        .option('--allow-outside-config', "let manifests: targets read files outside the configuration file's folder (refused by default)"),
    ),
  )
    .action(async (options: RunOptions) => command.setExit(await runAll(options, command)));
}
