// Walks a finding's key path through a chart's template text, the way a person would read it:
// from the document's first key down, matching each template line against the rendered line,
// into named templates through `include`, and up to the `toYaml`/`include` call that wrote a
// block when no line of the template writes the key itself.
import type { ChartNode } from './chartTree.js';
import { allCharts } from './chartTree.js';
import { definedName, includeCall, matchBlocks, scanActions, type Action, type BlockSpan } from './goTemplate.js';
import { evaluateCondition, resolveExpression, rootScope, scopeAt, scopeWithData, valuesOptions, type Binding, type Scope, type ValuesSegment } from './templateScope.js';

export interface TemplateLine {
  /** 1-based line number in the file. */
  no: number;
  text: string;
  start: number;
  /** Column (0-based) of the first non-space character. */
  indent: number;
  /** The YAML key this line writes, if any, with its column; dashCol is the `- ` of a list item. */
  key: string | null;
  keyCol: number;
  dashCol: number | null;
  /** Literal text outside actions (not only spaces). */
  hasContent: boolean;
  /** Output actions that start on this line. */
  outputs: Action[];
  /** Inside an action that began on an earlier line, or inside a `define` (for document walks). */
  skip: boolean;
}

export interface TemplateFile {
  chart: ChartNode;
  file: string;
  text: string;
  actions: Action[];
  lines: TemplateLine[];
  /** Named templates defined in this file: name -> body offsets. */
  defines: Map<string, { from: number; to: number }>;
}

const KEY = /^( *)((?:- +)*)([A-Za-z0-9_./-]+|"[^"]*"|'[^']*')[ \t]*:(?=[ \t]|$)/;

export function readTemplateFile(chart: ChartNode, file: string, text: string): TemplateFile {
  const actions = scanActions(text);
  const defines = new Map<string, { from: number; to: number }>();
  const defineSpans: { from: number; to: number }[] = [];
  for (const span of matchBlocks(actions)) {
    if (span.kind !== 'define' && span.kind !== 'block') continue;
    const name = definedName(span.open.body);
    const to = span.close ? span.close.start : text.length;
    if (name) defines.set(name, { from: span.open.end, to });
    if (span.kind === 'define') defineSpans.push({ from: span.open.start, to: span.close ? span.close.end : text.length });
  }
  const lines: TemplateLine[] = [];
  let offset = 0;
  let actionIndex = 0;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const rawLine = raw[i]!;
    const lineText = rawLine.replace(/\r$/, '');
    const start = offset;
    const end = start + rawLine.length;
    offset = end + 1;
    // Mask actions so only literal YAML is left to read keys from.
    let masked = '';
    let cursor = start;
    let coveredFromBefore = false;
    const outputs: Action[] = [];
    while (actionIndex < actions.length && actions[actionIndex]!.end <= start) actionIndex++;
    for (let j = actionIndex; j < actions.length && actions[j]!.start < end; j++) {
      const action = actions[j]!;
      if (action.start < start) coveredFromBefore = true;
      const from = Math.max(action.start, start);
      masked += text.slice(cursor, from);
      masked += ' '.repeat(Math.min(action.end, end) - from);
      cursor = Math.min(action.end, end);
      if (action.start >= start && action.kind === 'output') outputs.push(action);
    }
    masked += text.slice(cursor, end);
    // A YAML comment line says nothing about structure, whatever its indentation (charts put
    // comments less indented than the keys around them).
    if (/^\s*#/.test(masked)) {
      masked = ' '.repeat(masked.length);
      outputs.length = 0;
    }
    const match = KEY.exec(masked);
    // Groups 1-3 of KEY always participate (1 and 2 may be empty).
    const dashes = match ? match[2]! : (/^( *)(- +)/.exec(masked)?.[2] ?? '');
    const maskedIndent = masked.length - masked.trimStart().length;
    const indent = lineText.length - lineText.trimStart().length;
    const inDefine = defineSpans.some((d) => start >= d.from && start < d.to);
    lines.push({
      no: i + 1,
      text: lineText,
      start,
      indent,
      key: match ? unquoteKey(match[3]!) : null,
      keyCol: match ? match[1]!.length + match[2]!.length : maskedIndent + dashes.length,
      dashCol: dashes ? maskedIndent : null,
      hasContent: masked.trim() !== '',
      outputs,
      skip: (coveredFromBefore && masked.slice(0, masked.length).trim() === '') || inDefine,
    });
  }
  return { chart, file, text, actions, lines, defines };
}

function unquoteKey(key: string): string {
  return /^["'].*["']$/.test(key) ? key.slice(1, -1) : key;
}

/** The column an output action writes at: its `nindent N`/`indent N`, else where it stands. */
function outputColumn(line: TemplateLine, action: Action): number {
  const match = /\b(?:nindent|indent)\s+(\d+)/.exec(action.body);
  return match ? Number(match[1]) : line.indent;
}

const patternCache = new WeakMap<TemplateLine, RegExp>();

/** The first action that ends after `offset` (actions are in text order and do not overlap). */
function firstActionEndingAfter(actions: readonly Action[], offset: number): number {
  let low = 0;
  let high = actions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (actions[middle]!.end <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A template line as a pattern for the rendered line: literal text kept, actions as wildcards. Compiled once per line. */
export function linePattern(file: TemplateFile, line: TemplateLine): RegExp {
  const cached = patternCache.get(line);
  if (cached) return cached;
  let pattern = '';
  let cursor = line.start;
  const end = line.start + line.text.length;
  for (let i = firstActionEndingAfter(file.actions, line.start); i < file.actions.length; i++) {
    const action = file.actions[i]!;
    if (action.start >= end) break;
    pattern += literalPattern(file.text.slice(cursor, Math.max(cursor, action.start)));
    pattern += '.*';
    cursor = Math.min(action.end, end);
  }
  pattern += literalPattern(file.text.slice(cursor, end));
  const compiled = new RegExp(`^${pattern.trim().replace(/^(\\s\*)+/, '')}$`);
  patternCache.set(line, compiled);
  return compiled;
}

function literalPattern(text: string): string {
  return text
    .split(/\s+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s*');
}

// ---------------------------------------------------------------------------------------------

/** Where the walk ended. */
export interface WalkResult {
  file: TemplateFile;
  line: TemplateLine;
  /** True when the line itself writes the offending key (or, for a missing key, its container). */
  exact: boolean;
  /** The values path the value comes from, within `chart`'s values, when the walk knows it. */
  values: { chart: ChartNode; path: ValuesSegment[] } | null;
  /** Why the walk stopped short of the key, for the report. */
  reason: string | null;
  /** The value at `values` is the rendered one (a values block re-emitted it as it is). */
  verified?: boolean;
}

/** What the walk may know of the chart's effective values (files and flags, merged). */
export interface ValuesView {
  /** Whether a values path is set anywhere (values files or flags). */
  has(chart: ChartNode, path: ValuesSegment[]): boolean;
  /** The effective value at a path; undefined when unset or not known. */
  value(chart: ChartNode, path: ValuesSegment[]): unknown;
}

const NO_VALUES: ValuesView = { has: () => false, value: () => undefined };

/** One step of the rendered path: the key or list index, and the rendered line it sits on. */
export interface RenderedStep {
  segment: string | number;
  /** The rendered line's text, trimmed (null when the key is not in the rendered output). */
  line: string | null;
}

interface Parent {
  file: TemplateFile;
  /** Indexes into file.lines of the lines inside the parent's block. */
  block: number[];
  /** The parent's own column (-1 for a document or a named template's body). */
  col: number;
  /** A list item's own line (its first key sits on it after the dash). */
  itemLine: TemplateLine | null;
  /** The parent key's own line (an output action after its colon can write the children). */
  ownLine: TemplateLine | null;
  /** Where the region starts, and its scope there. */
  regionFrom: number;
  regionScope: Scope;
  /** Index of the list item the walk went through last, for `range` elements. */
  lastIndex: number | null;
  /** The parent is a key with nothing after its colon: its list items may sit at its own column. */
  indentless: boolean;
}

/**
 * How much the walk may do. A chart controls its templates: a named template that includes
 * itself, or many that include each other, would otherwise make the walk explore an exponential
 * number of paths (Helm never runs them when they sit in a branch it does not take).
 */
export interface WalkLimits {
  /** Steps (a block searched, an include followed) one finding's walk may take. */
  stepsPerWalk: number;
  /** Steps all walks of the index together may take; past it every walk stops at once. */
  stepsInAll: number;
  /** Named templates open at once (includes within includes). */
  includeDepth: number;
  /** How often one named template may be open at once (a template that includes itself). */
  sameTemplate: number;
  /** Date.now() past which every walk stops (the run's --timeout), or null. */
  deadline: number | null;
}

/**
 * Far above what a real chart needs: a finding's walk through the corpus charts takes at most
 * 185 steps and a whole chart 511; a pod of 4,000 literal containers takes 5 per finding, 20,000
 * in all. A step costs a few microseconds, so even the whole budget is spent in about a second
 * (and the pipeline yields between findings meanwhile). A recursive named template is followed
 * twice, enough to see what it writes.
 */
export const DEFAULT_WALK_LIMITS: WalkLimits = { stepsPerWalk: 5_000, stepsInAll: 500_000, includeDepth: 24, sameTemplate: 2, deadline: null };

/** The walk gave up: past its budget or the run's deadline. The message is the reason shown. */
export class WalkStopped extends Error {}

interface WalkState {
  steps: number;
  /** Named templates open now, by name: how many times each. */
  open: Map<string, number>;
  depth: number;
}

export class TemplateIndex {
  private readonly files = new Map<string, TemplateFile>();
  private defines: Map<string, { chart: ChartNode; path: string }[]> | null = null;
  private readonly walks = new Map<string, WalkResult | null | WalkStopped>();
  private readonly limits: WalkLimits;
  /** Steps taken by every walk so far. */
  private spent = 0;
  private state: WalkState = { steps: 0, open: new Map(), depth: 0 };

  /**
   * `values` tells whether a values path is set and to what: of two blocks that could have
   * written a key, the one whose values hold the rendered value is the likelier.
   */
  constructor(
    private readonly root: ChartNode,
    private readonly values: ValuesView = NO_VALUES,
    limits: Partial<WalkLimits> = {},
  ) {
    this.limits = { ...DEFAULT_WALK_LIMITS, ...limits };
  }

  /** Counts one step of the current walk; throws WalkStopped past a budget or the deadline. */
  private step(): void {
    const { limits, state } = this;
    state.steps++;
    this.spent++;
    if (state.steps > limits.stepsPerWalk) throw new WalkStopped(`the template walk took more than ${limits.stepsPerWalk} steps (named templates that include each other?)`);
    if (this.spent > limits.stepsInAll) throw new WalkStopped(`the template walks of this chart took more than ${limits.stepsInAll} steps in all`);
    if (limits.deadline !== null && (this.spent & 63) === 0 && Date.now() > limits.deadline) throw this.pastDeadline();
  }

  private pastDeadline(): WalkStopped {
    return new WalkStopped('source mapping stopped at the --timeout deadline');
  }

  private rank(result: WalkResult): number {
    return (result.exact ? 8 : 0) + (result.verified ? 4 : 0) + (result.values ? 1 : 0) + (result.values && this.values.has(result.values.chart, result.values.path) ? 2 : 0);
  }

  /**
   * Whether the text at `offset` ran: every `if`/`with`/`range` around it (inside the region)
   * took the branch that holds it. False when one surely did not, null when the walk cannot tell.
   */
  private runs(parent: Parent, offset: number): boolean | null {
    const { file } = parent;
    let verdict: boolean | null = true;
    for (const span of conditionalSpans(file)) {
      if (span.open.start < parent.regionFrom || span.open.start >= offset) continue;
      if (span.close && span.close.start < offset) continue;
      const branch = span.elses.filter((e) => e.start < offset).length;
      const arms = [span.open, ...span.elses];
      for (let k = 0; k <= branch && k < arms.length; k++) {
        const arm = arms[k]!;
        const condition = k === 0 ? arm.body.slice(span.kind.length) : arm.body.replace(/^else\s*/, '').replace(/^(?:if|with)\b/, '');
        if (condition.trim() === '') continue;
        const scope = scopeAt(file.actions, parent.regionFrom, arm.start, parent.regionScope);
        const holds = evaluateCondition(condition.trim(), scope, this.values);
        // Earlier arms must fail, the arm that holds the text must hold.
        const needed = k === branch;
        if (holds === null) verdict = null;
        else if (holds !== needed) return false;
      }
    }
    return verdict;
  }

  /**
   * The values path a binding stands for below the walk's position (`rest`): of its candidates
   * (`default`, `merge`...) the first set one; a list index the template cannot tell (a `range`
   * element, a values block writing items after literal ones) is the index whose value is the
   * rendered one, tried from the rendered index down, then up.
   */
  private settle(binding: Binding, rest: ValuesSegment[], index: number | null, rendered: string | null): { values: NonNullable<WalkResult['values']>; verified: boolean } | null {
    const options = valuesOptions(binding);
    if (options.length === 0) return null;
    let found: { values: NonNullable<WalkResult['values']>; verified: boolean } | null = null;
    for (const option of options) {
      const path = [...option.path, ...rest];
      const slot = path.indexOf('*') !== -1 ? path.indexOf('*') : option.path.length < path.length && typeof path[option.path.length] === 'number' ? option.path.length : -1;
      const first = slot === -1 ? null : slot === option.path.length && path[slot] !== '*' ? (path[slot] as number) : index;
      const tries = first === null ? [fillIndex(path, index)] : candidateIndexes(first).map((k) => path.map((segment, i) => (i === slot ? k : segment === '*' ? (index ?? '*') : segment)));
      for (const tried of tries) {
        const candidate = { values: { chart: option.chart, path: tried }, verified: matchesRendered(this.values.value(option.chart, tried), rendered) };
        if (candidate.verified) return candidate;
        if (!found || (!this.values.has(found.values.chart, found.values.path) && this.values.has(option.chart, tried))) found = candidate;
      }
    }
    if (found && !this.values.has(found.values.chart, found.values.path)) {
      const filled = fillIndex([...options[0]!.path, ...rest], index);
      found = { values: { chart: options[0]!.chart, path: filled }, verified: false };
    }
    return found;
  }

  file(chart: ChartNode, path: string): TemplateFile | null {
    const key = `${chart.display(path)}`;
    let cached = this.files.get(key);
    if (!cached) {
      const text = chart.files.get(path);
      if (text === undefined) return null;
      cached = readTemplateFile(chart, path, text);
      this.files.set(key, cached);
    }
    return cached;
  }

  /**
   * A named template as Helm resolves it: every chart's templates go into one set, parsed from
   * the deepest path to the shallowest (of equal depth, in reverse name order), and the last
   * definition parsed wins, so a parent chart's definition overrides its subcharts' whoever
   * includes it. `from` is kept for callers; Helm's rule does not depend on it.
   */
  define(name: string, from: ChartNode): { file: TemplateFile; from: number; to: number } | null {
    void from;
    if (!this.defines) {
      // A cheap text search finds which files define what; only those files are read in full.
      this.defines = new Map();
      for (const chart of allCharts(this.root)) {
        for (const [path, text] of chart.files) {
          if (!path.startsWith('templates/')) continue;
          for (const match of text.matchAll(/\{\{-?\s*(?:define|block)\s+"([^"]+)"/g)) {
            const name = match[1]!;
            const list = this.defines.get(name) ?? [];
            if (!list.some((c) => c.chart === chart && c.path === path)) list.push({ chart, path });
            this.defines.set(name, list);
          }
        }
      }
    }
    const candidates = this.defines.get(name) ?? [];
    const ordered = candidates
      .map((candidate) => ({ ...candidate, key: helmTemplatePath(candidate.chart, candidate.path) }))
      .sort((a, b) => a.key.split('/').length - b.key.split('/').length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const candidate of ordered) {
      const file = this.file(candidate.chart, candidate.path);
      const body = file?.defines.get(name);
      if (file && body) return { file, ...body };
    }
    return null;
  }

  /**
   * Walks the rendered path through the template file that produced a document.
   * `documentIndex` is the document's position among those rendered from the same file.
   */
  walk(file: TemplateFile, steps: readonly RenderedStep[], anchorOnly: boolean, identity: readonly string[] = []): WalkResult | null {
    // Findings often share a path and its rendered lines (every container of one pod, say).
    const key = JSON.stringify([file.chart.display(file.file), steps, anchorOnly, identity]);
    let result = this.walks.get(key);
    if (result === undefined) {
      if (this.limits.deadline !== null && Date.now() > this.limits.deadline) throw this.pastDeadline();
      this.state = { steps: 0, open: new Map(), depth: 0 };
      try {
        result = this.walkUncached(file, steps, anchorOnly, identity);
      } catch (error) {
        if (!(error instanceof WalkStopped)) throw error;
        result = error;
      }
      this.walks.set(key, result);
    }
    if (result instanceof WalkStopped) throw result;
    return result;
  }

  /**
   * A file can hold several documents: the walk reads first those whose `kind:` and `name:`
   * lines can render the resource's (`identity`), and when two equally likely documents write
   * the key on different lines it cannot tell which rendered this resource: not exact.
   */
  private walkUncached(file: TemplateFile, steps: readonly RenderedStep[], anchorOnly: boolean, identity: readonly string[]): WalkResult | null {
    let best: WalkResult | null = null;
    let bestScore = -1;
    const regions = documentRegions(file)
      .map((region) => ({ region, score: identityScore(file, region.lines, identity) }))
      .sort((a, b) => b.score - a.score);
    for (const { region, score } of regions) {
      if (best?.exact && score < bestScore) break;
      const parent: Parent = {
        file,
        block: region.lines,
        col: -1,
        itemLine: null,
        ownLine: null,
        regionFrom: region.from,
        regionScope: rootScope(file.chart),
        lastIndex: null,
        indentless: false,
      };
      const result = this.descend(parent, steps, 0, anchorOnly, 0);
      if (best?.exact && result?.exact) {
        if (result.file !== best.file || result.line !== best.line) {
          const reason = 'several documents of this template file write this key and the walk cannot tell which one rendered this resource';
          return { ...best, exact: false, reason };
        }
        continue;
      }
      if (result && (!best || this.rank(result) > this.rank(best))) {
        best = result;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * Finds the step `at` below `parent` and walks on. Conditionals can write the same key on
   * several lines, so every candidate line and every output action is tried; the best wins.
   */
  private descend(parent: Parent, steps: readonly RenderedStep[], at: number, anchorOnly: boolean, depth: number): WalkResult | null {
    const step = steps[at];
    if (depth > 40 || step === undefined) return null;
    this.step();
    const last = at === steps.length - 1;
    const candidates = typeof step.segment === 'number' ? this.itemCandidates(parent, step) : this.keyCandidates(parent, step);
    let best: WalkResult | null = null;
    const consider = (result: WalkResult | null) => {
      if (result && (!best || this.rank(result) > this.rank(best))) best = result;
    };
    const running = candidates.filter((child) => this.runs(parent, child.line.start) !== false);
    if (last && running.length > 0) return this.lastStep(parent, running, steps, at, anchorOnly);
    for (const child of running) {
      const next = this.descend(child.parent, steps, at + 1, anchorOnly, depth + 1);
      if (next?.exact) return next;
      consider(next);
      // The rest of the path is not in the template below this line: blame the line, not exactly.
      consider({ file: parent.file, line: child.line, exact: false, values: null, reason: 'the rest of the path is written by code the walk could not follow' });
    }
    const produced = this.viaProducers(parent, steps, at, anchorOnly, depth);
    if (produced?.exact) return produced;
    consider(produced);
    return best;
  }

  /**
   * The line that writes the last key. Of several lines that could have (the branches of an
   * `if`, say), the one whose branch surely ran; when the walk cannot tell, the first, not exact.
   */
  private lastStep(parent: Parent, candidates: { line: TemplateLine }[], steps: readonly RenderedStep[], at: number, anchorOnly: boolean): WalkResult {
    const rendered = steps[at]!.line;
    const matching = rendered === null ? candidates : candidates.filter((c) => linePattern(parent.file, c.line).test(rendered));
    const pool = matching.length > 0 ? matching : candidates;
    const sure = pool.filter((c) => this.runs(parent, c.line.start) === true);
    const chosen = sure.length === 1 ? sure[0]! : pool[0]!;
    const values = anchorOnly ? null : this.valuesOnLine(parent, chosen.line, steps, at);
    if (pool.length === 1 || sure.length === 1) return { file: parent.file, line: chosen.line, exact: true, values, reason: null };
    const others = pool.map((c) => (anchorOnly ? null : this.valuesOnLine(parent, c.line, steps, at)));
    const sameValues = others.every((v) => JSON.stringify(v?.path) === JSON.stringify(values?.path) && v?.chart === values?.chart);
    return {
      file: parent.file,
      line: chosen.line,
      exact: false,
      values: sameValues ? values : null,
      reason: `lines ${pool.map((c) => c.line.no).join(', ')} all write this key in branches the walk cannot tell apart`,
    };
  }

  /** Lines directly under the parent that write the key, those matching the rendered line first. */
  private keyCandidates(parent: Parent, step: RenderedStep): { line: TemplateLine; parent: Parent }[] {
    const { file } = parent;
    const byKey = memo(parent.block, `keys:${parent.col}`, () => {
      const keyed = parent.block.map((i) => file.lines[i]!).filter((l) => l.key !== null && l.dashCol === null && l.keyCol > parent.col);
      const childCol = keyed.reduce((min, l) => Math.min(min, l.keyCol), Infinity);
      const map = new Map<string, TemplateLine[]>();
      for (const line of keyed) if (line.keyCol === childCol) map.set(line.key!, [...(map.get(line.key!) ?? []), line]);
      return map;
    });
    const candidates = [...(byKey.get(String(step.segment)) ?? [])];
    if (parent.itemLine && parent.itemLine.key === step.segment) candidates.unshift(parent.itemLine);
    return byPattern(file, candidates, step.line).map((line) => ({ line, parent: this.childParent(parent, line, line.keyCol, false) }));
  }

  /** List items under the parent that can be the rendered item, the likeliest first. */
  private itemCandidates(parent: Parent, step: RenderedStep): { line: TemplateLine; parent: Parent }[] {
    const { file } = parent;
    const list = memo(parent.block, `items:${parent.col}`, () => itemList(file, parent.block.map((i) => file.lines[i]!), parent.col));
    const { items } = list;
    if (items.length === 0) return [];
    const index = step.segment as number;
    const matching = step.line === null ? items : list.matching(step.line);
    // Literal items in the same number as rendered ones: the item at the same position.
    const atIndex = index < items.length ? items[index] : undefined;
    const ordered = matching.length > 1 && matching.length === items.length && atIndex ? [atIndex, ...matching.filter((l) => l !== atIndex)] : matching;
    return ordered.map((line) => {
      const childParent = this.childParent(parent, line, line.dashCol as number, true);
      childParent.lastIndex = index;
      return { line, parent: childParent };
    });
  }

  private childParent(parent: Parent, line: TemplateLine, col: number, isItem: boolean): Parent {
    const { file } = parent;
    const block = memo(parent.block, `child:${line.no}:${col}:${isItem}`, () => {
      const positions = memo(parent.block, 'positions', () => new Map(parent.block.map((lineIndex, k) => [lineIndex, k])));
      const position = positions.get(line.no - 1) ?? -1;
      const lines: number[] = [];
      const indentless = !isItem && line.hasContent && file.lines[line.no - 1]!.text.trimEnd().endsWith(':');
      for (let k = position + 1; k < parent.block.length; k++) {
        const lineIndex = parent.block[k]!;
        const candidate = file.lines[lineIndex]!;
        if (candidate.hasContent) {
          const column = candidate.dashCol ?? candidate.keyCol;
          const continuesList = indentless && candidate.dashCol === col;
          if (column <= col && !continuesList) break;
        } else if (candidate.outputs.length > 0) {
          // An output at the key's own column can write the items of an indentless list.
          if (candidate.outputs.every((a) => outputColumn(candidate, a) < col || (outputColumn(candidate, a) === col && !indentless))) continue;
        }
        lines.push(lineIndex);
      }
      return lines;
    });
    return {
      file,
      block,
      col,
      itemLine: isItem ? line : null,
      ownLine: isItem ? null : line,
      regionFrom: parent.regionFrom,
      regionScope: parent.regionScope,
      lastIndex: parent.lastIndex,
      indentless: !isItem && file.lines[line.no - 1]!.text.trimEnd().endsWith(':'),
    };
  }

  /** No line writes the key: an `include`, `toYaml` or other output action in the block did. */
  private viaProducers(parent: Parent, steps: readonly RenderedStep[], at: number, anchorOnly: boolean, depth: number): WalkResult | null {
    const { file } = parent;
    const producers: { line: TemplateLine; action: Action }[] = [];
    for (const host of [parent.ownLine, parent.itemLine]) {
      if (!host) continue;
      for (const action of host.outputs) producers.push({ line: host, action });
    }
    for (const index of parent.block) {
      const line = file.lines[index]!;
      if (line.hasContent) continue;
      for (const action of line.outputs) {
        const column = outputColumn(line, action);
        if (column > parent.col || (column === parent.col && parent.indentless && typeof steps[at]!.segment === 'number')) producers.push({ line, action });
      }
    }
    let fallback: WalkResult | null = null;
    for (const { line, action } of producers) {
      this.step();
      if (this.runs(parent, action.start) === false) continue;
      const scope = scopeAt(file.actions, parent.regionFrom, action.start, parent.regionScope);
      const call = includeCall(action.body);
      if (call) {
        const define = this.define(call.name, file.chart);
        const { open } = this.state;
        const times = open.get(call.name) ?? 0;
        // A template already open that often, or includes nested too deep: not followed (Helm
        // does not run such a branch here, or the walk learns nothing new from it).
        if (define && times < this.limits.sameTemplate && this.state.depth < this.limits.includeDepth) {
          this.step();
          const data = resolveExpression(call.argument, scope);
          const body: Parent = {
            file: define.file,
            block: regionLines(define.file, define.from, define.to),
            col: -1,
            itemLine: null,
            ownLine: null,
            regionFrom: define.from,
            regionScope: scopeWithData(data),
            lastIndex: parent.lastIndex,
            indentless: false,
          };
          open.set(call.name, times + 1);
          this.state.depth++;
          let inner: WalkResult | null;
          try {
            inner = this.descend(body, steps, at, anchorOnly, depth + 1);
          } finally {
            open.set(call.name, times);
            this.state.depth--;
          }
          if (inner && inner.exact) return inner;
          if (inner && (!fallback || this.rank(inner) > this.rank(fallback))) fallback = inner;
        }
        continue;
      }
      const binding = resolveExpression(action.body, scope);
      const settled = this.settle(binding, steps.slice(at).map((s) => s.segment), parent.lastIndex, steps[steps.length - 1]!.line);
      if (settled) {
        const result: WalkResult = {
          file,
          line,
          exact: false,
          values: anchorOnly ? null : settled.values,
          reason: 'the key is written by a values block (toYaml or similar), not by a template line',
          verified: settled.verified,
        };
        if (!fallback || this.rank(result) > this.rank(fallback)) fallback = result;
      }
    }
    if (fallback) return fallback;
    const first = producers[0];
    if (first) {
      const { line } = first;
      return { file, line, exact: false, values: null, reason: 'the key comes from template code the walk could not follow' };
    }
    return null;
  }

  /** The values path behind the value written on a key's line. */
  private valuesOnLine(parent: Parent, line: TemplateLine, steps: readonly RenderedStep[], at: number): WalkResult['values'] {
    const { file } = parent;
    const afterKey = line.start + line.keyCol;
    for (const action of line.outputs) {
      if (action.start < afterKey) continue;
      const scope = scopeAt(file.actions, parent.regionFrom, action.start, parent.regionScope);
      const binding = resolveExpression(action.body, scope);
      const settled = this.settle(binding, steps.slice(at + 1).map((s) => s.segment), parent.lastIndex, steps[steps.length - 1]!.line);
      if (settled) return settled.values;
    }
    return null;
  }
}

/** How many of the resource's rendered `kind:`/`name:` lines a document's own lines can render. */
function identityScore(file: TemplateFile, lines: readonly number[], identity: readonly string[]): number {
  let score = 0;
  for (const rendered of identity) {
    const key = /^(?:-\s+)?([A-Za-z]+):/.exec(rendered)?.[1];
    if (key && lines.some((i) => file.lines[i]!.key === key && linePattern(file, file.lines[i]!).test(rendered))) score++;
  }
  return score;
}

/** A template's name in Helm's engine: `parent/charts/sub/templates/x.yaml`. */
function helmTemplatePath(chart: ChartNode, path: string): string {
  let key = path;
  for (let node: ChartNode | null = chart; node; node = node.parent) key = node.parent ? `charts/${node.name}/${key}` : `${node.name}/${key}`;
  return key;
}

const spansCache = new WeakMap<TemplateFile, BlockSpan[]>();

/** The `if`, `with` and `range` blocks of a file, whose branches decide what renders. */
function conditionalSpans(file: TemplateFile): BlockSpan[] {
  let spans = spansCache.get(file);
  if (!spans) spansCache.set(file, (spans = matchBlocks(file.actions).filter((span) => span.kind === 'if' || span.kind === 'with' || span.kind === 'range')));
  return spans;
}

/** Candidate lines for one rendered line, those whose pattern matches it first. */
function byPattern(file: TemplateFile, candidates: TemplateLine[], rendered: string | null): TemplateLine[] {
  if (candidates.length <= 1 || rendered === null) return candidates;
  const matching = candidates.filter((l) => linePattern(file, l).test(rendered));
  return [...matching, ...candidates.filter((l) => !matching.includes(l))];
}

const blockMemo = new WeakMap<readonly number[], Map<string, unknown>>();

/**
 * What the walk derives from a block of lines (its keys, its list items, the block under one of
 * its lines), computed once per block: every finding of a pod walks the same blocks, and
 * recomputing them per finding made a template with thousands of containers quadratic.
 */
function memo<T>(block: readonly number[], key: string, compute: () => T): T {
  let cache = blockMemo.get(block);
  if (!cache) blockMemo.set(block, (cache = new Map<string, unknown>()));
  if (cache.has(key)) return cache.get(key) as T;
  const value = compute();
  cache.set(key, value);
  return value;
}

/** Whether any action stands on the line (its pattern then has wildcards). */
function hasActions(file: TemplateFile, line: TemplateLine): boolean {
  const action = file.actions[firstActionEndingAfter(file.actions, line.start)];
  return action !== undefined && action.start < line.start + line.text.length;
}

/** The list items of a block, and which of them can be a rendered item's line. */
function itemList(file: TemplateFile, lines: TemplateLine[], col: number): { items: TemplateLine[]; matching(rendered: string): TemplateLine[] } {
  const dashed = lines.filter((l) => l.dashCol !== null && l.dashCol >= col && l.hasContent);
  if (dashed.length === 0) return { items: [], matching: () => [] };
  const itemCol = dashed.reduce((min, l) => Math.min(min, l.dashCol as number), Infinity);
  const items = dashed.filter((l) => l.dashCol === itemCol);
  // A line without actions can only match a rendered line with the same text once spaces are
  // dropped: those are found by a lookup, only lines with actions are tried one by one.
  const literal = new Map<string, TemplateLine[]>();
  const patterned: TemplateLine[] = [];
  for (const item of items) {
    if (hasActions(file, item)) patterned.push(item);
    else {
      const key = item.text.replace(/\s+/g, '');
      literal.set(key, [...(literal.get(key) ?? []), item]);
    }
  }
  return {
    items,
    matching(rendered) {
      const found = [...(literal.get(rendered.replace(/\s+/g, '')) ?? []), ...patterned].filter((l) => linePattern(file, l).test(rendered));
      return found.sort((a, b) => a.no - b.no);
    },
  };
}

/** List indexes to try for a rendered index: itself, those below, then a few above (a filtered range). */
function candidateIndexes(index: number | null): number[] {
  if (index === null) return [];
  const below = Array.from({ length: index + 1 }, (_, k) => index - k);
  return [...below, ...Array.from({ length: 16 }, (_, k) => index + 1 + k)];
}

/** The rendered line's value: `key: value` or `- key: value` or `- value`, unquoted. */
function renderedEntry(line: string): { key: string | null; text: string } {
  const body = line.replace(/^(?:-\s+)+/, '');
  const match = /^([^:'"\s][^:]*|"[^"]*"|'[^']*'):(?:\s+(.*))?$/.exec(body);
  const unquote = (text: string) => text.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  return match ? { key: unquote(match[1]!), text: unquote((match[2] ?? '').trim()) } : { key: null, text: unquote(body.trim()) };
}

/** Whether a values setting's data is what the rendered line shows (a scalar, or a map's first key). */
function matchesRendered(value: unknown, rendered: string | null): boolean {
  if (rendered === null || value === undefined) return false;
  const { key, text } = renderedEntry(rendered);
  let data: unknown = value;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    if (key === null || !Object.prototype.hasOwnProperty.call(data, key)) return false;
    data = (data as Record<string, unknown>)[key];
  }
  // A key whose value is a block (`- command:` then its items): the key is all the line shows.
  if (data !== null && typeof data === 'object') return text === '' && key !== null && Object.keys(data).length > 0;
  return data !== null && text !== '' && String(data) === text;
}

function fillIndex(path: ValuesSegment[], index: number | null): ValuesSegment[] {
  return path.map((segment) => (segment === '*' ? (index ?? '*') : segment));
}

/** The documents of a template file (split at `---`), outside named templates. */
const regionsCache = new WeakMap<TemplateFile, { from: number; lines: number[] }[]>();

function documentRegions(file: TemplateFile): { from: number; lines: number[] }[] {
  const cached = regionsCache.get(file);
  if (cached) return cached;
  const regions: { from: number; lines: number[] }[] = [];
  let current = { from: 0, lines: [] as number[] };
  for (let i = 0; i < file.lines.length; i++) {
    const line = file.lines[i]!;
    if (line.skip) continue;
    if (/^---\s*$/.test(line.text)) {
      if (current.lines.length > 0) regions.push(current);
      current = { from: line.start, lines: [] };
      continue;
    }
    if (line.hasContent || line.outputs.length > 0) current.lines.push(i);
  }
  if (current.lines.length > 0) regions.push(current);
  regionsCache.set(file, regions);
  return regions;
}

const regionCache = new WeakMap<TemplateFile, Map<string, number[]>>();

/** Lines of a named template's body that carry YAML or output. */
function regionLines(file: TemplateFile, from: number, to: number): number[] {
  let cache = regionCache.get(file);
  if (!cache) regionCache.set(file, (cache = new Map<string, number[]>()));
  const key = `${from}:${to}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const lines: number[] = [];
  for (let i = 0; i < file.lines.length; i++) {
    const line = file.lines[i]!;
    const lineEnd = line.start + line.text.length;
    if (lineEnd < from || line.start >= to) continue;
    if (line.hasContent || line.outputs.some((a) => a.start >= from && a.start < to)) lines.push(i);
  }
  cache.set(key, lines);
  return lines;
}

export type { Binding };
