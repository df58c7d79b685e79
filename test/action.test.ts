// The GitHub Action (action.yml, action/entry.mjs) with the environment GitHub gives its step:
// GITHUB_WORKSPACE (a folder holding charts), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (files), the
// inputs as INPUT_* variables as action.yml passes them. Checked: one SARIF file per target, each
// valid against the SARIF 2.1.0 schema with its own category; at most 10 error annotations with
// the rest pointed to the summary; the whole findings table in the summary; the outputs; the exit
// code per fail-on; and action.yml passing every input the entry script reads.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { sarifSchemaErrors } from './support/formats.js';
import { cleanEnv } from './support/helmHome.js';
import { HELM4, PROJECT_ROOT } from './support/tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-action-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ENTRY = path.join(PROJECT_ROOT, 'action/entry.mjs');

interface Step {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

/** A workspace with three copies of the insecure chart (five findings each) and a run configuration. */
function workspace(name: string): string {
  const dir = path.join(scratch, name, 'workspace');
  for (const chart of ['a', 'b', 'c']) cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), path.join(dir, 'charts', chart), { recursive: true });
  writeFileSync(path.join(dir, 'hostns-check.yaml'), 'targets:\n  - name: a\n    helm: charts/a\n  - name: b\n    helm: charts/b\n  - helm: charts/c\n');
  return dir;
}

function runStep(name: string, inputs: Record<string, string>, prepare?: (dir: string) => void): Step {
  const dir = workspace(name);
  prepare?.(dir);
  const output = path.join(scratch, name, 'github_output');
  const summary = path.join(scratch, name, 'step_summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const result = spawnSync(process.execPath, [ENTRY], {
    cwd: dir,
    env: cleanEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTION_PATH: PROJECT_ROOT,
      ...Object.fromEntries(Object.entries(inputs).map(([key, value]) => [`INPUT_${key.toUpperCase().replace(/-/g, '_')}`, value])),
    }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(output, 'utf8').split('\n').filter(Boolean)) {
    const at = line.indexOf('=');
    outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, outputs, summary: readFileSync(summary, 'utf8'), workspace: dir };
}

describe('GitHub Action', () => {
  test('run with three targets: SARIF per target, 10 annotations, the whole table in the summary, outputs', () => {
    const step = runStep('run', { command: 'run', args: `--config\nhostns-check.yaml\n--helm\n${HELM4}`, formats: 'json codeclimate,junit' });
    assert.equal(step.status, 1, step.stdout + step.stderr);
    assert.equal(step.outputs.findings, '15');
    assert.equal(step.outputs['exit-code'], '1');
    assert.equal(step.outputs.errors, '0');

    const sarifDir = step.outputs['sarif-dir']!;
    const files = readdirSync(sarifDir).sort();
    assert.equal(files.length, 3, 'one SARIF file per target');
    const categories = new Set<string>();
    let results = 0;
    for (const file of files) {
      const log = JSON.parse(readFileSync(path.join(sarifDir, file), 'utf8')) as { runs: { automationDetails: { id: string }; results: { properties: { target: string } }[] }[] };
      assert.deepEqual(sarifSchemaErrors(log), [], file);
      assert.equal(log.runs.length, 1);
      const [run] = log.runs;
      categories.add(run!.automationDetails.id);
      assert.equal(new Set(run!.results.map((r) => r.properties.target)).size, 1, 'the results of one target only');
      results += run!.results.length;
    }
    assert.deepEqual([...categories].sort(), ['hostns-check/a/', 'hostns-check/b/', 'hostns-check/charts-c/']);
    assert.equal(results, 15);

    const annotations = step.stdout.split('\n').filter((line) => line.startsWith('::error'));
    assert.equal(annotations.length, 10, 'GitHub shows 10 error annotations per step');
    assert.match(step.stdout, /5 more finding\(s\) and error\(s\) are not annotated .*see the job summary/);
    assert.match(step.summary, /^### hostns-check: fail\n/);
    assert.equal(step.summary.split('\n').filter((line) => line.startsWith('| finding |')).length, 15, 'every finding in the summary');
    assert.equal(readFileSync(step.outputs.markdown!, 'utf8'), step.summary);

    assert.equal((JSON.parse(readFileSync(step.outputs.json!, 'utf8')) as { summary: { findings: number } }).summary.findings, 15);
    assert.equal((JSON.parse(readFileSync(step.outputs.codeclimate!, 'utf8')) as unknown[]).length, 15);
    assert.match(readFileSync(step.outputs.junit!, 'utf8'), /^<\?xml/);
    for (const file of [step.outputs.json, step.outputs.codeclimate, step.outputs.junit, sarifDir]) {
      assert.ok(file!.startsWith(path.join(step.workspace, 'hostns-check-reports')), `${file} is under output-dir in the workspace`);
    }
  });

  test('helm on one chart with fail-on none: exit 0, findings still counted and annotated', () => {
    const step = runStep('none', { command: 'helm', args: `charts/a\n--helm\n${HELM4}`, 'fail-on': 'none', 'max-annotations': '3' });
    assert.equal(step.status, 0, step.stdout + step.stderr);
    assert.equal(step.outputs.findings, '5');
    assert.equal(step.outputs['exit-code'], '0');
    assert.equal(step.stdout.split('\n').filter((line) => line.startsWith('::error')).length, 3);
    assert.match(step.stdout, /^::error file=charts\/a\/templates\/pod\.yaml,line=8,/m);
    assert.equal(readdirSync(step.outputs['sarif-dir']!).length, 1);
  });

  test('a chart that fails to render: exit 2, the error annotated first; bad inputs: exit 2 with a message', () => {
    const broken = runStep('broken', { command: 'helm', args: `${path.join(PROJECT_ROOT, 'charts-fixtures/failing')}\n--helm\n${HELM4}` });
    assert.equal(broken.status, 2, broken.stdout + broken.stderr);
    assert.equal(broken.outputs['exit-code'], '2');
    assert.match(broken.stdout.split('\n')[0] ?? '', /^::error .*title=hostns-check error/);
    for (const [inputs, message] of [
      [{ command: 'deploy' }, /the command input must be one of helm, kustomize, run/],
      [{ command: 'helm', args: 'charts/a\n--format\nsarif' }, /--format is set by the action/],
      [{ command: 'helm', args: 'charts/a', formats: 'pdf' }, /unknown format "pdf"/],
      [{ command: 'helm', args: '--no-such-flag' }, /exited 2 without a report/],
    ] as const) {
      const step = runStep(`bad-${inputs.command}-${Object.keys(inputs).length}-${String(message).length}`, inputs);
      assert.equal(step.status, 2, JSON.stringify(inputs));
      assert.match(step.stdout, /^::error title=hostns-check::/m);
      assert.match(step.stdout, message);
      assert.equal(step.outputs['exit-code'], '2');
    }
  });

  test("the README's workflow: its inputs are the action's, its step runs, upload-sarif gets the SARIF folder", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /```yaml\n(# \.github\/workflows\/hostns-check\.yml\n[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'README has the workflow block');
    const workflow = parse(block) as { jobs: Record<string, { steps: { id?: string; uses?: string; with?: Record<string, string> }[] }> };
    const steps = Object.values(workflow.jobs)[0]!.steps;
    const ours = steps.find((step) => step.uses?.startsWith('hostns-check/hostns-check@'));
    assert.ok(ours?.id && ours.with);
    const action = parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    for (const key of Object.keys(ours.with)) assert.ok(key in action.inputs, `${key} is an input of action.yml`);
    const upload = steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.equal(upload?.with?.sarif_file, `\${{ steps.${ours.id}.outputs.sarif-dir }}`);
    assert.ok('sarif-dir' in action.outputs);
    // The step itself, in a workspace with that chart and values file, Helm on the runner (HELM_BIN here).
    const step = runStep('readme', { ...ours.with, args: `${ours.with.args}--helm\n${HELM4}\n` }, (dir) => {
      cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), path.join(dir, 'charts/app'), { recursive: true });
      cpSync(path.join(dir, 'charts/app/values.yaml'), path.join(dir, 'charts/app/values-prod.yaml'));
    });
    assert.equal(step.status, 1, step.stdout + step.stderr);
    assert.equal(step.outputs.findings, '5');
    assert.equal(readdirSync(step.outputs['sarif-dir']!).length, 1);
  });

  test("the README's GitLab job: its hostns-check line writes the Code Quality report its artifacts name", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /```yaml\n(# \.gitlab-ci\.yml\nhostns-check:[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'README has the GitLab job block');
    const job = (parse(block) as Record<string, { script: string[]; artifacts: { reports: { codequality: string } } }>)['hostns-check']!;
    const line = job.script.find((command) => command.startsWith('hostns-check '));
    assert.ok(line);
    const dir = workspace('gitlab');
    cpSync(path.join(PROJECT_ROOT, 'charts-fixtures/insecure-pod'), path.join(dir, 'charts/app'), { recursive: true });
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/hostns-check.js'), ...line.split(' ').slice(1)], {
      cwd: dir,
      env: cleanEnv({ HELM_BIN: HELM4 }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(result.status, 1, result.stderr);
    const issues = JSON.parse(readFileSync(path.join(dir, job.artifacts.reports.codequality), 'utf8')) as { location: { path: string } }[];
    assert.equal(issues.length, 5);
    assert.equal(issues[0]?.location.path, 'charts/app/templates/pod.yaml');
  });

  test('action.yml passes every input to the entry script and maps its outputs', () => {
    const action = parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, { value: string }>;
      runs: { using: string; steps: { id?: string; env?: Record<string, string>; run: string }[] };
    };
    assert.equal(action.runs.using, 'composite');
    const check = action.runs.steps.find((step) => step.id === 'check');
    assert.ok(check?.run.includes('action/entry.mjs'));
    for (const name of Object.keys(action.inputs).filter((name) => name !== 'working-directory')) {
      assert.equal(check?.env?.[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`], `\${{ inputs.${name} }}`, name);
    }
    const entry = readFileSync(ENTRY, 'utf8');
    for (const [name, output] of Object.entries(action.outputs)) {
      assert.equal(output.value, `\${{ steps.check.outputs.${name} }}`);
      assert.ok(entry.includes(`'${name}'`) || entry.includes(`${name}:`) || entry.includes(name), `the entry script sets ${name}`);
    }
    assert.ok(existsSync(path.join(PROJECT_ROOT, 'action/entry.mjs')));
  });
});
