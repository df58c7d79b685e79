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
  /** One of several, in precedence order: the first that is set wins (`default`, `coalesce`, `merge`...). */
  | { kind: 'either'; options: Binding[] }
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
    case 'either':
      return either(binding.options.map((option) => field(option, name)));
    default:
      return UNKNOWN;
  }
}

/** Several candidates in precedence order; unknown ones dropped, a single one stands for itself. */
function either(options: Binding[]): Binding {
  const known = options.flatMap((option) => (option.kind === 'either' ? option.options : option.kind === 'unknown' ? [] : [option]));
  if (known.length === 0) return UNKNOWN;
  if (known.length === 1) return known[0]!;
  return { kind: 'either', options: known };
}

/** A key or index below a binding (`index X k`, a `range` element when `key` is '*'). */
export function below(binding: Binding, key: string | number): Binding {
  if (binding.kind === 'values') return { kind: 'values', chart: binding.chart, path: [...binding.path, key] };
  if (binding.kind === 'either') return either(binding.options.map((option) => below(option, key)));
  return typeof key === 'string' && key !== '*' ? field(binding, key) : UNKNOWN;
}

/** The values paths a binding can stand for, the one that wins when set first. */
export function valuesOptions(binding: Binding): { chart: ChartNode; path: ValuesSegment[] }[] {
  if (binding.kind === 'values') return [binding];
  if (binding.kind === 'either') return binding.options.flatMap(valuesOptions);
  return [];
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

/** Functions whose result is (a rendering of, or a part of) their values argument. */
const PASS_THROUGH = new Set([
  'deepCopy', 'mustDeepCopy', 'toYaml', 'mustToYaml', 'toJson', 'mustToJson', 'toRawJson', 'mustToRawJson', 'toPrettyJson', 'mustToPrettyJson',
  'fromYaml', 'fromJson', 'toString', 'quote', 'squote', 'tpl', 'trim', 'int', 'int64', 'float64', 'upper', 'lower', 'b64enc', 'required',
  'nindent', 'indent', 'omit', 'pick', 'trimSuffix', 'trimPrefix',
]);

/** Merges: the destination (first argument) wins with `merge`, the last source with `mergeOverwrite`. */
const FIRST_WINS = new Set(['merge', 'mustMerge']);
const LAST_WINS = new Set(['mergeOverwrite', 'mustMergeOverwrite']);

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
      binding = below(binding, literal);
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
  // `default D X` is X when set, else D; `coalesce`/`or`, the first set; `ternary A B c`, A or B.
  if (head === 'default') return either([...operands].reverse());
  if (head === 'coalesce' || head === 'or' || head === 'mustMerge' || FIRST_WINS.has(head)) return either(operands);
  if (LAST_WINS.has(head)) return either([...operands.slice(1)].reverse().concat(operands.slice(0, 1)));
  if (head === 'ternary') return either(operands.slice(0, 2));
  if (PASS_THROUGH.has(head)) return operands.find((b) => b.kind === 'values' || b.kind === 'either') ?? UNKNOWN;
  if (/^(ne|eq|not|and)$/.test(head)) {
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
        const element: Binding = list.kind === 'values' || list.kind === 'either' ? below(list, '*') : UNKNOWN;
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

/** What the walk may read of the effective values, to tell which branch of a template ran. */
export interface ValuesReader {
  has(chart: ChartNode, path: ValuesSegment[]): boolean;
  /** Undefined when the value is not known (unset values are told by `has`). */
  value(chart: ChartNode, path: ValuesSegment[]): unknown;
}

/** A value the evaluator knows (`nil` is undefined inside), or null when it cannot tell. */
type Known = { value: unknown } | null;

/** Go template truth: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function bindingData(binding: Binding, values: ValuesReader): Known {
  if (binding.kind === 'values') {
    if (binding.path.includes('*')) return null;
    if (!values.has(binding.chart, binding.path)) return { value: undefined };
    const value = values.value(binding.chart, binding.path);
    return value === undefined ? null : { value };
  }
  if (binding.kind === 'either') {
    for (const option of binding.options) {
      const known = bindingData(option, values);
      if (known === null) return null;
      if (truthy(known.value)) return known;
    }
    return { value: undefined };
  }
  return null;
}

function operandData(word: string, scope: Scope, values: ValuesReader): Known {
  if (word.startsWith('(') && word.endsWith(')')) return evaluateData(word.slice(1, -1), scope, values);
  if (word === 'true' || word === 'false') return { value: word === 'true' };
  if (word === 'nil') return { value: undefined };
  const literal = unquote(word);
  if (literal !== null) return { value: literal };
  return bindingData(resolveOperand(word, scope), values);
}

/** Functions the evaluator runs on known values; anything else is not known. */
const EVALUATED: Record<string, (args: unknown[]) => unknown> = {
  not: ([a]) => !truthy(a),
  and: (args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
  eq: ([a, ...rest]) => rest.some((b) => a === b),
  ne: ([a, b]) => a !== b,
  empty: ([a]) => !truthy(a),
  contains: ([needle, haystack]) => typeof needle === 'string' && typeof haystack === 'string' && haystack.includes(needle),
  toJson: ([a]) => JSON.stringify(a ?? null),
  default: ([fallback, given]) => (truthy(given) ? given : fallback),
};

function evaluateData(expression: string, scope: Scope, values: ValuesReader): Known {
  let piped: Known | undefined;
  for (const command of splitTop(expression, '|')) {
    const parts = words(command);
    if (parts.length === 1 && piped === undefined) {
      piped = operandData(parts[0]!, scope, values);
      continue;
    }
    const run = EVALUATED[parts[0] ?? ''];
    if (!run) return null;
    const args: Known[] = parts.slice(1).map((word) => operandData(word, scope, values));
    if (piped !== undefined) args.push(piped);
    if (args.some((arg) => arg === null)) return null;
    piped = { value: run(args.map((arg) => arg!.value)) };
  }
  return piped ?? null;
}

/** Whether a condition (`if`/`with` pipeline) holds: true, false, or null when the walk cannot tell. */
export function evaluateCondition(expression: string, scope: Scope, values: ValuesReader): boolean | null {
  const { expression: pipeline } = splitDeclaration(expression);
  const known = evaluateData(pipeline, scope, values);
  return known === null ? null : truthy(known.value);
}
