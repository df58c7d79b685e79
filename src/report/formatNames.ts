// The names of the report formats, apart from the formatters: the CLI offers them as choices
// without loading any formatter at start-up.

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'github', 'codeclimate', 'markdown'] as const;
export type FormatName = (typeof FORMATS)[number];

export function isFormatName(name: string): name is FormatName {
  return (FORMATS as readonly string[]).includes(name);
}
