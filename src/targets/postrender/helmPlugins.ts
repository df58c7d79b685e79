// Finds a Helm post-renderer plugin by name (`gate --then NAME`) the way Helm 4 does: a folder in
// $HELM_PLUGINS (default $HELM_DATA_HOME/plugins) whose plugin.yaml has that name, and the
// command of its runtimeConfig.platformCommand for this system, with $HELM_PLUGIN_DIR expanded.
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { readRegularFile } from '../../process/regularFile.js';

export interface PluginCommand {
  command: string;
  args: string[];
  /** HELM_PLUGIN_NAME and HELM_PLUGIN_DIR, as Helm sets them for the plugin. */
  env: Record<string, string>;
}

interface PlatformCommand {
  os?: string;
  arch?: string;
  command?: string;
  args?: unknown[];
}

/** The folders Helm looks for plugins in. */
export function pluginFolders(env: NodeJS.ProcessEnv): string[] {
  if (env.HELM_PLUGINS) return env.HELM_PLUGINS.split(path.delimiter).filter(Boolean);
  const data = env.HELM_DATA_HOME || (env.XDG_DATA_HOME ? path.join(env.XDG_DATA_HOME, 'helm') : path.join(os.homedir(), '.local', 'share', 'helm'));
  return [path.join(data, 'plugins')];
}

function expand(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => vars[(braced ?? bare)!] ?? '');
}

/** The entry for this OS and architecture (an entry without os matches any), as Helm picks it. */
function pick(commands: PlatformCommand[]): PlatformCommand | undefined {
  const goOs = process.platform === 'win32' ? 'windows' : process.platform;
  const goArch = process.arch === 'x64' ? 'amd64' : process.arch;
  return (
    commands.find((c) => c.os === goOs && c.arch === goArch) ??
    commands.find((c) => c.os === goOs && !c.arch) ??
    commands.find((c) => !c.os)
  );
}

/** The command of the installed post-renderer plugin with this name; null when none is installed. */
export function findPostRendererPlugin(name: string, env: NodeJS.ProcessEnv): PluginCommand | null {
  for (const folder of pluginFolders(env)) {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = path.join(folder, entry);
      let manifest: Record<string, unknown>;
      try {
        manifest = parse(readRegularFile(path.join(dir, 'plugin.yaml'), 1024 * 1024).toString('utf8')) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (!manifest || manifest.name !== name) continue;
      const config = (manifest.runtimeConfig ?? manifest) as { platformCommand?: PlatformCommand[]; command?: string };
      const chosen = pick(Array.isArray(config.platformCommand) ? config.platformCommand : []) ?? (config.command ? { command: config.command } : undefined);
      if (!chosen?.command) return null;
      const pluginEnv = { HELM_PLUGIN_NAME: name, HELM_PLUGIN_DIR: dir };
      const vars = { ...env, ...pluginEnv };
      const args = (chosen.args ?? []).map((arg) => expand(String(arg), vars));
      // A legacy `command:` is one string with its arguments; a v1 command is the program alone.
      const words = expand(chosen.command, vars).split(/\s+/).filter(Boolean);
      return { command: words[0]!, args: [...words.slice(1), ...args], env: pluginEnv };
    }
  }
  return null;
}
