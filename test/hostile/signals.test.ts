// SIGINT and SIGTERM during a Helm render: Helm is stopped with the tool, the temporary chart
// copy (--dependency-update) is removed, the exit code is never a verdict, and the chart is untouched.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, PROJECT_ROOT } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';
import { processesWith } from '../support/processes.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-signals-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A chart with a vendored file:// dependency (so --dependency-update works offline) that renders slowly. */
const chart = path.join(scratch, 'slow');
cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/library-user'), chart, { recursive: true });
writeFileSync(path.join(chart, 'templates/slow.yaml'), '{{- range until 200000 }}{{- range until 3000 }}{{- end }}{{- end }}\n');

for (const tools of HELM_VERSIONS) {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${tools.label}: ${signal} during a render stops Helm, removes the chart copy, exits ${code}`, async () => {
      const tmpdir = path.join(scratch, `tmp-${tools.label}-${signal}`);
      mkdirSync(tmpdir);
      const child = spawn(process.execPath, [BIN, 'helm', chart, '--dependency-update', '--helm', tools.helm], {
        env: { ...process.env, TMPDIR: tmpdir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // Wait until the chart copy exists and Helm is rendering it.
      const started = Date.now();
      while (Date.now() - started < 20_000) {
        if (readdirSync(tmpdir).length > 0 && processesWith(tmpdir).some((pid) => pid !== String(child.pid))) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(readdirSync(tmpdir).length > 0, 'the render started in a temporary copy');
      child.kill(signal);
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(exit, code, stderr);
      assert.match(stderr, new RegExp(`stopped by ${signal}; temporary files removed`));
      assert.doesNotMatch(stderr, /\n\s+at /);
      assert.deepEqual(readdirSync(tmpdir), [], 'no temporary folder left');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(processesWith(tmpdir), [], 'Helm was stopped too');
      assert.deepEqual(readdirSync(chart).sort(), ['Chart.yaml', 'charts', 'templates', 'values.yaml'], 'the chart is untouched');
    });
  }
}
