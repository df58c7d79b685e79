// The GitHub Action's step (action.yml): runs `hostns-check <command> <args>` once with a JSON
// report, then writes from that one report what a workflow needs: a SARIF file per target, each
// with its own category (runAutomationDetails.id) for github/codeql-action/upload-sarif; error
// annotations for the first findings (GitHub shows at most 10 error annotations per step); the
// whole findings table as Markdown in the job summary; the other report files asked for; and the
// step outputs. It exits with the command's exit code (0 clean, 1 findings per fail-on, 2 errors).
//
// Inputs arrive as INPUT_* variables (action.yml passes them); GitHub gives GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE. The report formatters are the project's own compiled
// modules, so every file says exactly what the command would print in that format.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMMANDS = ['helm', 'kustomize', 'run'];
const EXTRA_FORMATS = { json: 'json', sarif: 'sarif', markdown: 'md', codeclimate: 'codeclimate.json', junit: 'junit.xml', text: 'txt', github: 'github.txt' };
/** GitHub's limits: 10 error annotations per step, 1 MiB of job summary per step. */
const ANNOTATION_CAP = 10;
const SUMMARY_LIMIT = 1024 * 1024 - 4096;

const env = process.env;
/** An input as action.yml passes it (INPUT_FAIL_ON) or as GitHub names it for JavaScript actions (INPUT_FAIL-ON). */
const input = (name, fallback = '') => {
  const key = `INPUT_${name.toUpperCase()}`;
  return (env[key.replace(/-/g, '_')] ?? env[key] ?? fallback).trim() || fallback;
};

/** The escaping the runner undoes in a workflow command's message. */
const commandData = (text) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

function fail(message) {
  process.stdout.write(`::error title=hostns-check::${commandData(message)}\n`);
  setOutputs({ 'exit-code': '2' });
  process.exit(2);
}

function setOutputs(values) {
  if (!env.GITHUB_OUTPUT) return;
  // name=value lines; every value written here is one line (counts and paths without newlines).
  appendFileSync(env.GITHUB_OUTPUT, Object.entries(values).map(([name, value]) => `${name}=${String(value).replace(/[\r\n]/g, ' ')}\n`).join(''));
}

function summarize(markdown) {
  if (!env.GITHUB_STEP_SUMMARY) return;
  let text = markdown;
  if (Buffer.byteLength(text) > SUMMARY_LIMIT) {
    const cut = Buffer.from(text).subarray(0, SUMMARY_LIMIT).toString('utf8');
    text = `${cut.slice(0, cut.lastIndexOf('\n') + 1)}\n_The table is cut here: GitHub keeps 1 MiB of summary per step. The whole report is in the markdown report file._\n`;
  }
  appendFileSync(env.GITHUB_STEP_SUMMARY, text);
}

/** The report of one target: its findings, errors, warnings and checked resources, summary recounted. */
function reportOfTarget(report, target) {
  const id = target.name ?? target.path;
  const findings = report.findings.filter((f) => f.target === id);
  const errors = report.errors.filter((e) => e.target === id);
  const suppressed = findings.filter((f) => f.suppressed).length;
  return {
    ...report,
    targets: [target],
    findings,
    errors,
    warnings: report.warnings.filter((w) => w.target === id),
    checked: report.checked.filter((c) => c.target === id),
    summary: { ...report.summary, findings: findings.length - suppressed, suppressed, errors: errors.length },
  };
}

const slug = (text) => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'target';

const command = input('command', 'helm');
if (!COMMANDS.includes(command)) fail(`the command input must be one of ${COMMANDS.join(', ')}, not "${command}"`);
// One argument per line, so paths with spaces need no quoting.
const args = input('args').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
const owned = args.find((arg) => /^(--format|--output|-o)(=|$)/.test(arg));
if (owned) fail(`${owned} is set by the action (see the formats and output-dir inputs); remove it from args`);
const failOn = input('fail-on', 'error');
const formats = input('formats', 'json').split(/[\s,]+/).filter(Boolean);
const unknown = formats.find((format) => !(format in EXTRA_FORMATS));
if (unknown) fail(`unknown format "${unknown}" in the formats input (${Object.keys(EXTRA_FORMATS).join(', ')})`);
const maxAnnotations = Math.min(ANNOTATION_CAP, Math.max(0, Number.parseInt(input('max-annotations', String(ANNOTATION_CAP)), 10) || 0));
const outDir = path.resolve(input('output-dir', 'hostns-check-reports'));
mkdirSync(outDir, { recursive: true });

const jsonFile = path.join(outDir, 'hostns-check.json');
const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin/hostns-check.js'), command, ...args, '--format', 'json', '--output', jsonFile, '--fail-on', failOn], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exitCode = cli.status ?? 2;
let report;
try {
  report = JSON.parse(readFileSync(jsonFile, 'utf8'));
} catch {
  // No report: a usage error, or the tool could not start. Its message is on standard error above.
  fail(`hostns-check ${command} exited ${exitCode} without a report (see the log above)`);
}

const { formatReport } = await import(pathToFileURL(path.join(ROOT, 'dist/src/report/formats.js')).href);
const format = (data, name) => formatReport(data, name, { color: false });

// SARIF: one file, one category, per target (a target with no findings too, so fixed alerts close).
const sarifDir = path.join(outDir, 'sarif');
rmSync(sarifDir, { recursive: true, force: true });
mkdirSync(sarifDir);
report.targets.forEach((target, index) => {
  const id = target.name ?? target.path;
  const log = JSON.parse(format(reportOfTarget(report, target), 'sarif'));
  for (const run of log.runs) run.automationDetails = { id: `hostns-check/${slug(id)}/` };
  writeFileSync(path.join(sarifDir, `${String(index + 1).padStart(3, '0')}-${slug(id)}.sarif`), JSON.stringify(log, null, 2) + '\n');
});

// Annotations: errors of the run first (a chart that did not render), then findings, up to the cap.
const githubLines = format(report, 'github').split('\n').filter(Boolean);
const commands = githubLines.filter((line) => line.startsWith('::'));
const errorLines = [
  ...commands.filter((line) => /^::error .*title=hostns-check error/.test(line)),
  ...commands.filter((line) => line.startsWith('::error') && !/title=hostns-check error/.test(line)),
];
const shown = errorLines.slice(0, maxAnnotations);
for (const line of [...shown, ...commands.filter((line) => !line.startsWith('::error')).slice(0, ANNOTATION_CAP)]) process.stdout.write(`${line}\n`);
for (const line of githubLines.filter((line) => !line.startsWith('::'))) process.stdout.write(`${line}\n`);
if (errorLines.length > shown.length) {
  process.stdout.write(`hostns-check: ${errorLines.length - shown.length} more finding(s) and error(s) are not annotated (GitHub shows ${ANNOTATION_CAP} per step): see the job summary.\n`);
}

const markdown = format(report, 'markdown');
const markdownFile = path.join(outDir, 'hostns-check.md');
writeFileSync(markdownFile, markdown);
summarize(markdown);

const files = { json: jsonFile, markdown: markdownFile };
for (const name of formats) {
  if (files[name]) continue;
  files[name] = path.join(outDir, `hostns-check.${EXTRA_FORMATS[name]}`);
  writeFileSync(files[name], format(report, name));
}

setOutputs({
  findings: report.summary.findings,
  suppressed: report.summary.suppressed,
  errors: report.summary.errors,
  'exit-code': exitCode,
  'sarif-dir': sarifDir,
  ...files,
});
process.exitCode = exitCode;
