// Run by Helm's install and update hooks inside the plugin folder: installs dependencies and
// builds the entry point unless a build is already there (a development checkout).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const built = existsSync('dist/src/cli/bundle.cjs') && existsSync('node_modules/commander');
const forced = process.env.HOSTNS_CHECK_REBUILD === '1';
if (built && !forced) {
  console.log('hostns-check: already built');
} else {
  try {
    execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
    execFileSync(npm, ['run', 'build', '--silent'], { stdio: 'inherit' });
    console.log('hostns-check: built');
  } catch (error) {
    console.error(`hostns-check: the plugin could not be built (${error.message}); run \`npm ci && npm run build\` in ${process.cwd()}`);
    process.exit(1);
  }
}
