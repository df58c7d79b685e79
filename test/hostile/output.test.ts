// Output a chart author controls: resource and container names, a chart folder name, a Helm
// `fail` message, a Helm warning and a `run` target name carrying ANSI sequences, a bare carriage
// return and GitHub Actions workflow commands (`::error::`, `::add-mask::`, `::stop-commands::`,
// the legacy `##[error]`). Every format and standard error, on both Helm versions: no control
// character reaches a terminal raw, no line is a workflow command the tool did not mean, and
// the machine formats still carry the names exactly.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { neutraliseCommands, safeJson, safeLines, visibleInline } from '../../src/report/escape.js';
import { parseJunit, sarifSchemaErrors } from '../support/formats.js';
import { assertNoStackTrace, runCli, type CliResult } from '../support/runCli.js';
import { HELM_VERSIONS } from '../support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-output-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ESC = '\u001b';
const POD = `evil${ESC}[2J${ESC}[H`;
const CONTAINER = `c\n::error::pwned-container\n::add-mask::secret\n::stop-commands::token\r::error::cr ##[error]legacy`;

/** A chart whose names, `fail` message (with --set boom=true) and Helm 3 coalesce warning carry the tricks. */
function writeChart(dir: string): void {
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  mkdirSync(path.join(dir, 'charts/sub'), { recursive: true });
  writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: evil\nversion: 0.1.0\n');
  // The parent gives a table where the subchart has a plain value: Helm warns, naming the key.
  const key = '"x\\e[2J\\n::error::pwned-warning\\n::add-mask::warn"';
  writeFileSync(path.join(dir, 'values.yaml'), `boom: false\nsub:\n  ${key}:\n    a: 1\n`);
  writeFileSync(path.join(dir, 'charts/sub/Chart.yaml'), 'apiVersion: v2\nname: sub\nversion: 0.1.0\n');
  writeFileSync(path.join(dir, 'charts/sub/values.yaml'), `${key}: plain\n`);
  writeFileSync(
    path.join(dir, 'templates/pod.yaml'),
    [
      '{{- if .Values.boom }}{{ fail "boom\\x1b[2J\\n::error::pwned-fail\\n::add-mask::fail\\r::stop-commands::t ##[error]legacy" }}{{ end }}',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: "evil\\e[2J\\e[H"',
      'spec:',
      '  hostNetwork: true',
      '  containers:',
      `    - name: ${JSON.stringify(CONTAINER)}`,
      '      image: app:1',
      '',
    ].join('\n'),
  );
}

// The folder name itself heads the text report's group of findings.
const FOLDER = `::error::pwned-folder ${ESC}[31mred`;
const chart = path.join(scratch, FOLDER);
writeChart(chart);

/** Nothing a terminal or the Actions runner would act on, whatever the format. */
function assertInert(text: string, what: string, format: string): void {
  const control = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/.exec(text);
  assert.equal(control, null, `${what}: a raw control character ${JSON.stringify(control?.[0])}:\n${text}`);
  assert.ok(!text.includes('##['), `${what}: a legacy workflow command:\n${text}`);
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (!/^[\s\u0085]*::/.test(line)) continue;
    // Only the github format writes commands, and only its own annotations.
    assert.ok(format === 'github' && what === 'stdout' && /^::(error|warning|notice) [^:]*::/.test(line), `${what}: a workflow command line: ${line}`);
  }
}

function check(result: CliResult, format: string): void {
  assertNoStackTrace(result.stdout + result.stderr);
  assertInert(result.stdout, 'stdout', format);
  assertInert(result.stderr, 'stderr', format);
}

const FORMATS = ['text', 'json', 'sarif', 'junit', 'github', 'codeclimate', 'markdown'] as const;

describe('output a chart author controls', () => {
  for (const tools of HELM_VERSIONS) {
    for (const format of FORMATS) {
      test(`${tools.label} --format ${format}: names, a folder name and Helm's warning are escaped`, () => {
        const result = runCli(['helm', FOLDER, '--helm', tools.helm, '--format', format], { cwd: scratch });
        assert.equal(result.status, 1, result.stdout + result.stderr);
        check(result, format);
        // Helm 3 forwards the warning raw; Helm 4 quotes it itself: either way it is shown.
        assert.match(result.stderr, /pwned-warning/);
        if (format === 'text') {
          assert.ok(result.stdout.includes('Pod/evil\\x1b[2J\\x1b[H'), result.stdout);
          assert.ok(result.stdout.includes('\\x3a:error::pwned-folder \\x1b[31mred/templates/pod.yaml'), result.stdout);
          assert.match(result.stdout, /^fail: 2 findings/m);
        }
        if (format === 'json' || format === 'sarif') {
          const parsed = JSON.parse(result.stdout) as { findings?: { resource: { name: string }; container?: string }[] };
          if (format === 'json') {
            // The machine format keeps the names exactly: escapes decode to the same strings.
            assert.deepEqual(parsed.findings!.map((f) => f.resource.name), [POD, POD]);
            assert.ok(parsed.findings!.some((f) => f.container === CONTAINER));
          } else {
            assert.deepEqual(sarifSchemaErrors(parsed), []);
          }
        }
        if (format === 'junit') {
          const junit = parseJunit(result.stdout);
          assert.equal(junit.failures, 2);
        }
        if (format === 'github') {
          const commands = result.stdout.split('\n').filter((line) => line.startsWith('::'));
          assert.equal(commands.length, 2, result.stdout);
        }
      });
    }

    test(`${tools.label}: a Helm fail message is escaped in every format and on standard error`, () => {
      for (const format of FORMATS) {
        const result = runCli(['helm', FOLDER, '--set', 'boom=true', '--helm', tools.helm, '--format', format], { cwd: scratch });
        assert.equal(result.status, 2, result.stdout + result.stderr);
        check(result, format);
        assert.match(result.stdout, /pwned-fail/, `${format}: the message is still reported`);
        if (format === 'text') assert.ok(result.stdout.includes('\\x3a:error::pwned-fail'), result.stdout);
        if (format === 'junit') assert.equal(parseJunit(result.stdout).errors, 1);
        if (format === 'json') {
          const message = (JSON.parse(result.stdout) as { errors: { message: string }[] }).errors[0]!.message;
          assert.ok(message.includes('\n::error::pwned-fail'), message);
        }
      }
    });
  }

  test("run: a target name and its progress lines on standard error, and the report's [target] tags", () => {
    const folder = path.join(scratch, 'run');
    mkdirSync(folder, { recursive: true });
    cpSync(chart, path.join(folder, 'chart'), { recursive: true });
    const name = `t${ESC}[2J\\n::error::pwned-target`;
    writeFileSync(
      path.join(folder, '.hostns-check.yaml'),
      `targets:\n  - name: ${JSON.stringify(name)}\n    helm: chart\n  - name: "f\\n::add-mask::x"\n    helm: chart\n    valueSets: [[boom.yaml]]\n`,
    );
    writeFileSync(path.join(folder, 'boom.yaml'), 'boom: true\n');
    for (const format of FORMATS) {
      const result = runCli(['run', '--helm', HELM_VERSIONS[0].helm, '--format', format, '--concurrency', '1'], { cwd: folder });
      assert.equal(result.status, 2, result.stdout + result.stderr);
      check(result, format);
      assert.match(result.stderr, /\[1\/2\]/, 'the progress lines are there');
    }
  });
});

describe('escape.ts', () => {
  test('visible control characters, neutralised commands, JSON that decodes the same', () => {
    assert.equal(visibleInline(`a${ESC}[2J\n\t\u009b\u2028b`), 'a\\x1b[2J\\x0a\\x09\\x9b\\u2028b');
    assert.equal(safeLines(`x\n  ::error::y\n\u00a0::add-mask::z ##[error]w\r::q`), 'x\n  \\x3a:error::y\n\u00a0\\x3a:add-mask::z ##\\x5berror]w\\x0d::q');
    assert.equal(neutraliseCommands('a :: b\n::'), 'a :: b\n\\x3a:');
    const value = { s: `##[error]x\u009b\u2028\u202e${ESC}` };
    const json = safeJson(JSON.stringify(value));
    assert.ok(!json.includes('##[') && !/[\u007f-\u009f\u2028\u202e]/.test(json), json);
    assert.deepEqual(JSON.parse(json), value);
  });
});
