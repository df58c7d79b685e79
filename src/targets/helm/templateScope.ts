// What a template expression refers to: a path under .Values, the chart's root context, or
// something else. Tracks `with`, `range`, variables and `dict` arguments of named templates.
import type { Action } from './goTemplate.js';
import type { ChartNode } from './chartTree.js';

/** A values path segment; the string '*' is a range element whose index the caller fills in. */
export type ValuesSegment = string | number;

/**
 * What an expression refers to. `chart` is the chart whose values a root context carries: a
 * library chart's named template, called with `.`, reads its caller's values.
 */
export type Binding =
  | { kind: 'root'; chart: ChartNode }
  | { kind: 'values'; chart: ChartNode; path: ValuesSegment[] }
  | { kind: 'dict'; entries: Map<string, Binding> }
  | { kind: 'unknown' };

export interface Scope {
  dot: Binding;
  /** `$`: the data the template (or named template) was executed with. */
  root: Binding;
  vars: Map<string, Binding>;
}

const UNKNOWN: Binding = { kind: 'unknown' };

export function rootScope(chart: ChartNode): Scope {
  const root: Binding = { kind: 'root', chart };
  return { dot: root, root, vars: new Map() };
}

export function scopeWithData(data: Binding): Scope {
  return { dot: data, root: data, vars: new Map() };
}

/** Splits on a separator at the top level (outside strings and parentheses). */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      const close = c === '"' ? findStringEnd(text, i) : text.indexOf('`', i + 1);
      const end = close === -1 ? text.length : close + 1;
      current += text.slice(i, end);
      i = end - 1;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(current);
      current = '';
      i += separator.length - 1;
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function findStringEnd(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i < text.length ? i : -1;
}

/** Words of one command, keeping strings and parenthesised groups whole. */
function words(command: string): string[] {
  return splitTop(command, ' ');
}

function unquote(word: string): string | number | null {
  if (/^".*"$/.test(word)) return JSON.parse(word) as string;
  if (/^`.*`$/.test(word)) return word.slice(1, -1);
  if (/^\d+$/.test(word)) return Number(word);
  return null;
}

function field(binding: Binding, name: string): Binding {
  switch (binding.kind) {
    case 'root':
      return name === 'Values' ? { kind: 'values', chart: binding.chart, path: [] } : UNKNOWN;
    case 'values':
      return { kind: 'values', chart: binding.chart, path: [...binding.path, name] };
    case 'dict':
      return binding.entries.get(name) ?? UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** `.a.b`, `$.a`, `$x.a`, `.`, `$`: a chain of fields from dot, `$` or a variable. */
function resolveChain(word: string, scope: Scope): Binding | null {
  const match = /^(\$[A-Za-z_]\w*|\$)?((?:\.[A-Za-z_][\w]*)*|\.)$/.exec(word);
  if (!match || (match[1] === undefined && match[2] === '')) return null;
  let binding: Binding;
  if (match[1] === '$') binding = scope.root;
  else if (match[1]) binding = scope.vars.get(match[1]) ?? UNKNOWN;
  else binding = scope.dot;
  if (match[2] === '.' || match[2] === '') return binding;
  for (const name of match[2]!.split('.').slice(1)) binding = field(binding, name);
  return binding;
}

/** What one operand refers to. */
function resolveOperand(word: string, scope: Scope): Binding {
  if (word.startsWith('(') && word.endsWith(')')) return resolveExpression(word.slice(1, -1), scope);
  return resolveChain(word, scope) ?? UNKNOWN;
}

/** Functions whose result is (a rendering of) their values argument. */
const PASS_THROUGH = new Set(['merge', 'mergeOverwrite', 'deepCopy', 'toYaml', 'toJson', 'toString', 'quote', 'squote', 'tpl', 'trim', 'toPrettyJson', 'int', 'int64', 'float64', 'upper', 'lower', 'b64enc', 'required', 'nindent', 'indent']);

function resolveCommand(command: string, scope: Scope, piped: Binding | null): Binding {
  const parts = words(command);
  const head = parts[0];
  if (head === undefined) return piped ?? UNKNOWN;
  const args = parts.slice(1);
  if (parts.length === 1 && piped === null) return resolveOperand(head, scope);
  if (head === 'index') {
    let binding = resolveOperand(args[0] ?? '', scope);
    for (const key of args.slice(1)) {
      const literal = unquote(key);
      if (literal === null) return UNKNOWN;
      binding =
        binding.kind === 'values'
          ? { kind: 'values', chart: binding.chart, path: [...binding.path, literal] }
          : typeof literal === 'string'
            ? field(binding, literal)
            : UNKNOWN;
    }
    return binding;
  }
  if (head === 'dict') {
    const entries = new Map<string, Binding>();
    for (let i = 0; i + 1 < args.length; i += 2) {
      const key = unquote(args[i]!);
      if (typeof key === 'string') entries.set(key, resolveOperand(args[i + 1]!, scope));
    }
    return { kind: 'dict', entries };
  }
  const operands = piped ? [...args.map((a) => resolveOperand(a, scope)), piped] : args.map((a) => resolveOperand(a, scope));
  if (head === 'default' || head === 'coalesce') {
    // The values side of `default D X` is X (the last operand); of coalesce, the first values one.
    const candidates = head === 'default' ? [...operands].reverse() : operands;
    return candidates.find((b) => b.kind === 'values') ?? UNKNOWN;
  }
  if (PASS_THROUGH.has(head) || /^(ne|eq|not|and|or)$/.test(head)) {
    return operands.find((b) => b.kind === 'values') ?? UNKNOWN;
  }
  return UNKNOWN;
}

/** Resolves a pipeline such as `.Values.x | default false | toYaml | nindent 4`. */
export function resolveExpression(expression: string, scope: Scope): Binding {
  let binding: Binding | null = null;
  for (const command of splitTop(expression, '|')) binding = resolveCommand(command, scope, binding);
  return binding ?? UNKNOWN;
}

function copyScope(scope: Scope): Scope {
  return { dot: scope.dot, root: scope.root, vars: new Map(scope.vars) };
}

/** `$i, $x := expr` -> the variable names and the expression. */
function splitDeclaration(text: string): { names: string[]; expression: string; declares: boolean } {
  const match = /^((?:\$\w*\s*,\s*)?\$\w*)\s*(:?)=\s*(.*)$/s.exec(text);
  if (!match) return { names: [], expression: text, declares: false };
  // All three groups always participate.
  return { names: match[1]!.split(',').map((n) => n.trim()), expression: match[3]!, declares: match[2] === ':' };
}

/**
 * The scope in force at `offset`, following the block actions from the start of a region
 * (a document or a named template's body) that begins with `initial`.
 */
const scopeCache = new WeakMap<Scope, Map<string, Scope>>();

/** Memoised: the walk asks for the same scopes for every finding in a template. */
export function scopeAt(actions: readonly Action[], from: number, offset: number, initial: Scope): Scope {
  let cache = scopeCache.get(initial);
  if (!cache) scopeCache.set(initial, (cache = new Map<string, Scope>()));
  const key = `${from}:${offset}`;
  let scope = cache.get(key);
  if (!scope) cache.set(key, (scope = computeScopeAt(actions, from, offset, initial)));
  return scope;
}

function computeScopeAt(actions: readonly Action[], from: number, offset: number, initial: Scope): Scope {
  const stack: { kind: string; outer: Scope }[] = [];
  let scope = copyScope(initial);
  for (const action of actions) {
    if (action.start < from) continue;
    if (action.start >= offset) break;
    const body = action.body;
    switch (action.kind) {
      case 'with': {
        const { names, expression } = splitDeclaration(body.slice(4).trim());
        stack.push({ kind: 'with', outer: scope });
        const value = resolveExpression(expression, scope);
        scope = copyScope(scope);
        scope.dot = value;
        for (const name of names) scope.vars.set(name, value);
        break;
      }
      case 'range': {
        const { names, expression } = splitDeclaration(body.slice(5).trim());
        stack.push({ kind: 'range', outer: scope });
        const list = resolveExpression(expression, scope);
        const element: Binding = list.kind === 'values' ? { kind: 'values', chart: list.chart, path: [...list.path, '*'] } : UNKNOWN;
        scope = copyScope(scope);
        scope.dot = element;
        if (names.length === 2) scope.vars.set(names[1]!, element);
        else if (names.length === 1) scope.vars.set(names[0]!, element);
        break;
      }
      case 'if':
      case 'define':
      case 'block':
        stack.push({ kind: action.kind, outer: scope });
        scope = copyScope(scope);
        break;
      case 'else': {
        const top = stack[stack.length - 1];
        if (top && top.kind === 'with') {
          // `else` of a with runs with the outer dot.
          scope = copyScope(top.outer);
        }
        break;
      }
      case 'end': {
        const top = stack.pop();
        if (top) scope = top.outer;
        break;
      }
      case 'assign': {
        const { names, expression, declares } = splitDeclaration(body);
        const value = resolveExpression(expression, scope);
        for (const name of names) {
          scope.vars.set(name, value);
          // `$x = v` (not `:=`) changes the variable where it was declared, outside this block too.
          if (!declares) for (const frame of stack) if (frame.outer.vars.has(name)) frame.outer.vars.set(name, value);
        }
        break;
      }
    }
  }
  return scope;
}
