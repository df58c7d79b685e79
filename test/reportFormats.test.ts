// --format codeclimate and --format markdown against their specifications. Code Climate as GitLab
// Code Quality reads it: a JSON array, one issue per unsuppressed finding, each with a string
// description, check_name and fingerprint, a severity from GitLab's five, a relative
// location.path and an integer location.lines.begin; fingerprints unique and stable when lines
// move. Markdown as a GitHub job summary shows it: a well-formed table whose cells give back the
// charts' own text, whatever it holds (pipes, backticks, HTML, line breaks, links).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport } from '../src/report/buildReport.js';
import { formatReport, formatReportPieces } from '../src/report/formats.js';
import { markdownText } from '../src/report/markdown.js';
import { targetId, type Finding } from '../src/types.js';
import { FIXTURES, PROJECT_ROOT, runCli } from './support/runCli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-report-formats-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const INSECURE = path.relative(PROJECT_ROOT, path.join(FIXTURES, 'manifests/insecure-pod.yaml'));
const SEVERITIES = ['info', 'minor', 'major', 'critical', 'blocker'];

interface Issue {
  description: unknown;
  check_name: unknown;
  fingerprint: unknown;
  severity: unknown;
  location: { path: unknown; lines: { begin: unknown } };
}

/** GitLab's required fields and their types; returns the issues. */
function assertCodeQuality(text: string): Issue[] {
  const issues = JSON.parse(text) as unknown;
  assert.ok(Array.isArray(issues), 'a JSON array');
  for (const issue of issues as Issue[]) {
    assert.equal(typeof issue.description, 'string');
    assert.ok((issue.description as string).length > 0);
    assert.equal(typeof issue.check_name, 'string');
    assert.match(issue.fingerprint as string, /^[0-9a-f]{64}$/);
    assert.ok(SEVERITIES.includes(issue.severity as string), `severity ${String(issue.severity)}`);
    assert.equal(typeof issue.location.path, 'string');
    assert.doesNotMatch(issue.location.path as string, /^(\.\/|\/)|\\/, 'relative, forward slashes, no ./');
    assert.ok(Number.isInteger(issue.location.lines.begin) && (issue.location.lines.begin as number) >= 1);
  }
  const fingerprints = (issues as Issue[]).map((issue) => issue.fingerprint);
  assert.equal(new Set(fingerprints).size, fingerprints.length, 'fingerprints are unique');
  return issues as Issue[];
}

function finding(fields: Partial<Finding> = {}): Finding {
  return {
    rule: 'k8s-host-namespace',
    check: 'host-network',
    severity: 'error',
    message: 'hostNetwork is true',
    resource: { apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'web' },
    container: null,
    path: 'spec.hostNetwork',
    value: true,
    rendered: { line: 7, column: 3 },
    source: { file: 'chart/templates/pod.yaml', line: 5, exact: true, column: 3 },
    values: [],
    suppressed: false,
    suppression: null,
    notes: [],
    target: targetId('chart'),
    ...fields,
  };
}

function reportOf(findings: Finding[]) {
  return buildReport({
    version: '1.2.3',
    targets: [{ type: 'helm', path: 'chart', ok: true, error: null }],
    findings,
    errors: [],
    warnings: [],
    resources: 1,
    podSpecs: 1,
  });
}

describe('--format codeclimate (GitLab Code Quality)', () => {
  test('one issue per unsuppressed finding, with every field GitLab requires', () => {
    const result = runCli(['scan', INSECURE, '--format', 'codeclimate']);
    assert.equal(result.status, 1, result.stderr);
    const json = JSON.parse(runCli(['scan', INSECURE, '--format', 'json']).stdout) as { summary: { findings: number }; findings: { check: string; source: { line: number } }[] };
    const issues = assertCodeQuality(result.stdout);
    assert.equal(issues.length, json.summary.findings);
    assert.ok(issues.length >= 4);
    assert.deepEqual(
      issues.map((issue) => [issue.check_name, issue.location.path, issue.location.lines.begin]),
      json.findings.map((f) => [`k8s-host-namespace/${f.check}`, INSECURE, f.source.line]),
    );
  });

  test('a clean run is an empty array', () => {
    const clean = path.join(scratch, 'clean.yaml');
    writeFileSync(clean, 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n');
    const result = runCli(['scan', clean, '--format', 'codeclimate']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), []);
  });

  test('what could not be checked is a blocker issue at its file and line, never an empty (clean) array', () => {
    const broken = path.join(scratch, 'broken-cc.yaml');
    writeFileSync(broken, 'apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n');
    const result = runCli(['scan', broken, '--format', 'codeclimate']);
    assert.equal(result.status, 2, result.stderr);
    const issues = assertCodeQuality(result.stdout);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.severity, 'blocker');
    assert.equal(issues[0]!.location.path, path.relative(PROJECT_ROOT, broken).split(path.sep).join('/'));
    assert.match(issues[0]!.description as string, /could not check/);
  });

  test('fingerprints are stable across runs and when lines move; the lines follow', () => {
    const first = assertCodeQuality(runCli(['scan', INSECURE, '--format', 'codeclimate']).stdout);
    assert.deepEqual(assertCodeQuality(runCli(['scan', INSECURE, '--format', 'codeclimate']).stdout), first);
    const shifted = path.join(scratch, 'insecure-pod.yaml');
    const moved = path.join(scratch, 'moved.yaml');
    writeFileSync(shifted, readFileSync(path.join(PROJECT_ROOT, INSECURE)));
    writeFileSync(moved, `# two new lines\n# at the top\n${readFileSync(path.join(PROJECT_ROOT, INSECURE), 'utf8')}`);
    const before = assertCodeQuality(runCli(['scan', 'insecure-pod.yaml', '--format', 'codeclimate'], { cwd: scratch }).stdout);
    writeFileSync(shifted, readFileSync(moved));
    const after = assertCodeQuality(runCli(['scan', 'insecure-pod.yaml', '--format', 'codeclimate'], { cwd: scratch }).stdout);
    assert.deepEqual(after.map((i) => i.fingerprint), before.map((i) => i.fingerprint));
    assert.deepEqual(after.map((i) => i.location.lines.begin), before.map((i) => (i.location.lines.begin as number) + 2));
  });

  test('findings alike in every fact still get distinct fingerprints; suppressed ones are left out', () => {
    const twin = finding({ rendered: { line: 20, column: 3 } });
    const suppressed = finding({ check: 'host-pid', path: 'spec.hostPID', suppressed: true, suppression: { kind: 'inline', reason: 'r', file: 'f', line: 1 } });
    const noSource = finding({ source: null, target: targetId('chart'), check: 'host-ipc', path: 'spec.hostIPC' });
    const issues = assertCodeQuality(formatReport(reportOf([finding(), twin, suppressed, noSource]), 'codeclimate', { color: false }));
    assert.equal(issues.length, 3);
    const [, , third] = issues;
    assert.deepEqual(third?.location, { path: 'chart', lines: { begin: 7 } }, 'no source: the rendered line of the target');
  });
});

/** The cells of a Markdown table row, split on unescaped pipes, with the escaping undone. */
function cellsOf(line: string): string[] {
  assert.match(line, /^\| .* \|$/, `a table row: ${line}`);
  const cells: string[] = [];
  let cell = '';
  for (let i = 1; i < line.length - 1; i++) {
    const c = line[i]!;
    if (c === '\\') {
      cell += line[++i];
    } else if (c === '|') {
      cells.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell);
  return cells.map((text) => text.trim().replace(/<br>/g, '\n'));
}

describe('--format markdown', () => {
  const HOSTILE = ['pipe|name', 'tick`code`', '<img src=x onerror=alert(1)>', '[link](https://example.com)', 'two\nlines', 'back\\|slash', '*bold* _em_ ~~s~~ @team #1'];

  test('a well-formed table whose cells give back hostile names exactly', () => {
    const findings = HOSTILE.map((name, i) => finding({ resource: { apiVersion: 'v1', kind: 'Pod', namespace: null, name }, container: `c${i}|x`, message: `msg ${name}` }));
    const text = formatReport(reportOf(findings), 'markdown', { color: false });
    const lines = text.split('\n');
    const header = lines.findIndex((line) => line.startsWith('| Status'));
    assert.ok(header > 0);
    assert.equal(lines[header + 1], '| --- | --- | --- | --- | --- |');
    const rows = lines.slice(header + 2).filter((line) => line.startsWith('|'));
    assert.equal(rows.length, HOSTILE.length, 'one row per finding, none split by a line break');
    for (const row of rows) assert.equal(cellsOf(row).length, 5, row);
    const resources = rows.map((row) => cellsOf(row)[2]);
    assert.deepEqual(
      resources,
      HOSTILE.map((name, i) => `Pod/${name} (container c${i}|x)`),
    );
    // No raw HTML but the line breaks, no code span, no link: every `<`, backtick and `[` is escaped.
    assert.doesNotMatch(text.replace(/<br>/g, ''), /(^|[^\\])(\\\\)*[<`[]/m);
  });

  test('markdownText escapes inline Markdown syntax, keeps path characters and drops control characters', () => {
    assert.equal(markdownText('a|b`c<d>&e\\f'), 'a\\|b\\`c\\<d\\>\\&e\\\\f');
    assert.equal(markdownText('x\r\ny\u0007z\n'), 'x<br>yz<br>');
    assert.equal(markdownText('charts/a-b/templates/pod.yaml:12'), 'charts/a-b/templates/pod.yaml:12');
    assert.equal(markdownText('@team #1 *x* _y_ ~z~ $m$ [l](u) ![i](u)'), '\\@team \\#1 \\*x\\* \\_y\\_ \\~z\\~ \\$m\\$ \\[l\\](u) \\!\\[i\\](u)');
  });

  test('from the command: verdict, one row per finding, suppressed rows marked, clean runs say pass', () => {
    const result = runCli(['scan', INSECURE, '--format', 'markdown']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /^### hostns-check: fail\n/);
    const json = JSON.parse(runCli(['scan', INSECURE, '--format', 'json']).stdout) as { findings: unknown[] };
    assert.equal(result.stdout.split('\n').filter((line) => /^\| (finding|suppressed) \|/.test(line)).length, json.findings.length);
    const clean = path.join(scratch, 'clean-md.yaml');
    writeFileSync(clean, 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i, securityContext: {runAsUser: 10001}}]\n');
    const ok = runCli(['scan', clean, '--format', 'markdown']);
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /^### hostns-check: pass\n/);
    assert.doesNotMatch(ok.stdout, /\|/);
    const broken = runCli(['scan', path.relative(PROJECT_ROOT, path.join(FIXTURES, 'manifests/broken.yaml')), '--format', 'markdown']);
    assert.equal(broken.status, 2);
    assert.match(broken.stdout, /^### hostns-check: error\n/);
    const errorRow = broken.stdout.split('\n').find((line) => line.startsWith('| YAML syntax error'));
    assert.ok(errorRow, broken.stdout);
    assert.equal(cellsOf(errorRow).length, 3);
  });
});

describe('--format json, written in pieces', () => {
  test('the pieces make exactly JSON.stringify(report, null, 2): lists item by item, empty lists, nested layout, escapes', () => {
    const findings = [
      finding({ message: 'a line\nbreak, a ##[command] and a \u2028 separator', values: [{ key: 'a.b', file: 'values.yaml', line: 3, layer: 'user' }] }),
      finding({ container: 'c', notes: ['one', 'two'], rendered: null }),
    ];
    const report = reportOf(findings);
    const pieces = [...formatReportPieces(report, 'json', { color: false })];
    assert.ok(pieces.length > findings.length, 'one piece per finding at least');
    const whole = pieces.join('');
    const plain = `${JSON.stringify(report, null, 2)}\n`;
    // The escapes formatReport applies to the JSON text (the \u2028 and the workflow command), and nothing else.
    assert.equal(whole, plain.replace('\u2028', '\\u2028').replace('##[', '##\\u005b'));
    assert.equal(whole, formatReport(report, 'json', { color: false }));
    assert.deepEqual(JSON.parse(whole), JSON.parse(plain));
  });
});

describe('--format json to a slow reader', () => {
  test('the report waits for the stream to drain: never more than a few items are buffered', async () => {
    const { Writable } = await import('node:stream');
    const { deliverReport } = await import('../src/cli/common.js');
    const report = reportOf(Array.from({ length: 2000 }, (_, i) => finding({ message: `finding ${i} ${'x'.repeat(500)}` })));
    let buffered = 0;
    let text = '';
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        setImmediate(done); // a reader that takes its time
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      const more = write(chunk);
      buffered = Math.max(buffered, slow.writableLength);
      return more;
    }) as typeof slow.write;
    const io = { cwd: process.cwd(), env: {}, stdin: (async function* () {})(), stdout: slow, stderr: { write: () => true } };
    const code = await deliverReport(report, { format: 'json', color: false }, io, []);
    await new Promise((resolve) => slow.end(resolve));
    assert.equal(code, 1);
    assert.equal(text, formatReport(report, 'json', { color: false }));
    assert.ok(text.length > 1_000_000, 'a report of more than a megabyte');
    assert.ok(buffered < 64 * 1024, `at most ${buffered} bytes waited in the stream`);
  });
});
