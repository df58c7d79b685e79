// Our evaluator against peer engines' own test data (../shared/conformance): Kyverno's pod-security
// policies and Pod Security Admission. Each case's verdict comes only from the checks that map to
// the peer's policy; where our semantics differ on purpose, the case is listed below with its
// reason, and the test checks that it differs in exactly that way, so the list cannot go stale.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { splitDocuments } from '../src/manifests/splitDocuments.js';
import { parseManifest } from '../src/manifests/parseManifest.js';
import { DEFAULT_MIN_UID, defaultRuleConfig, evaluateManifest } from '../src/rules/hostNamespaceRule.js';
import { CHECK_IDS, type CheckId, type HostPortRange, type RuleConfig, type Violation } from '../src/types.js';

// dist/test/ -> project root -> ../shared
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = path.resolve(PROJECT_ROOT, '..', 'shared');
const CONFORMANCE = path.join(SHARED, 'conformance');
const KYVERNO = path.join(CONFORMANCE, 'kyverno-policies', 'pod-security');
const PSA = path.join(CONFORMANCE, 'pod-security-admission', 'test', 'testdata');
const PSA_VERSION = 'v1.37';

const skip = existsSync(SHARED)
  ? false
  : `no peer conformance data: ${SHARED} is absent (../shared sits beside the project in CI and ` +
    "developer checkouts, not in a user's own clone)";

type Verdict = 'pass' | 'fail';

const HOST_NAMESPACES: CheckId[] = ['host-ipc', 'host-network', 'host-pid'];

/** Why our verdict on a case deliberately differs from the peer's; theirs is the opposite of `ours`. */
interface Difference {
  label: string;
  why: string;
  ours: Verdict;
  /** For ours = fail: the findings this difference accounts for (every finding must be accounted for). */
  explains?: (violation: Violation) => boolean;
  /** For ours = pass: what in the resource makes them reject it while we do not. */
  holds?: (resource: unknown) => boolean;
}

const LOW_UID: Difference = {
  label: 'UID below the minimum',
  why:
    `runAsUser is a non-zero UID below ${DEFAULT_MIN_UID}: they forbid only UID 0, we require at least ` +
    `${DEFAULT_MIN_UID} so a container's UID never matches a user on the node`,
  ours: 'fail',
  explains: (v) => v.check === 'run-as-user' && typeof v.value === 'number' && v.value > 0 && v.value < DEFAULT_MIN_UID,
};

const NO_UID: Difference = {
  label: 'runAsUser unset',
  why:
    "a container has no runAsUser (nor does its pod): they accept the image's own user, we require an explicit " +
    "UID because the image's user is often root",
  ours: 'fail',
  explains: (v) => v.check === 'run-as-user' && v.value === null,
};

const HOST_NETWORK_NOT_HOST_PROCESS: Difference = {
  label: 'hostNetwork without HostProcess',
  why:
    'hostNetwork: true with no HostProcess container: disallow-host-process looks only at windowsOptions.hostProcess, ' +
    'our host-network check rejects hostNetwork: true by itself (as Kyverno disallow-host-namespaces does)',
  ours: 'fail',
  explains: (v) => v.check === 'host-network' && v.value === true,
};

const HOST_PROCESS_NOT_HOST_NETWORK: Difference = {
  label: 'HostProcess without hostNetwork',
  why:
    'a HostProcess container but no hostNetwork: true: our rule has no HostProcess check, so nothing maps; the API ' +
    'server rejects such a pod anyway ("hostNetwork must be true if pod contains any hostProcess containers")',
  ours: 'pass',
  holds: (resource) => valuesOf(resource, 'hostProcess').includes(true) && !valuesOf(resource, 'hostNetwork').includes(true),
};

/** What our findings must include when we reject a case, beyond "some mapped finding". */
interface Evidence {
  what: string;
  test: (violation: Violation) => boolean;
}

const UID_0: Evidence = { what: 'a run-as-user finding for UID 0', test: (v) => v.check === 'run-as-user' && v.value === 0 };

interface KyvernoPolicy {
  level: 'baseline' | 'restricted';
  policy: string;
  checks: CheckId[];
  hostPortRanges?: HostPortRange[];
  failEvidence?: Evidence;
  /** Deliberate differences by `Kind/name`, in whichever of the policy's files the resource appears. */
  differences?: Record<string, Difference[]>;
  /** `check` must fire on every case except these (`Kind/name`), which do not set `field: true`. */
  alwaysFires?: { check: CheckId; field: string; except: string[] };
}

/** The same differences for the Pod case and the Deployment and CronJob variants Kyverno generates from it. */
function forEveryKind(differences: Record<string, Difference[]>): Record<string, Difference[]> {
  const prefixes = ['Pod/goodpod', 'Deployment/gooddeployment', 'CronJob/goodcronjob'];
  return Object.fromEntries(prefixes.flatMap((prefix) => Object.entries(differences).map(([n, d]) => [prefix + n, d])));
}

const KYVERNO_POLICIES: KyvernoPolicy[] = [
  { level: 'baseline', policy: 'disallow-host-namespaces', checks: HOST_NAMESPACES },
  { level: 'baseline', policy: 'disallow-host-ports', checks: ['host-port'] },
  {
    level: 'baseline',
    policy: 'disallow-host-ports-range',
    checks: ['host-port'],
    hostPortRanges: [{ min: 5000, max: 6000 }],
  },
  {
    level: 'baseline',
    policy: 'disallow-host-process',
    checks: ['host-network'],
    // The README says every pod here sets hostNetwork: true; the chainsaw "-new" cases do not.
    alwaysFires: {
      check: 'host-network',
      field: 'hostNetwork',
      except: [
        'Pod/badpod01-new',
        'Pod/badpod02-new',
        'Pod/badpod03-new',
        'Deployment/baddeployment01-new',
        'CronJob/badcronjob01-new',
        'Pod/goodpod01-new',
        'Pod/goodpod02-new',
        'Pod/goodpod03-new',
        'Pod/goodpod04-new',
        'Deployment/gooddeployment01-new',
        'CronJob/goodcronjob01-new',
      ],
    },
    differences: {
      ...forEveryKind({
        '01': [HOST_NETWORK_NOT_HOST_PROCESS],
        '02': [HOST_NETWORK_NOT_HOST_PROCESS],
        '03': [HOST_NETWORK_NOT_HOST_PROCESS],
        '04': [HOST_NETWORK_NOT_HOST_PROCESS],
        '05': [HOST_NETWORK_NOT_HOST_PROCESS],
        '06': [HOST_NETWORK_NOT_HOST_PROCESS],
      }),
      'Pod/badpod01-new': [HOST_PROCESS_NOT_HOST_NETWORK],
      'Pod/badpod02-new': [HOST_PROCESS_NOT_HOST_NETWORK],
      'Pod/badpod03-new': [HOST_PROCESS_NOT_HOST_NETWORK],
      'Deployment/baddeployment01-new': [HOST_PROCESS_NOT_HOST_NETWORK],
      'CronJob/badcronjob01-new': [HOST_PROCESS_NOT_HOST_NETWORK],
    },
  },
  {
    level: 'restricted',
    policy: 'require-run-as-non-root-user',
    checks: ['run-as-user'],
    failEvidence: UID_0,
    // Every passing case there sets UID 1, 2 or 10, or no UID at all on some container.
    differences: forEveryKind({
      '01': [NO_UID], // no runAsUser anywhere
      '02': [LOW_UID], // pod runAsUser: 1
      '03': [LOW_UID], // container runAsUser: 1
      '04': [NO_UID, LOW_UID], // container01 none, container02 1
      '05': [LOW_UID], // containers 1 and 2
      '06': [LOW_UID], // containers 1 and 2 over pod 10
      '07': [NO_UID], // init container and container, none
      '08': [NO_UID, LOW_UID], // init container 1, container none
      '09': [LOW_UID], // pod 1 for both
      '10': [NO_UID, LOW_UID], // one init container 1, the others none
    }),
  },
];

/** The policy whose pods are only used to see that run-as-user reports every container without a UID. */
const RUN_AS_NONROOT = { level: 'restricted', policy: 'require-run-as-nonroot' } as const;

/** PSA check name -> our checks, and what our findings must include on its fail/ cases. */
const PSA_CHECKS: Record<string, { checks: CheckId[]; failEvidence?: Evidence }> = {
  hostnamespaces: { checks: HOST_NAMESPACES },
  hostports: { checks: ['host-port'] },
  runasuser: { checks: ['run-as-user'], failEvidence: UID_0 },
  // No HostProcess check of ours; every HostProcess pod must also set hostNetwork: true (API validation),
  // as these do, and host-network must reject them.
  windowshostprocess: { checks: ['host-network'] },
};

/** The PSA checks each level's folder holds; its base.yaml must pass all of them. */
const PSA_LEVELS: Record<string, string[]> = {
  baseline: ['hostnamespaces', 'hostports', 'windowshostprocess'],
  restricted: ['hostnamespaces', 'hostports', 'windowshostprocess', 'runasuser'],
};

/** Deliberate differences by file, relative to the PSA testdata folder. */
const PSA_DIFFERENCES: Record<string, Difference[]> = {
  [`restricted/${PSA_VERSION}/pass/base.yaml`]: [NO_UID],
  [`restricted/${PSA_VERSION}/pass/runasuser0.yaml`]: [LOW_UID], // runAsUser: 1000 on the pod and both containers
};

// ---------------------------------------------------------------------------------------------

interface Case {
  /** File relative to the conformance folder. */
  file: string;
  /** `Kind/name`. */
  key: string;
  resource: Record<string, unknown>;
  violations: Violation[];
}

function configFor(checks: readonly CheckId[], hostPortRanges: HostPortRange[] = []): RuleConfig {
  const config = defaultRuleConfig();
  config.hostPortRanges = hostPortRanges;
  for (const id of CHECK_IDS) config.checks[id] = checks.includes(id);
  return config;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every value of `key` anywhere in a parsed document: the data's own facts, without our evaluator. */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([k, v]) => (k === key ? [v, ...valuesOf(v, key)] : valuesOf(v, key)));
}

/** Reads one file through the project's own split and parse, and evaluates each resource in it. */
async function loadCases(file: string, config: RuleConfig): Promise<Case[]> {
  const rel = path.relative(CONFORMANCE, file);
  const cases: Case[] = [];
  for await (const raw of splitDocuments(createReadStream(file))) {
    const parsed = parseManifest(raw);
    assert.deepEqual(parsed.errors, [], `${rel}: the document at line ${raw.startLine} does not parse`);
    for (const manifest of parsed.manifests) {
      const value = manifest.value;
      if (value === null || value === undefined) continue; // comment-only document
      assert.ok(isObject(value), `${rel}: the document at line ${raw.startLine} is not a mapping`);
      const metadata = isObject(value.metadata) ? value.metadata : {};
      const key = `${String(value.kind)}/${String(metadata.name)}`;
      const evaluation = evaluateManifest(value, config);
      assert.deepEqual(evaluation.malformed, [], `${rel} ${key}: the pod spec cannot be checked`);
      assert.equal(evaluation.podSpecs, 1, `${rel} ${key}: expected exactly one pod spec`);
      cases.push({ file: rel, key, resource: value, violations: evaluation.violations });
    }
  }
  const keys = cases.map((c) => c.key);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], `${rel}: resource names must be unique`);
  assert.ok(cases.length > 0, `${rel}: no resources`);
  return cases;
}

function describeFindings(violations: readonly Violation[]): string {
  if (violations.length === 0) return 'no findings';
  return violations.map((v) => `${v.check}=${JSON.stringify(v.value)}${v.container ? ` (${v.container})` : ''}`).join(', ');
}

interface Peer {
  peer: string;
  checks: readonly CheckId[];
  failEvidence?: Evidence;
}

interface Tally {
  agreed: number;
  differed: number;
  /** Difference-list keys met in the data. */
  seen: Set<string>;
  /** How many cases each documented difference accounted for. */
  reasons: Map<Difference, number>;
}

function newTally(): Tally {
  return { agreed: 0, differed: 0, seen: new Set(), reasons: new Map() };
}

/** One diagnostic line per documented difference met, with its reason, so the output says why. */
function reportDifferences(t: TestContext, tally: Tally): void {
  for (const [difference, count] of tally.reasons) {
    t.diagnostic(`  deliberate difference "${difference.label}" (${count} cases, they ${difference.ours === 'fail' ? 'pass' : 'fail'}, we ${difference.ours}): ${difference.why}`);
  }
}

/**
 * Compares our verdict on one case with the peer's. Returns what is wrong, naming the file and the
 * resource; empty when the verdicts agree, or differ exactly as documented.
 */
function judge(c: Case, theirs: Verdict, how: Peer, differences: Difference[] | undefined, tally: Tally): string[] {
  const where = `${c.file} ${c.key}`;
  const mapped = c.violations.filter((v) => how.checks.includes(v.check));
  const stray = c.violations.filter((v) => !how.checks.includes(v.check));
  const ours: Verdict = mapped.length > 0 ? 'fail' : 'pass';
  const problems: string[] = [];
  if (stray.length > 0) problems.push(`${where}: findings from checks that were turned off: ${describeFindings(stray)}`);
  if (!differences) {
    if (ours !== theirs) {
      problems.push(`${where}: ${how.peer} says ${theirs}, we say ${ours} (${how.checks.join('/')}: ${describeFindings(mapped)})`);
    } else if (theirs === 'fail' && how.failEvidence && !mapped.some(how.failEvidence.test)) {
      problems.push(`${where}: we reject it, but without ${how.failEvidence.what} (${describeFindings(mapped)})`);
    } else {
      tally.agreed++;
    }
    return problems;
  }
  const labels = differences.map((d) => d.label).join(' + ');
  const documented = differences[0]!.ours;
  if (ours === theirs) {
    problems.push(`${where}: listed as a deliberate difference (${labels}) but both say ${ours}: remove it from the list`);
    return problems;
  }
  if (ours !== documented) {
    problems.push(`${where}: listed as a difference where we ${documented}, but we ${ours} and ${how.peer} ${theirs}`);
    return problems;
  }
  for (const difference of differences) {
    if (difference.explains && !mapped.some(difference.explains)) {
      problems.push(`${where}: documented difference "${difference.label}" accounts for none of our findings (${describeFindings(mapped)})`);
    }
    if (difference.holds && !difference.holds(c.resource)) {
      problems.push(`${where}: documented difference "${difference.label}" does not hold for this resource`);
    }
  }
  const unexplained = mapped.filter((v) => !differences.some((d) => d.explains?.(v)));
  if (unexplained.length > 0) {
    problems.push(`${where}: findings beyond the documented difference (${labels}): ${describeFindings(unexplained)}`);
  }
  if (problems.length === 0) {
    tally.differed++;
    for (const difference of differences) tally.reasons.set(difference, (tally.reasons.get(difference) ?? 0) + 1);
  }
  return problems;
}

function listDir(dir: string): string[] {
  assert.ok(existsSync(dir), `${path.relative(SHARED, dir)} is missing from ../shared`);
  return readdirSync(dir).sort();
}

/** `Kind/name` -> verdict, from a kyverno-test.yaml's results. */
function readKyvernoTest(file: string, policy: string): Map<string, Verdict> {
  const rel = path.relative(CONFORMANCE, file);
  const doc = parseYaml(readFileSync(file, 'utf8')) as { results?: unknown };
  assert.ok(Array.isArray(doc.results) && doc.results.length > 0, `${rel}: no results`);
  const expected = new Map<string, Verdict>();
  for (const row of doc.results as Array<Record<string, unknown>>) {
    assert.equal(row.policy, policy, `${rel}: a result row names another policy`);
    assert.ok(row.result === 'pass' || row.result === 'fail', `${rel}: result ${String(row.result)} is neither pass nor fail`);
    assert.ok(Array.isArray(row.resources), `${rel}: a result row lists no resources`);
    for (const name of row.resources as unknown[]) {
      const key = `${String(row.kind)}/${String(name)}`;
      const previous = expected.get(key);
      assert.ok(previous === undefined || previous === row.result, `${rel}: ${key} is listed as both pass and fail`);
      expected.set(key, row.result);
    }
  }
  return expected;
}

/** The .kyverno-test and .chainsaw-test case files of a policy, each with how to get the expected verdict. */
interface CaseFile {
  name: string;
  file: string;
  verdict: (c: Case) => Verdict | undefined;
  /** kyverno-test.yaml's verdicts, so names listed there but absent from the file are caught. */
  expected?: Map<string, Verdict>;
}

function kyvernoSuites(dir: string): CaseFile[] {
  const suites: CaseFile[] = [];
  const kyvernoTest = path.join(dir, '.kyverno-test');
  const expected = readKyvernoTest(path.join(kyvernoTest, 'kyverno-test.yaml'), path.basename(dir));
  suites.push({ name: '.kyverno-test/resource.yaml', file: path.join(kyvernoTest, 'resource.yaml'), verdict: (c: Case) => expected.get(c.key), expected });
  const chainsaw = path.join(dir, '.chainsaw-test');
  const files = listDir(chainsaw).filter((f) => /-(bad|good)\.yaml$/.test(f));
  assert.ok(files.some((f) => f.endsWith('-bad.yaml')) && files.some((f) => f.endsWith('-good.yaml')), `${path.relative(CONFORMANCE, chainsaw)}: no -bad/-good files`);
  for (const f of files) {
    const verdict: Verdict = f.endsWith('-bad.yaml') ? 'fail' : 'pass';
    suites.push({ name: `.chainsaw-test/${f}`, file: path.join(chainsaw, f), verdict: () => verdict });
  }
  return suites;
}

test('Kyverno pod-security: every policy folder is mapped here', { skip }, () => {
  const known = [...KYVERNO_POLICIES.map((p) => `${p.level}/${p.policy}`), `${RUN_AS_NONROOT.level}/${RUN_AS_NONROOT.policy}`];
  const present = listDir(KYVERNO).flatMap((level) => listDir(path.join(KYVERNO, level)).map((policy) => `${level}/${policy}`));
  assert.deepEqual(present.sort(), known.sort());
});

for (const policy of KYVERNO_POLICIES) {
  test(`Kyverno ${policy.level}/${policy.policy} -> ${policy.checks.join(', ')}`, { skip }, async (t: TestContext) => {
    const dir = path.join(KYVERNO, policy.level, policy.policy);
    const config = configFor(policy.checks, policy.hostPortRanges);
    const how: Peer = { peer: 'Kyverno', checks: policy.checks, failEvidence: policy.failEvidence };
    const tally = newTally();
    const counts: string[] = [];
    for (const suite of kyvernoSuites(dir)) {
      await t.test(suite.name, async () => {
        const cases = await loadCases(suite.file, config);
        const problems: string[] = [];
        if (suite.expected) {
          const present = new Set(cases.map((c) => c.key));
          for (const key of suite.expected.keys()) {
            if (!present.has(key)) problems.push(`${path.relative(CONFORMANCE, suite.file)}: ${key} has a verdict in kyverno-test.yaml but is not in the file`);
          }
        }
        for (const c of cases) {
          const theirs = suite.verdict(c);
          if (theirs === undefined) {
            problems.push(`${c.file} ${c.key}: no verdict for it in kyverno-test.yaml`);
            continue;
          }
          const differences = policy.differences?.[c.key];
          if (differences) tally.seen.add(c.key);
          problems.push(...judge(c, theirs, how, differences, tally));
          if (policy.alwaysFires) {
            const { check, field, except } = policy.alwaysFires;
            const fired = c.violations.some((v) => v.check === check);
            if (except.includes(c.key)) {
              tally.seen.add(`alwaysFires:${c.key}`);
              if (valuesOf(c.resource, field).includes(true)) problems.push(`${c.file} ${c.key}: listed as not setting ${field}: true, but it does`);
              else if (fired) problems.push(`${c.file} ${c.key}: ${check} fires though ${field} is not true (${describeFindings(c.violations)})`);
            } else if (!fired) {
              problems.push(`${c.file} ${c.key}: ${check} must fire on every pod of this policy, and did not (${describeFindings(c.violations)})`);
            }
          }
        }
        counts.push(`${cases.length} in ${suite.name}`);
        assert.deepEqual(problems, [], `${problems.length} problem(s) among the ${cases.length} cases of ${suite.name}`);
      });
    }
    const unseen = [
      ...Object.keys(policy.differences ?? {}).filter((key) => !tally.seen.has(key)),
      ...(policy.alwaysFires?.except ?? []).filter((key) => !tally.seen.has(`alwaysFires:${key}`)),
    ];
    const total = tally.agreed + tally.differed;
    t.diagnostic(`${policy.policy}: ${total} cases checked (${counts.join(', ')}); ${tally.agreed} agree, ${tally.differed} differ as documented`);
    reportDifferences(t, tally);
    assert.deepEqual(unseen, [], 'listed cases that are not in the data any more: remove them from the list');
  });
}

test(`Kyverno ${RUN_AS_NONROOT.level}/${RUN_AS_NONROOT.policy}: every container without a runAsUser gets a run-as-user finding`, { skip }, async (t: TestContext) => {
  const dir = path.join(KYVERNO, RUN_AS_NONROOT.level, RUN_AS_NONROOT.policy);
  const config = configFor(['run-as-user']);
  const counts: string[] = [];
  let total = 0;
  for (const suite of kyvernoSuites(dir)) {
    await t.test(suite.name, async () => {
      const cases = await loadCases(suite.file, config);
      const problems: string[] = [];
      for (const c of cases) {
        // The policy is about runAsNonRoot; its pods set no runAsUser anywhere, which is what this relies on.
        if (valuesOf(c.resource, 'runAsUser').length > 0) {
          problems.push(`${c.file} ${c.key}: sets runAsUser somewhere; this test only knows pods without one`);
          continue;
        }
        const containers = ['containers', 'initContainers', 'ephemeralContainers']
          .flatMap((list) => valuesOf(c.resource, list))
          .flatMap((items) => (Array.isArray(items) ? items : []))
          .map((container) => (isObject(container) ? String(container.name) : '?'))
          .sort();
        const reported = c.violations.filter((v) => v.check === 'run-as-user' && v.value === null).map((v) => String(v.container)).sort();
        if (JSON.stringify(reported) !== JSON.stringify(containers) || reported.length !== c.violations.length) {
          problems.push(`${c.file} ${c.key}: expected one "no runAsUser" finding for each of ${containers.join(', ')}; got ${describeFindings(c.violations)}`);
        }
      }
      total += cases.length;
      counts.push(`${cases.length} in ${suite.name}`);
      assert.deepEqual(problems, [], `${problems.length} problem(s) among the ${cases.length} cases of ${suite.name}`);
    });
  }
  t.diagnostic(`${RUN_AS_NONROOT.policy}: ${total} cases checked (${counts.join(', ')})`);
});

for (const level of Object.keys(PSA_LEVELS)) {
  test(`Pod Security Admission ${level}/${PSA_VERSION}`, { skip }, async (t: TestContext) => {
    const tally = newTally();
    const levelChecks = PSA_LEVELS[level]!; // level is one of PSA_LEVELS' own keys
    for (const outcome of ['pass', 'fail'] as const) {
      const dir = path.join(PSA, level, PSA_VERSION, outcome);
      for (const name of listDir(dir).filter((f) => f.endsWith('.yaml'))) {
        const rel = `${level}/${PSA_VERSION}/${outcome}/${name}`;
        await t.test(rel, async () => {
          const check = /^([a-z]+)\d*\.yaml$/.exec(name)?.[1] ?? name;
          // base.yaml is the level's own minimal pod: every check of the level must admit it.
          const psaChecks = name === 'base.yaml' ? levelChecks : [check];
          for (const psaCheck of psaChecks) {
            assert.ok(levelChecks.includes(psaCheck) && PSA_CHECKS[psaCheck], `${rel}: PSA check "${psaCheck}" is not mapped for ${level}`);
          }
          const checks = [...new Set(psaChecks.flatMap((c) => PSA_CHECKS[c]!.checks))];
          const failEvidence = psaChecks.length === 1 ? PSA_CHECKS[psaChecks[0]!]!.failEvidence : undefined;
          const cases = await loadCases(path.join(dir, name), configFor(checks));
          assert.equal(cases.length, 1, `${rel}: expected one pod`);
          const differences = PSA_DIFFERENCES[rel];
          if (differences) tally.seen.add(rel);
          const problems = judge(cases[0]!, outcome, { peer: 'Pod Security Admission', checks, failEvidence }, differences, tally);
          assert.deepEqual(problems, [], rel);
        });
      }
    }
    const unseen = Object.keys(PSA_DIFFERENCES).filter((key) => key.startsWith(`${level}/`) && !tally.seen.has(key));
    t.diagnostic(`PSA ${level}: ${tally.agreed + tally.differed} cases checked; ${tally.agreed} agree, ${tally.differed} differ as documented`);
    reportDifferences(t, tally);
    assert.deepEqual(unseen, [], 'listed cases that are not in the data any more: remove them from the list');
  });
}
