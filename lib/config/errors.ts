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

/**
 * The reason of an I/O error for a ConfigError's detail: the innermost
 * cause (fetch's "fetch failed" says why only in its cause), without Deno's
 * "(os error 2): stat '/x'" tail or a request's URL, since the detail names
 * the file, address or database itself ("No such file or directory",
 * "Address already in use", "tcp connect error: Connection refused").
 */
export function ioReason(err: unknown): string {
  let e = err;
  for (let depth = 0; e instanceof Error && e.cause !== undefined && depth < 8; depth++) {
    e = e.cause;
  }
  const message = e instanceof Error ? e.message : String(e);
  return message
    .replace(/^error sending request for url \([^)]*\): /, "")
    .replace(/\s*\(os error \d+\).*$/s, "");
}
