// `hostns-check kustomize`: build an overlay (kustomize build, or kubectl kustomize) and check
// every pod, pointing at the base, overlay, patch or component line that set each value.
import type { Command } from 'commander';
import { locateHelm, locateKustomize } from '../process/toolLookup.js';
import type { KustomizeRequest } from '../targets/kustomize/kustomizeBuild.js';
import { addReviewOptions, inBase, startBase, type ReviewOptions } from './review.js';
import { addCommonOptions, noteTo, parseTimeout, targetContext, writeReport, type CommandContext, type CommonOptions } from './common.js';

interface KustomizeOptions extends CommonOptions, ReviewOptions {
  kustomize?: string;
  enableHelm?: boolean;
  helmCommand?: string;
  loadRestrictor?: string;
  enableAlphaPlugins?: boolean;
  timeout: string;
}

async function runKustomizeCommand(dir: string, options: KustomizeOptions, { io, extraArgs }: CommandContext): Promise<number> {
  const timeoutSeconds = parseTimeout(options.timeout);
  const [{ loadConfig }, { checkTarget }, { kustomizeKind }] = await Promise.all([
    import('../config/loadConfig.js'),
    import('../targets/driver.js'),
    import('../targets/kustomize/kustomizeTarget.js'),
  ]);
  const config = loadConfig(options, io.cwd, noteTo(io));
  const kustomize = locateKustomize({ flag: options.kustomize, env: io.env, cwd: io.cwd });
  const request: KustomizeRequest = {
    dir,
    enableHelm: Boolean(options.enableHelm),
    helmCommand: options.helmCommand,
    loadRestrictor: options.loadRestrictor,
    enableAlphaPlugins: Boolean(options.enableAlphaPlugins),
    extraArgs,
  };
  // Charts are inflated by the Helm Kustomize would run: --helm-command, else as `helm` finds it.
  const inflates = request.enableHelm || extraArgs.includes('--enable-helm');
  const helm = inflates ? locateHelm({ flag: options.helmCommand, env: io.env, cwd: io.cwd }).path : null;
  const context = targetContext(io, options, timeoutSeconds, config);
  // --base: the same overlay (and every base and component it reaches) as it was at the revision.
  const base = startBase(options, io, async (world) => {
    if (!world.exists(dir)) return 'added';
    return [await checkTarget(kustomizeKind, { request: { ...request, dir: world.path(dir) }, kustomize, helm }, inBase(context, world))];
  });
  const run = await checkTarget(kustomizeKind, { request, kustomize, helm }, context);
  return writeReport([run], options, io, base);
}

export function registerKustomizeCommand(program: Command, command: CommandContext): void {
  addCommonOptions(
    addReviewOptions(program
      .command('kustomize')
      .description(
        'build an overlay with kustomize build (or kubectl kustomize) and check every pod, pointing at the file and line that set each value; arguments after -- go to the build',
      )
      .argument('[dir]', 'the folder holding kustomization.yaml', '.')
      .option('--kustomize <path>', 'kustomize or kubectl binary (default: $KUSTOMIZE_BIN, kustomize on PATH, then kubectl)')
      .option('--enable-helm', 'inflate helmCharts, as for kustomize build')
      .option('--helm-command <path>', 'the helm binary for helmCharts (default: $HELM_BIN, helm on PATH, then the bundled one)')
      .option('--load-restrictor <restrictor>', 'LoadRestrictionsRootOnly or LoadRestrictionsNone, as for kustomize build')
      .option('--enable-alpha-plugins', 'enable Kustomize plugins, as for kustomize build')
      .option('--timeout <seconds>', 'stop the build after this many seconds', '300')),
  ).action(async (dir: string, options: KustomizeOptions) => command.setExit(await runKustomizeCommand(dir, options, command)));
}
