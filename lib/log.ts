/**
 * One line per event: time, module, message, then key=value fields
 * (connection id and client address among them), or one JSON object per
 * line with `log_format = "json"`. Targets come from the `log` global:
 * stderr, off, or file paths (appended to, reopened on SIGHUP so that
 * logrotate can move them).
 */
import type { LogTarget } from "./config/types.ts";
import { escapeControls } from "./wire/parser.ts";

export type Fields = Record<string, string | number | boolean | null | undefined>;

type Sink = (line: string) => void;

export type LogFormat = "text" | "json";

const encoder = new TextEncoder();

/** Log files opened by Logger.open(), reopened together by Logger.reopenFiles(). */
const openFiles: { path: string; file: Deno.FsFile }[] = [];

function openLogFile(path: string): Deno.FsFile {
  return Deno.openSync(path, { append: true, create: true, mode: 0o600 });
}

export class Logger {
  readonly #sinks: Sink[];
  readonly #prefix: string;
  readonly #fields: Fields;
  readonly #format: LogFormat;
  readonly debugEnabled: boolean;

  constructor(
    sinks: Sink[],
    debug: boolean,
    prefix = "imapd",
    fields: Fields = {},
    format: LogFormat = "text",
  ) {
    this.#sinks = sinks;
    this.debugEnabled = debug;
    this.#prefix = prefix;
    this.#fields = fields;
    this.#format = format;
  }

  static open(targets: readonly LogTarget[], debug: boolean, format: LogFormat = "text"): Logger {
    const sinks: Sink[] = [];
    for (const t of targets) {
      if (t.kind === "stderr") sinks.push((line) => writeAllSync(Deno.stderr, line));
      if (t.kind === "file") {
        const entry = { path: t.path!, file: openLogFile(t.path!) };
        openFiles.push(entry);
        sinks.push((line) => writeAllSync(entry.file, line));
      }
    }
    return new Logger(sinks, debug, "imapd", {}, format);
  }

  /**
   * Reopens every log file by its path (after logrotate renamed it). A file
   * that cannot be opened keeps the old handle, and the error is returned.
   */
  static reopenFiles(): string[] {
    const errors: string[] = [];
    for (const entry of openFiles) {
      try {
        const next = openLogFile(entry.path);
        const old = entry.file;
        entry.file = next;
        old.close();
      } catch (err) {
        errors.push(`${entry.path}: ${(err as Error).message}`);
      }
    }
    return errors;
  }

  /** A logger that adds `fields` (and optionally another module name) to every line. */
  child(fields: Fields, prefix = this.#prefix, debug = this.debugEnabled): Logger {
    return new Logger(this.#sinks, debug, prefix, { ...this.#fields, ...fields }, this.#format);
  }

  info(message: string, fields?: Fields): void {
    this.#emit("", message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.#emit("error: ", message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.#emit("warning: ", message, fields);
  }

  debug(message: string, fields?: Fields): void {
    if (this.debugEnabled) this.#emit("[debug] ", message, fields);
  }

  /**
   * Protocol trace for io_debug: always to stderr, as maddy does. Control
   * characters in `text` are escaped (a client's ESC or NUL never reaches
   * the terminal or the log reader raw).
   */
  trace(direction: "C" | "S", text: string): void {
    const id = this.#fields.conn ?? "";
    writeAllSync(Deno.stderr, `${this.#prefix}[${id}] ${direction}: ${escapeControls(text)}\n`);
  }

  #emit(level: string, message: string, fields?: Fields): void {
    if (this.#sinks.length === 0) return;
    if (this.#format === "json") {
      // JSON escapes C0 controls; DEL and C1 (a terminal's CSI among them) are escaped here.
      const record: Record<string, unknown> = {
        time: new Date().toISOString(),
        module: this.#prefix,
        level: level === "" ? "info" : level.replace(/[^a-z]/g, ""),
        msg: message,
      };
      for (const [k, v] of Object.entries({ ...this.#fields, ...fields })) {
        if (v !== undefined && !(k in record)) record[k] = v;
      }
      const line = JSON.stringify(record).replace(
        /[\u007f-\u009f]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      ) + "\n";
      for (const sink of this.#sinks) sink(line);
      return;
    }
    let line = `${new Date().toISOString()} ${this.#prefix}: ${level}${escapeControls(message)}`;
    for (const [k, v] of Object.entries({ ...this.#fields, ...fields })) {
      if (v === undefined) continue;
      const text = String(v);
      // JSON quoting escapes C0 controls; escapeControls() catches DEL and C1 too.
      const value = /[\s"=\\]/.test(text) || text === "" ? JSON.stringify(text) : text;
      line += ` ${escapeControls(k)}=${escapeControls(value)}`;
    }
    line += "\n";
    for (const sink of this.#sinks) sink(line);
  }
}

function writeAllSync(w: { writeSync(p: Uint8Array): number }, text: string): void {
  const data = encoder.encode(text);
  let off = 0;
  try {
    while (off < data.length) off += w.writeSync(data.subarray(off));
  } catch { /* a closed stderr must not take the server down */ }
}
