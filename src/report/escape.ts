// Escaping for text that came from input (names, paths, messages, Helm's and Kustomize's
// standard error) on its way to a terminal or a CI log: control characters and ANSI sequences
// shown visibly, and GitHub Actions workflow commands (a line starting with `::`, or `##[`
// anywhere in a line) neutralised, so a chart can neither blank the report nor speak to the runner.

/**
 * C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), the Unicode line and
 * paragraph separators, and the bidirectional overrides and isolates that reorder what is shown.
 */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF\uFFFE\uFFFF]/g;
const CONTROL_OR_BREAK = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF\uFFFE\uFFFF]/g;

function code(char: string): string {
  const point = char.charCodeAt(0);
  return point < 0x100 ? `\\x${point.toString(16).padStart(2, '0')}` : `\\u${point.toString(16).padStart(4, '0')}`;
}

/** One line: every control character, tab and line break included, written as `\xNN` / `\uNNNN`. */
export function visibleInline(text: string): string {
  return text.replace(CONTROL_OR_BREAK, code);
}

/** Several lines: newlines and tabs stay, every other control character is written as `\xNN`. */
export function visibleLines(text: string): string {
  return text.replace(CONTROL, code);
}

/**
 * The runner reads a line as a command when, after leading white space, it starts with `::`, or
 * when it holds `##[` anywhere. The first colon and the bracket are written as escapes instead.
 */
export function neutraliseCommands(text: string): string {
  return text
    .replace(/^([\s\u0085]*):(?=:)/gm, '$1\\x3a')
    .replace(/##\[/g, '##\\x5b');
}

/** Input text bound for standard error or a text report: visible controls, no workflow commands. */
export function safeLines(text: string): string {
  return neutraliseCommands(visibleLines(text));
}

/** Within a `::command::data` line only the legacy `##[` form could still start a second command. */
export function breakLegacyCommands(text: string): string {
  return text.replace(/##\[/g, '##\\x5b');
}

/**
 * JSON text (JSON and SARIF): `JSON.stringify` already escapes C0 controls and line breaks; the
 * characters it leaves raw (DEL, C1, U+2028/9, bidi controls) and `##[` become `\uNNNN` escapes,
 * which decode to the same strings. Outside strings JSON holds none of these characters.
 */
export function safeJson(json: string): string {
  return json
    .replace(/[\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/##\[/g, '##\\u005b');
}
