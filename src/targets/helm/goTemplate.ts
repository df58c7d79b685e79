// Just enough of Go's text/template to read a chart template as lines of YAML with actions in
// them: where each action is, which ones open and close blocks, and which ones write output.

export type ActionKind =
  | 'if'
  | 'else'
  | 'end'
  | 'with'
  | 'range'
  | 'define'
  | 'block'
  | 'comment'
  | 'assign'
  | 'break'
  | 'continue'
  | 'output';

export interface Action {
  /** Offsets of `{{` and just after `}}` in the template text. */
  start: number;
  end: number;
  /** The action's text without delimiters, trim markers or surrounding spaces. */
  body: string;
  kind: ActionKind;
}

/** Finds every `{{ ... }}` action, skipping strings and comments inside them. */
export function scanActions(text: string): Action[] {
  const actions: Action[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('{{', from);
    if (start === -1) break;
    let i = start + 2;
    let end = -1;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '`') {
        i = text.indexOf('`', i + 1);
        if (i === -1) break;
        i++;
      } else if (c === "'") {
        i++;
        while (i < text.length && text[i] !== "'") i += text[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '/' && text[i + 1] === '*') {
        const close = text.indexOf('*/', i + 2);
        if (close === -1) break;
        i = close + 2;
      } else if (c === '}' && text[i + 1] === '}') {
        end = i + 2;
        break;
      } else i++;
    }
    if (end === -1) break;
    let body = text.slice(start + 2, end - 2);
    body = body.replace(/^-\s/, '').replace(/\s-$/, '').trim();
    actions.push({ start, end, body, kind: kindOf(body) });
    from = end;
  }
  return actions;
}

function kindOf(body: string): ActionKind {
  if (body.startsWith('/*')) return 'comment';
  const word = /^([a-z]+)\b/.exec(body)?.[1];
  switch (word) {
    case 'if':
    case 'else':
    case 'end':
    case 'with':
    case 'range':
    case 'define':
    case 'block':
    case 'break':
    case 'continue':
      return word;
  }
  if (/^\$[\w]*\s*:?=/.test(body)) return 'assign';
  return 'output';
}

export interface BlockSpan {
  kind: 'if' | 'with' | 'range' | 'define' | 'block';
  open: Action;
  /** The matching `end` (null when the template is unbalanced). */
  close: Action | null;
  /** `else` branches, in order. */
  elses: Action[];
}

/** Pairs block openers with their `end`s. */
export function matchBlocks(actions: readonly Action[]): BlockSpan[] {
  const spans: BlockSpan[] = [];
  const stack: BlockSpan[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'if':
      case 'with':
      case 'range':
      case 'define':
      case 'block': {
        const span: BlockSpan = { kind: action.kind, open: action, close: null, elses: [] };
        spans.push(span);
        stack.push(span);
        break;
      }
      case 'else':
        stack[stack.length - 1]?.elses.push(action);
        break;
      case 'end': {
        const span = stack.pop();
        if (span) span.close = action;
        break;
      }
    }
  }
  return spans;
}

/** `define "name"` -> its name. */
export function definedName(body: string): string | null {
  const match = /^(?:define|block)\s+"([^"]+)"/.exec(body);
  return match ? match[1]! : null;
}

/** `include "name" ARG ...` / `template "name" ARG` -> name and the argument's text. */
export function includeCall(body: string): { name: string; argument: string } | null {
  const match = /(?:^|[\s(|])(?:include|template)\s+"([^"]+)"\s*(.*)$/.exec(body);
  if (!match) return null;
  return { name: match[1]!, argument: firstArgument(match[2]!) }; // both groups always participate
}

/** The first argument of a call: a parenthesised expression, a pipeline element, or a word. */
export function firstArgument(rest: string): string {
  rest = rest.trim();
  if (rest.startsWith('(')) {
    let depth = 0;
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i];
      if (c === '"') {
        i++;
        while (i < rest.length && rest[i] !== '"') i += rest[i] === '\\' ? 2 : 1;
      } else if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) return rest.slice(0, i + 1);
      }
    }
    return rest;
  }
  return rest.split(/[\s|)]/)[0] ?? '';
}
