/**
 * One line per event: time, module, message, then key=value fields
 * (connection id and client address among them). Targets come from the
 * `log` global: stderr, off, or file paths (appended to).
 */
import type { LogTarget } from "./config/types.ts";
import { escapeControls } from "./wire/parser.ts";

export type Fields = Record<string, string | number | boolean | null | undefined>;

type Sink = (line: string) => void;

const encoder = new TextEncoder();

export class Logger {
  readonly #sinks: Sink[];
  readonly #prefix: string;
  readonly #fields: Fields;
  readonly debugEnabled: boolean;

  constructor(sinks: Sink[], debug: boolean, prefix = "imapd", fields: Fields = {}) {
    this.#sinks = sinks;
    this.debugEnabled = debug;
    this.#prefix = prefix;
    this.#fields = fields;
  }

  static open(targets: readonly LogTarget[], debug: boolean): Logger {
    const sinks: Sink[] = [];
    for (const t of targets) {
      if (t.kind === "stderr") sinks.push((line) => writeAllSync(Deno.stderr, line));
      if (t.kind === "file") {
        const file = Deno.openSync(t.path!, { append: true, create: true, mode: 0o600 });
        sinks.push((line) => writeAllSync(file, line));
      }
    }
    return new Logger(sinks, debug);
  }

  /** A logger that adds `fields` (and optionally another module name) to every line. */
  child(fields: Fields, prefix = this.#prefix, debug = this.debugEnabled): Logger {
    return new Logger(this.#sinks, debug, prefix, { ...this.#fields, ...fields });
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
