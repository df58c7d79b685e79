// A mistake in the configuration or the flags over it. Its own module: the CLI catches it
// without loading the configuration reader (and the YAML parser) at start-up.

export class ConfigError extends Error {
  constructor(
    readonly file: string | null,
    readonly line: number | null,
    message: string,
  ) {
    super(message);
  }

  /** `file:line: message`, the form every error of ours takes. */
  describe(): string {
    if (!this.file) return this.message;
    return `${this.file}${this.line ? `:${this.line}` : ''}: ${this.message}`;
  }
}

/** Why a configuration file could not be read, in words (`no such file`, not `ENOENT`). */
export function readFailureText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return code ?? (error instanceof Error ? error.message : String(error));
}
