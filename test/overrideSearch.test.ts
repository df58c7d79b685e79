// The search for the values settings behind a finding, on an in-memory chart: which findings a
// set of kept settings produces is a plain function, so every answer and every render is known.
// Then the pure parts around it: the user's settings, the comparison with the chart's own values.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeIntroducedBy } from '../src/report/introducedByText.js';
import { emptyHelmRequest } from '../src/targets/helm/helmTemplate.js';
import { compareWithChart, splitAssignments, userSettings } from '../src/targets/helm/overrideBlame.js';
import { searchResponsibleSettings, type OverrideSearch, type Setting } from '../src/targets/helm/overrideSearch.js';
import { ValuesFiles } from '../src/targets/helm/valuesOrigins.js';
import { targetId, type Finding } from '../src/types.js';

/** An in-memory chart: each finding is a rule over the kept settings. */
type Chart = Record<string, (kept: ReadonlySet<Setting>) => boolean>;

interface Probe {
  renders: Setting[][];
  maxRunning: number;
}

function search(chart: Chart, groups: Setting[][], options: Partial<OverrideSearch> = {}): { run: ReturnType<typeof searchResponsibleSettings>; probe: Probe } {
  const produced = (kept: readonly Setting[]) => {
    const set = new Set(kept);
    return new Set(Object.keys(chart).filter((finding) => chart[finding]!(set)));
  };
  const all = groups.flat();
  const probe: Probe = { renders: [], maxRunning: 0 };
  let running = 0;
  const withAll = produced(all);
  const withNone = produced([]);
  const run = searchResponsibleSettings({
    groups,
    findings: Object.keys(chart).filter((finding) => withAll.has(finding) && !withNone.has(finding)),
    suspects: () => [],
    budget: 12,
    concurrency: 2,
    withAll,
    withNone,
    async render(kept) {
      probe.renders.push([...kept]);
      running++;
      probe.maxRunning = Math.max(probe.maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
      return produced(kept);
    },
    ...options,
  });
  return { run, probe };
}

describe('override search on an in-memory chart', () => {
  test('one setting among two files: found by splitting files, then leaves; verified by a render without it', async () => {
    // Settings 0..4 are file A, 5..9 file B; only 7 turns the finding on.
    const { run, probe } = search({ hostNetwork: (kept) => kept.has(7) }, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
    const { answers, renders } = await run;
    assert.deepEqual(answers.get('hostNetwork'), { settings: [7] });
    assert.equal(renders, probe.renders.length);
    assert.ok(renders <= 6, `took ${renders} renders`);
    assert.ok(probe.renders.some((kept) => kept.length === 9 && !kept.includes(7)), 'the claim was checked without 7 alone');
  });

  test('two settings both needed (enabled and hostNetwork): both named', async () => {
    const { run } = search({ agentHostNetwork: (kept) => kept.has(1) && kept.has(4) }, [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual((await run).answers.get('agentHostNetwork'), { settings: [1, 4] });
  });

  test('a later setting that overrides an earlier one: only the one that turns it on is named', async () => {
    // 0 sets hostNetwork false, 2 sets it true later: the finding needs 2, whatever 0 says.
    const { run } = search({ hn: (kept) => kept.has(2) }, [[0, 1], [2]]);
    assert.deepEqual((await run).answers.get('hn'), { settings: [2] });
  });

  test('either of two settings turns it on: none is named alone, with the reason', async () => {
    const { run } = search({ ipc: (kept) => kept.has(1) || kept.has(3) }, [[0, 1], [2, 3]]);
    const answer = (await run).answers.get('ipc');
    assert.ok(answer && 'reason' in answer, JSON.stringify(answer));
    assert.match(answer.reason, /no single setting/);
  });

  test('findings with the same settings share renders', async () => {
    const rule = (kept: ReadonlySet<Setting>) => kept.has(5);
    const alone = await search({ a: rule }, [[0, 1, 2, 3], [4, 5, 6, 7]]).run;
    const { answers, renders } = await search({ a: rule, b: rule, c: rule }, [[0, 1, 2, 3], [4, 5, 6, 7]]).run;
    for (const finding of ['a', 'b', 'c']) assert.deepEqual(answers.get(finding), { settings: [5] });
    assert.equal(renders, alone.renders);
  });

  test('a suspect from the values mapping is checked first and saves the search', async () => {
    const groups = [Array.from({ length: 64 }, (_, i) => i)];
    const blind = await search({ hn: (kept) => kept.has(41) }, groups).run;
    const hinted = await search({ hn: (kept) => kept.has(41) }, groups, { suspects: () => [41] }).run;
    assert.deepEqual(hinted.answers.get('hn'), { settings: [41] });
    assert.equal(hinted.renders, 2, 'one render without the suspect, one with only it');
    assert.ok(blind.renders > hinted.renders);
  });

  test('the budget caps the renders: past it the answer says so instead of guessing', async () => {
    const groups = [Array.from({ length: 200 }, (_, i) => i)];
    const { run, probe } = search({ deep: (kept) => kept.has(3) && kept.has(150) && kept.has(199) }, groups, { budget: 5 });
    const { answers, renders } = await run;
    assert.equal(renders, 5);
    assert.equal(probe.renders.length, 5);
    assert.deepEqual(answers.get('deep'), { reason: 'the search stopped at its limit of 5 renders' });
  });

  test('never more than two renders at once', async () => {
    const groups = [Array.from({ length: 32 }, (_, i) => i), Array.from({ length: 32 }, (_, i) => 32 + i)];
    const chart: Chart = { a: (kept) => kept.has(3), b: (kept) => kept.has(40), c: (kept) => kept.has(20) && kept.has(60) };
    const { run, probe } = search(chart, groups, { budget: 40, suspects: (finding) => (finding === 'a' ? [3, 4, 5] : []) });
    const { answers } = await run;
    assert.deepEqual(answers.get('a'), { settings: [3] });
    assert.deepEqual(answers.get('b'), { settings: [40] });
    assert.deepEqual(answers.get('c'), { settings: [20, 60] });
    assert.equal(probe.maxRunning, 2);
  });

  test('a setting whose removal breaks the render is not named; the reason says so', async () => {
    // Setting 0 is `image` (required): without it nothing renders; the finding needs 0 and 1 and 2 together is absent.
    const groups = [[0, 1, 2]];
    const failing: Partial<OverrideSearch> = {
      render: (kept) => Promise.resolve(kept.includes(0) ? new Set(kept.includes(1) ? ['hn'] : []) : null),
      withAll: new Set(['hn']),
      withNone: new Set(),
    };
    const { answers } = await search({ hn: (kept) => kept.has(0) && kept.has(1) }, groups, failing).run;
    assert.deepEqual(answers.get('hn'), { settings: [1] });
    // Nothing renders but with every setting or none: no setting can be told apart.
    const onlyImage = await search({ hn: (kept) => kept.has(0) }, [[0, 1]], { ...failing, render: () => Promise.resolve(null) }).run;
    const answer = onlyImage.answers.get('hn');
    assert.ok(answer && 'reason' in answer);
    assert.match(answer.reason, /does not render without some of the settings/);
  });
});

describe('the user settings the search works on', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostns-settings-test-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('--set assignments split at commas outside braces and escapes; --set-json stays whole', () => {
    assert.deepEqual(splitAssignments('a=1,b={x,y},c=a\\,b'), ['a=1', 'b={x,y}', 'c=a\\,b']);
    const request = { ...emptyHelmRequest('chart'), set: ['a.b=1,list={1,2}'], setJson: ['j={"x":1,"y":2}'], setString: ['s=x'] };
    const settings = userSettings(request, new ValuesFiles(scratch), scratch).flat().map((setting) => setting.shown);
    assert.deepEqual(settings, [
      { file: null, line: null, key: 'j', flag: '--set-json', text: 'j={"x":1,"y":2}' },
      { file: null, line: null, key: 'a.b', flag: '--set', text: 'a.b=1' },
      { file: null, line: null, key: 'list', flag: '--set', text: 'list={1,2}' },
      { file: null, line: null, key: 's', flag: '--set-string', text: 's=x' },
    ]);
  });

  test('a -f file: one setting per leaf key with its line (lists and empty maps are leaves); a URL is one setting', () => {
    const file = path.join(scratch, 'values.yaml');
    writeFileSync(file, '# comment\nagent:\n  enabled: true\n  tolerations:\n    - key: a\n  extra: {}\nname: x\ngone: null\n');
    const request = { ...emptyHelmRequest('chart'), values: [file, 'https://example.com/values.yaml'] };
    const groups = userSettings(request, new ValuesFiles(scratch), scratch).map((group) => group.map((setting) => setting.shown));
    assert.deepEqual(groups, [
      [
        { file: 'values.yaml', line: 3, key: 'agent.enabled' },
        { file: 'values.yaml', line: 4, key: 'agent.tolerations' },
        { file: 'values.yaml', line: 6, key: 'agent.extra' },
        { file: 'values.yaml', line: 7, key: 'name' },
        { file: 'values.yaml', line: 8, key: 'gone' },
      ],
      [{ file: 'https://example.com/values.yaml', line: null, key: null }],
    ]);
  });

  test("'chart' when the chart's own values produce the same finding, with chartValue only when its value differs", () => {
    const base = { rule: 'k8s-host-namespace', check: 'run-as-user', severity: 'error', message: '', container: 'web', path: 'spec.containers[0].securityContext.runAsUser' } as const;
    const at = (name: string, value: unknown): Finding =>
      ({ ...base, resource: { apiVersion: 'v1', kind: 'Pod', namespace: null, name }, value, rendered: null, source: null, values: [], suppressed: false, suppression: null, notes: [], target: targetId('t') });
    const findings = [at('changed', 1000), at('same', 0), at('new', 5)];
    compareWithChart(findings, [at('changed', 0), at('same', 0)]);
    assert.deepEqual(
      findings.map((f) => [f.introducedBy, 'chartValue' in f ? f.chartValue : 'none']),
      [['chart', 0], ['chart', 'none'], ['overrides', 'none']],
    );
    assert.equal(describeIntroducedBy(findings[0]!), "the chart's own values already fail this check (runAsUser 0); your overrides changed it to 1000");
    assert.equal(describeIntroducedBy(findings[1]!), null);
    findings[2]!.introducedByOverrides = [{ file: 'prod.yaml', line: 12, key: 'agent.enabled' }, { file: null, line: null, key: 'a', flag: '--set', text: 'a=1' }];
    assert.equal(describeIntroducedBy(findings[2]!), 'introduced by prod.yaml:12 (agent.enabled) and --set a=1; without any one of them it goes away');
  });
});
