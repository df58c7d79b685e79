// After a SIGKILL, which no handler sees: the renderer does not outlive the tool (Linux: the kernel
// stops it, through setpriv's parent-death signal), and the next run removes the scratch folder
// the killed one left behind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { staleScratchDirs } from '../../src/process/scratch.js';
import { processesWith } from '../support/processes.js';
import { BIN, PROJECT_ROOT } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-sigkill-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A process id that no process has now: one that has just exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  assert.ok(pid);
  return pid;
}

test('staleScratchDirs: folders of dead owners, older than a minute, ours; nothing else', () => {
  const dir = path.join(scratch, 'sweep');
  mkdirSync(dir);
  const dead = deadPid();
  const old = (Date.now() - 120_000) / 1000;
  const make = (name: string, aged = true) => {
    mkdirSync(path.join(dir, name));
    if (aged) utimesSync(path.join(dir, name), old, old);
  };
  make(`hostns-check-chart-${dead}-AbC123`);
  make(`hostns-check-kustomize-${dead}-xyz789`, false); // too young: its owner may live elsewhere
  make(`hostns-check-chart-${process.pid}-AbC123`); // this very process
  make(`hostns-check-chart-${process.ppid}-AbC123`); // alive
  make(`other-tool-${dead}-AbC123`);
  writeFileSync(path.join(dir, `hostns-check-chart-${dead}-file00`), 'a file, not a folder');
  assert.deepEqual(staleScratchDirs(dir), [path.join(dir, `hostns-check-chart-${dead}-AbC123`)]);
  assert.deepEqual(staleScratchDirs(path.join(dir, 'missing')), []);
});

const linux = process.platform === 'linux' && existsSync('/usr/bin/setpriv');
if (!linux) console.log('# skipped: the renderer-outlives-the-tool test needs Linux with /usr/bin/setpriv (util-linux)');

/** A chart with a vendored file:// dependency (so --dependency-update works offline) that renders slowly. */
const chart = path.join(scratch, 'slow');
cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/library-user'), chart, { recursive: true });
writeFileSync(path.join(chart, 'templates/slow.yaml'), '{{- range until 200000 }}{{- range until 3000 }}{{- end }}{{- end }}\n');

for (const tools of HELM_VERSIONS) {
  test(`${tools.label}: SIGKILL of the tool stops Helm too; the next run removes the folder it left`, { skip: !linux }, async () => {
    const tmpdir = path.join(scratch, `tmp-${tools.label}`);
    mkdirSync(tmpdir);
    const env = { ...process.env, TMPDIR: tmpdir };
    const child = spawn(process.execPath, [BIN, 'helm', chart, '--dependency-update', '--helm', tools.helm], { env, stdio: 'ignore' });
    const started = Date.now();
    const helmRunning = () => processesWith(tmpdir).filter((pid) => pid !== String(child.pid));
    while (Date.now() - started < 20_000 && !(readdirSync(tmpdir).length > 0 && helmRunning().length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(helmRunning().length > 0, 'Helm is rendering the temporary copy');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const killed = Date.now();
    while (Date.now() - killed < 10_000 && helmRunning().length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(helmRunning(), [], 'Helm did not outlive the tool');
    const left = readdirSync(tmpdir);
    assert.equal(left.length, 1, 'SIGKILL left the chart copy behind');
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(path.join(tmpdir, left[0]!), old, old);

    const next = spawnSync(process.execPath, [BIN, 'helm', path.join(PROJECT_ROOT, 'charts-fixtures/library-user'), '--dependency-update', '--helm', tools.helm], { env, encoding: 'utf8' });
    assert.ok(next.status === 0 || next.status === 1, next.stderr);
    assert.deepEqual(readdirSync(tmpdir), [], 'the next run removed the leftover, and its own folder');
  });
}
