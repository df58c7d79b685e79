// Which named templates a chart reads back: their output parsed by fromYaml or fromJson (and the
// templates they include). A key renamed in their text would change what the chart decides, so
// the proof render leaves those lines alone. A parse of a template chosen at run time (`include
// (print …)`) could read any of them: then no line may be renamed.

import { lineIndex } from './proofEdits.js';

/** An action of a template text, with where it starts. */
interface Action {
  text: string;
  offset: number;
}

const ACTION = /\{\{-?([\s\S]*?)-?\}\}/g;
const PARSES = /\bfrom(?:Yaml|Json)(?:Array)?\b/;

function actionsOf(text: string): Action[] {
  const actions: Action[] = [];
  for (const match of text.matchAll(ACTION)) {
    const body = match[1]!.trim();
    if (body.startsWith('/*')) continue; // a comment: its includes never run
    actions.push({ text: body, offset: match.index });
  }
  return actions;
}

export interface DefineRange {
  name: string;
  file: string;
  /** 1-based lines, inclusive. */
  from: number;
  to: number;
}

/** The named templates of one text, by `define`/`block` … `end`, nested blocks counted. */
export function definesOf(file: string, text: string): DefineRange[] {
  const lineAt = lineIndex(text);
  const found: DefineRange[] = [];
  const open: ({ name: string; from: number } | null)[] = [];
  for (const action of actionsOf(text)) {
    const start = /^(define|block)\s+"([^"]+)"/.exec(action.text);
    if (start) open.push({ name: start[2]!, from: lineAt(action.offset) });
    else if (/^(if|range|with)\b/.test(action.text)) open.push(null);
    else if (/^end\b/.test(action.text)) {
      const closed = open.pop();
      if (closed) found.push({ name: closed.name, file, from: closed.from, to: lineAt(action.offset) });
    }
  }
  return found;
}

function namesIncluded(text: string): string[] {
  return [...text.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)].map((match) => match[1]!);
}

export interface ReadBack {
  /**
   * Line ranges not to rename, per file; `json` when the chart parses them as JSON, where a block
   * marker (a YAML comment) would not parse either.
   */
  keep: Map<string, { from: number; to: number; json: boolean }[]>;
  /** Why no line may be renamed, when none may. */
  everything: string | null;
}

/** The lines a proof render must not rename in the chart's templates (`files`: path -> text). */
export function linesReadBack(files: ReadonlyMap<string, string>): ReadBack {
  const defines: DefineRange[] = [];
  const parsed = new Set<string>();
  const parsedAsJson = new Set<string>();
  let dynamic: string | null = null;
  const called = new Set<string>();
  const parsers: { define: string | null; file: string }[] = [];
  for (const [file, text] of files) {
    // Only named templates and parses matter here: most files (CRDs, say) have neither.
    if (!text.includes('define') && !text.includes('block') && !text.includes('from')) {
      for (const name of namesIncluded(text)) called.add(name);
      continue;
    }
    const ranges = definesOf(file, text);
    defines.push(...ranges);
    const lineAt = lineIndex(text);
    const assigned = new Map<string, string[]>();
    for (const action of actionsOf(text)) {
      const names = namesIncluded(action.text);
      for (const name of names) called.add(name);
      const assignment = /^(\$\w+)\s*:?=/.exec(action.text);
      if (assignment && !PARSES.test(action.text)) assigned.set(assignment[1]!, names);
      if (!PARSES.test(action.text)) continue;
      const line = lineAt(action.offset);
      const inside = ranges.find((range) => range.from <= line && line <= range.to)?.name ?? null;
      const variables = [...action.text.matchAll(/(\$\w+)\s*\|\s*from/g)].map((match) => match[1]!);
      const read = [...names, ...variables.flatMap((variable) => assigned.get(variable) ?? [])];
      for (const name of read) parsed.add(name);
      if (/\bfromJson/.test(action.text)) for (const name of read) parsedAsJson.add(name);
      if (/\b(?:include|template)\s*\(/.test(action.text) || variables.some((variable) => !assigned.has(variable) && !/^\$\w*[Vv]alues/.test(variable))) {
        parsers.push({ define: inside, file });
      }
    }
  }
  // A parse of a template chosen at run time matters only where it can run: at the top of a
  // template file, or in a named template something includes.
  const reachable = parsers.find((parser) => parser.define === null || called.has(parser.define));
  if (reachable) dynamic = `${reachable.file} parses a rendered template chosen at run time (fromYaml of an include)`;
  // Everything a read-back template includes is read back too.
  const closure = (names: Set<string>) => {
    const queue = [...names];
    while (queue.length > 0) {
      const name = queue.pop()!;
      for (const range of defines.filter((d) => d.name === name)) {
        const body = files.get(range.file)!.split('\n').slice(range.from - 1, range.to).join('\n');
        for (const inner of namesIncluded(body)) {
          if (!names.has(inner)) {
            names.add(inner);
            queue.push(inner);
          }
        }
      }
    }
  };
  closure(parsed);
  closure(parsedAsJson);
  const keep = new Map<string, { from: number; to: number; json: boolean }[]>();
  for (const range of defines) {
    if (!parsed.has(range.name)) continue;
    const list = keep.get(range.file) ?? [];
    list.push({ from: range.from, to: range.to, json: parsedAsJson.has(range.name) });
    keep.set(range.file, list);
  }
  return { keep, everything: dynamic };
}
