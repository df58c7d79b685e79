// Chart paths, values file names and --set values full of shell syntax reach Helm intact and run
// nothing: every child process gets an argument array, never a shell.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, assertNoStackTrace, runCli } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-injection-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Shell syntax that would create a file named CANARY-* in the working directory if run. */
const HOSTILE = `we ird 'q' "dq" $(touch CANARY-dollar) \`touch CANARY-tick\`; touch CANARY-semi | x & y\nline two`;

function canaries(): string[] {
  return [...readdirSync(scratch), ...readdirSync(PROJECT_ROOT)].filter((name) => name.startsWith('CANARY'));
}

describe('no command injection', () => {
  const chart = path.join(scratch, `chart ${HOSTILE.replace(/\n/g, ' ')}`);
  cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/flags'), chart, { recursive: true });
  // Helm reads -f as a comma-separated (CSV) list, so a file name with a double quote or a comma
  // cannot reach it at all; everything else shell-like can.
  const values = path.join(scratch, `values ${HOSTILE.replace(/\n/g, ' ').replace(/"/g, '')}.yaml`);
  writeFileSync(values, 'viaValues: from-hostile-file\n');

  for (const tools of HELM_VERSIONS) {
    test(`${tools.label}: hostile chart path, values file name and --set values reach Helm as written`, () => {
      const result = runCli(
        ['helm', chart, '-f', values, '--set-literal', `viaSetLiteral=${HOSTILE}`, '--set-string', 'viaSetString=$(id)', '--helm', tools.helm, '--format', 'json'],
        { cwd: scratch },
      );
      assertNoStackTrace(result.stdout + result.stderr);
      assert.equal(result.status, 1, result.stderr);
      const names = JSON.parse(result.stdout).findings.map((f: { resource: { name: string } }) => f.resource.name);
      assert.ok(names.includes(`set-literal-${HOSTILE}`), names.join('\n'));
      assert.ok(names.includes('set-string-string-$(id)'));
      assert.ok(names.includes('values-from-hostile-file'));
      assert.deepEqual(canaries(), [], 'nothing ran');
    });
  }

  test('a hostile manifest file name through scan', () => {
    const file = path.join(scratch, `manifest ${HOSTILE.replace(/\n/g, ' ')}.yaml`);
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: []\n');
    const result = runCli(['scan', file, '--format', 'json'], { cwd: scratch });
    assert.equal(result.status, 1);
    assert.equal(JSON.parse(result.stdout).findings[0].source.file, path.basename(file));
    assert.deepEqual(canaries(), []);
    assert.ok(!existsSync(path.join(scratch, 'CANARY-dollar')));
  });
});
