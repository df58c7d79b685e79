// `hostns-check scan`: rendered manifests from files, folders or standard input, one target per argument.
import type { Command } from 'commander';
import type { TargetRun } from '../pipeline/outcome.js';
import type { HelmTemplateRequest } from '../targets/helm/helmTemplate.js';
import type { UserValues } from '../targets/helm/valuesOrigins.js';
import { addCommonOptions, collect, noteTo, targetContext, UsageError, writeReport, type CommandContext, type CommonOptions } from './common.js';

export const KUSTOMIZE_ROOT_HELP = 'folder the origin annotations are relative to: the one kustomize built (default: the working directory)';

/** The values flags, as `hostns-check helm` takes them. */
type ValuesFlags = Pick<HelmTemplateRequest, 'values' | 'set' | 'setString' | 'setFile' | 'setJson' | 'setLiteral'>;

interface ScanOptions extends CommonOptions, ValuesFlags {
  kustomizeRoot?: string;
  chart?: string;
}

/** The values `helm template` was given, as the values mapping reads them; only with --chart. */
async function chartValues(options: ScanOptions): Promise<{ path: string; user: UserValues } | undefined> {
  const given = [options.values, options.set, options.setString, options.setFile, options.setJson, options.setLiteral].some((list) => list.length > 0);
  if (options.chart === undefined) {
    if (given) throw new UsageError('scan: -f/--values and --set… say what the chart was rendered with: give them with --chart DIR');
    return undefined;
  }
  const [{ userValues }, { emptyHelmRequest }] = await Promise.all([import('../targets/helm/helmTarget.js'), import('../targets/helm/helmTemplate.js')]);
  const { values, set, setString, setFile, setJson, setLiteral } = options;
  return { path: options.chart, user: userValues({ ...emptyHelmRequest(options.chart), values, set, setString, setFile, setJson, setLiteral }) };
}

async function runScan(paths: string[], options: ScanOptions, { io }: CommandContext): Promise<number> {
  if (paths.length === 0) throw new UsageError('scan: give one or more files or folders, or - to read standard input');
  const chart = await chartValues(options);
  const [{ loadConfig }, { checkTarget }, { manifestsKind }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/driver.js'),
    import('../targets/manifests/manifestsTarget.js'),
  ]);
  const context = targetContext(io, options, Infinity, loadConfig(options, io.cwd, noteTo(io)));
  const runs: TargetRun[] = [];
  for (const argument of paths) runs.push(await checkTarget(manifestsKind, { argument, stdin: io.stdin, kustomizeRoot: options.kustomizeRoot, chart }, context));
  return writeReport(runs, options, io);
}

export function registerScanCommand(program: Command, command: CommandContext): void {
  addCommonOptions(
    program
      .command('scan')
      .description('check rendered manifests from files, folders (*.yaml, *.yml) or - for standard input')
      .argument('[paths...]', 'files, folders, or - for standard input')
      .option('--kustomize-root <dir>', KUSTOMIZE_ROOT_HELP)
      .option('--chart <dir>', 'the chart folder or .tgz that `helm template` rendered: findings under its # Source: files point at template and values lines')
      .option('-f, --values <file>', 'a values file the chart was rendered with (with --chart; repeatable)', collect, [])
      .option('--set <key=value>', 'a --set the chart was rendered with (with --chart; repeatable)', collect, [])
      .option('--set-string <key=value>', 'a --set-string the chart was rendered with (repeatable)', collect, [])
      .option('--set-file <key=path>', 'a --set-file the chart was rendered with (repeatable)', collect, [])
      .option('--set-json <key=json>', 'a --set-json the chart was rendered with (repeatable)', collect, [])
      .option('--set-literal <key=value>', 'a --set-literal the chart was rendered with (repeatable)', collect, []),
  ).action(async (paths: string[], options: ScanOptions) => command.setExit(await runScan(paths, options, command)));
}
