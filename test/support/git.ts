// git in a repository a test made: a fixed identity and default branch, no signing, and none of
// the machine's own git configuration (system or the user's home), so results do not depend on it.
import { execFileSync } from 'node:child_process';

/** Runs git in `cwd` with `home` as HOME; returns its standard output. */
export function gitIn(cwd: string, home: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
