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
