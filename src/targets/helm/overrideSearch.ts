// Which of the user's values settings turn a finding on: a bounded search over renders of the
// chart with subsets of the settings. Pure: the renders come from the caller (real Helm, or an
// in-memory stand-in in tests), so the search itself needs no binaries.
//
// The search grows a set of kept settings until keeping only them produces the finding: each
// step finds the next setting needed by binary search, first over whole groups (one per -f file,
// one for the --set* flags), then within the group found. Every setting it names is checked by
// one more render: without that setting alone, everything else kept, the finding is gone.

/** Settings are numbered 0..n-1 in the order Helm applies them. */
export type Setting = number;

export interface OverrideSearch {
  /** The settings as the user gave them, one group per -f file and one for the --set* flags, in order. */
  groups: readonly (readonly Setting[])[];
  /** Keys of the findings to explain: produced with every setting, not with none. */
  findings: readonly string[];
  /** Settings to try first for a finding (those the values mapping says set its value). */
  suspects(finding: string): readonly Setting[];
  /** Renders the search may start, at most: past it, a finding's answer is that it ran out. */
  budget: number;
  /** Renders running at once, at most. */
  concurrency: number;
  /** Renders the chart with only `kept` (ascending): the keys of the findings it produces, or null when it fails. */
  render(kept: readonly Setting[]): Promise<ReadonlySet<string> | null>;
  /** What is already known: the findings with every setting and with none (the chart's defaults). */
  withAll: ReadonlySet<string>;
  withNone: ReadonlySet<string>;
}

/** The settings without which a finding goes away, or why none are named. */
export type SearchAnswer = { settings: Setting[] } | { reason: string };

export interface SearchResult {
  answers: Map<string, SearchAnswer>;
  /** Renders started. */
  renders: number;
}

/** A render's answer for one finding; `over-budget` when the render was never started. */
type Presence = 'present' | 'absent' | 'failed' | 'over-budget';

class OutOfBudget extends Error {}

/** Renders keyed by the exact settings kept, shared by every finding, a bounded number at a time. */
class RenderCache {
  private readonly results = new Map<string, Promise<ReadonlySet<string> | null>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  started = 0;

  constructor(private readonly search: OverrideSearch) {
    const all = search.groups.flat().sort((a, b) => a - b);
    this.results.set(keyOf(all), Promise.resolve(search.withAll));
    this.results.set(keyOf([]), Promise.resolve(search.withNone));
  }

  async presence(finding: string, kept: readonly Setting[]): Promise<Presence> {
    let result: ReadonlySet<string> | null;
    try {
      result = await this.rendered([...kept].sort((a, b) => a - b));
    } catch (error) {
      if (error instanceof OutOfBudget) return 'over-budget';
      throw error;
    }
    if (result === null) return 'failed';
    return result.has(finding) ? 'present' : 'absent';
  }

  private rendered(kept: Setting[]): Promise<ReadonlySet<string> | null> {
    const key = keyOf(kept);
    let result = this.results.get(key);
    if (!result) {
      if (this.started < this.search.budget) {
        this.started++;
        result = this.limited(kept);
      } else {
        result = Promise.reject(new OutOfBudget());
        result.catch(() => undefined); // each caller gets it from presence()
      }
      this.results.set(key, result);
    }
    return result;
  }

  private async limited(kept: Setting[]): Promise<ReadonlySet<string> | null> {
    while (this.running >= this.search.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await this.search.render(kept);
    } catch {
      return null; // a render that could not even run says nothing about the finding
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function keyOf(kept: readonly Setting[]): string {
  return kept.join(',');
}

const without = (list: readonly Setting[], taken: ReadonlySet<Setting>) => list.filter((setting) => !taken.has(setting));

/**
 * The smallest n (1..candidates.length) for which the first n candidates (with whatever `test`
 * keeps besides) produce the finding, knowing that n = 0 does not and n = candidates.length does.
 */
async function firstSufficient<T>(candidates: readonly T[], test: (prefix: readonly T[]) => Promise<Presence>): Promise<number> {
  let absent = 0;
  let present = candidates.length;
  while (present - absent > 1) {
    const middle = (absent + present) >> 1;
    const presence = await test(candidates.slice(0, middle));
    if (presence === 'over-budget') throw new OutOfBudget();
    // A render that fails counts as "not yet": the prefix that renders and produces it is later.
    if (presence === 'present') present = middle;
    else absent = middle;
  }
  return present;
}

/**
 * The next setting the finding needs besides `core`, among `candidates` (keeping `core` and every
 * candidate produces it, keeping `core` alone does not): binary search over groups, then within
 * the group found. With it, the candidates before it: keeping those, `core` and it produces the
 * finding, so the next search looks only there.
 */
async function nextNeeded(finding: string, core: readonly Setting[], candidates: readonly (readonly Setting[])[], cache: RenderCache): Promise<{ needed: Setting; before: Setting[][] }> {
  const group = (await firstSufficient(candidates, (prefix) => cache.presence(finding, [...core, ...prefix.flat()]))) - 1;
  const earlier = candidates.slice(0, group);
  const inGroup = candidates[group]!;
  const at = (await firstSufficient(inGroup, (prefix) => cache.presence(finding, [...core, ...earlier.flat(), ...prefix]))) - 1;
  const before = [...earlier, inGroup.slice(0, at)].filter((settings) => settings.length > 0).map((settings) => [...settings]);
  return { needed: inGroup[at]!, before };
}

async function explain(finding: string, search: OverrideSearch, cache: RenderCache): Promise<SearchAnswer> {
  const all = search.groups.flat();
  const named = new Set<Setting>();
  const unrenderable = new Set<Setting>();
  const verifications = new Map<Setting, Promise<void>>();
  // Named only when a render without it alone, everything else kept, no longer produces the finding.
  const verify = (setting: Setting) => {
    if (verifications.has(setting)) return;
    const verification = cache.presence(finding, all.filter((other) => other !== setting)).then((presence) => {
      if (presence === 'over-budget') throw new OutOfBudget();
      if (presence === 'absent') named.add(setting);
      if (presence === 'failed') unrenderable.add(setting);
    });
    verification.catch(() => undefined);
    verifications.set(setting, verification);
  };
  try {
    search.suspects(finding).filter((setting) => all.includes(setting)).forEach(verify);
    await Promise.all(verifications.values());
    // A setting without which the finding goes away belongs to every set of settings that produces it.
    const core = [...named];
    let candidates = search.groups.map((group) => without(group, named)).filter((group) => group.length > 0);
    for (;;) {
      const presence = await cache.presence(finding, core);
      if (presence === 'over-budget') throw new OutOfBudget();
      if (presence === 'present' || candidates.length === 0) break;
      const { needed, before } = await nextNeeded(finding, core, candidates, cache);
      core.push(needed);
      candidates = before;
      verify(needed); // runs beside the search for the next one
    }
    await Promise.all(verifications.values());
  } catch (error) {
    if (error instanceof OutOfBudget) return { reason: `the search stopped at its limit of ${search.budget} renders` };
    throw error;
  }
  if (named.size > 0) return { settings: [...named].sort((a, b) => a - b) };
  if (unrenderable.size > 0) return { reason: 'the chart does not render without some of the settings, so they cannot be told apart' };
  return { reason: 'no single setting turns it on: it stays when any one of them is removed' };
}

/** For each finding, the settings whose removal alone makes it go away, or why none are named. */
export async function searchResponsibleSettings(search: OverrideSearch): Promise<SearchResult> {
  const cache = new RenderCache(search);
  const answers = new Map<string, SearchAnswer>();
  // Findings are searched side by side: most share their settings, so their renders coincide.
  const found = await Promise.all(search.findings.map(async (finding) => [finding, await explain(finding, search, cache)] as const));
  for (const [finding, answer] of found) answers.set(finding, answer);
  return { answers, renders: cache.started };
}
