// `npm run demo`: renders the bundled insecure chart with Helm and shows what hostns-check finds.
// The chart is insecure on purpose, so the check exits 1; the demo succeeds when it does.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = ['bin/hostns-check.js', 'helm', 'charts-fixtures/insecure-pod'];
console.log(`$ hostns-check ${args.slice(1).join(' ')}\n`);
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (run.status === 1) {
  console.log('\nExit code 1: findings, as expected for this deliberately insecure chart.');
  console.log('Try: node bin/hostns-check.js helm charts-fixtures/insecure-pod -f charts-fixtures/insecure-pod/values-secure.yaml');
  process.exit(0);
}
console.error(`\nThe demo expected exit code 1 (findings) but got ${run.status ?? run.signal}.`);
process.exit(1);
