// Start-up: `hostns-check helm` starts Helm before it reads the later stages, so they load while
// Helm renders. These tests pin the bundle's shape that makes this so, and what happens to a
// configuration mistake that is only found once Helm is already running.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, assertNoStackTrace, runCli } from './support/runCli.js';
import { processesWith } from './support/processes.js';
import { HELM_VERSIONS } from './support/tools.js';

const CLI_DIR = path.join(PROJECT_ROOT, 'dist/src/cli');
const read = (file: string) => readFileSync(path.join(CLI_DIR, file), 'utf8');

/** The bundle and every chunk it imports statically: what Node reads before any command runs. */
function startupFiles(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    // Static imports only: `import ... from "./chunk-X.mjs"`, not `import("./chunk-X.mjs")`.
    for (const match of read(file).matchAll(/^import\s[^;]*?from\s*"\.\/([\w-]+\.mjs)";/gm)) visit(match[1]);
  };
  visit(entry);
  return [...seen];
}

/** esbuild marks each module it bundles with a `// path` comment line. */
const holds = (text: string, module: string) => text.includes(`\n// ${module}`);

describe('the bundle', () => {
  const startup = startupFiles('bundle.mjs').map(read).join('\n');
  const everything = readdirSync(CLI_DIR)
    .filter((name) => name.endsWith('.mjs'))
    .map(read)
    .join('\n');
  const laterStages = ['node_modules/yaml/', 'dist/src/manifests/', 'dist/src/rules/', 'dist/src/sources/', 'dist/src/report/formats.js', 'dist/src/config/loadConfig.js'];

  test('start-up reads the command wiring and the renderers, not the YAML parser or the checking stages', () => {
    for (const module of ['node_modules/commander/', 'node_modules/execa/', 'dist/src/render/helmTemplate.js', 'dist/src/pipeline/checkHelmChart.js']) {
      assert.ok(holds(startup, module), `${module} is read at start-up`);
    }
    for (const module of laterStages) assert.ok(!holds(startup, module), `${module} must not be read before Helm starts`);
  });

  test('the later stages are in the build, loaded with import() when a command needs them', () => {
    for (const module of laterStages) assert.ok(holds(everything, module), `${module} is bundled`);
    assert.match(read('bundle.mjs'), /import\("\.\/chunk-[\w-]+\.mjs"\)/);
  });
});

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-startup-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

for (const tools of HELM_VERSIONS) {
  test(`${tools.label}: a configuration mistake found while Helm renders exits 2 with its line, and Helm is stopped`, () => {
    // A render that would take minutes: the mistake must end it, not wait for it.
    const slow = path.join(scratch, `slow-${tools.label}`);
    mkdirSync(path.join(slow, 'templates'), { recursive: true });
    writeFileSync(path.join(slow, 'Chart.yaml'), 'apiVersion: v2\nname: slow\nversion: 0.1.0\n');
    writeFileSync(path.join(slow, 'templates/slow.yaml'), '{{- range until 100000 }}{{- range until 3000 }}{{- end }}{{- end }}\n');
    const config = path.join(scratch, `bad-${tools.label}.yaml`);
    writeFileSync(config, '# our cluster\nminUid: -5\n');
    const started = Date.now();
    const result = runCli(['helm', slow, '--helm', tools.helm, '--config', config]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`bad-${tools.label}\\.yaml:2: minUid must be a whole number`));
    assert.equal(result.stdout, '', 'no report: nothing was checked');
    assertNoStackTrace(result.stderr);
    assert.ok(Date.now() - started < 20_000, 'ended long before the render would');
    assert.deepEqual(processesWith(slow), [], 'Helm is not left running');
  });
}
