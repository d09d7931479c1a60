/**
 * A configuration the server does not understand. Carries the key path
 * (`imap.tls.protocols[1]`) so the message names what is wrong; the config
 * loader adds the file (and line where known) before it is printed.
 */
export class ConfigError extends Error {
  constructor(
    readonly keyPath: string,
    readonly detail: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(ConfigError.format(keyPath, detail, file, line));
    this.name = "ConfigError";
  }

  /** The same error, located in `file`. */
  inFile(file: string, line?: number): ConfigError {
    return new ConfigError(this.keyPath, this.detail, file, line ?? this.line);
  }

  static format(keyPath: string, detail: string, file?: string, line?: number): string {
    const where = file ? `${file}${line ? `:${line}` : ""}: ` : "";
    return `${where}${keyPath ? `${keyPath}: ` : ""}${detail}`;
  }
}
