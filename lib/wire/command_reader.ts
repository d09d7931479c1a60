/**
 * Incremental reader of IMAP commands (RFC 3501 §2.2.1, literals §4.3,
 * LITERAL+/LITERAL- RFC 7888). Bytes go in with `push()`; `next()` says what
 * is known so far:
 *
 * - `command`: one whole command as sent, literal data inline, the final
 *   CRLF removed. The parser reads literals from it by their `{N}` headers.
 * - `need-more`: nothing complete yet.
 * - `continue`: the client announced a synchronizing literal and waits for
 *   "+". The caller answers with `acceptLiteral()` (then writes "+ ...") or
 *   `rejectLiteral()` (then writes a tagged NO/BAD; the client will not send
 *   the data, RFC 3501 §7.5).
 * - `line-too-long`: a line passed `maxLine` bytes, or the command passed
 *   `maxCommand` bytes without a literal (`whole`); the command is dropped up
 *   to the end of that line and the connection can go on.
 * - `literal-too-big`: a literal passed `maxLiteral`, or would take the
 *   command past `maxCommand` (`whole`). A synchronizing one is refused
 *   before the client sends it; a non-synchronizing one (whose bytes are
 *   coming regardless) is read and thrown away with the rest of the command
 *   (RFC 7888 §4 allows answering it after), unless it alone is larger than
 *   `maxCommand`: then it is `fatal`, the reader stops, and the caller says
 *   BYE and closes, because no bounded amount of reading gets the stream back
 *   in step.
 *
 * A literal header counts only outside quoted strings and after SP, "(" or
 * "~" (RFC 3501 §9: a literal is a whole argument), so `"\ {988}` and
 * `"x"{9}` are text, not literal announcements.
 *
 * The reader never holds more than one command (plus read-ahead) in memory,
 * and a command never more than `maxCommand` bytes.
 */

export type ReadResult =
  | { kind: "command"; bytes: Uint8Array }
  | { kind: "need-more" }
  | { kind: "continue"; size: number; prefix: Uint8Array }
  | { kind: "line-too-long"; prefix: Uint8Array; whole: boolean }
  | {
    kind: "literal-too-big";
    size: number;
    sync: boolean;
    prefix: Uint8Array;
    whole: boolean;
    fatal: boolean;
  };

export interface CommandReaderLimits {
  /** Longest line (text between literals) in bytes. */
  maxLine: number;
  /** Largest literal in bytes. */
  maxLiteral: number;
  /** Largest whole command (lines and literals) in bytes. */
  maxCommand: number;
  /**
   * A larger limit for some commands, from their first bytes (an APPEND
   * carries its message); asked only when a command passes `maxCommand`.
   */
  commandLimit?: (prefix: Uint8Array) => number;
}

export const DEFAULT_LIMITS: CommandReaderLimits = {
  maxLine: 64 * 1024,
  maxLiteral: 64 * 1024 * 1024,
  maxCommand: 64 * 1024 * 1024,
};

const LF = 0x0a;
const CR = 0x0d;
/** How much of a dropped command is kept to find its tag for the answer. */
const PREFIX_KEEP = 128;
/** How much of a line being dropped is kept to recognise its literal header ("{2147483647+}\r"). */
const HEADER_KEEP = 32;

type Mode =
  | { kind: "scan" } // reading line text
  | { kind: "literal"; remaining: number } // copying literal data into the command
  | { kind: "await-continue"; size: number } // waiting for accept/reject
  | { kind: "skip-line" } // dropping through the next LF
  | { kind: "skip-literal"; remaining: number } // dropping literal data, then the line
  | { kind: "stopped" }; // a fatal literal: nothing more is read

/**
 * The buffer's size while no large command is in progress. It grows (by
 * doubling) for a long command, an APPEND's literal for one, and comes back
 * to this size once that command has been taken: a connection that sent one
 * large message once must not keep its buffer for as long as it stays open.
 */
const QUIET_SIZE = 4096;

export class CommandReader {
  #limits: CommandReaderLimits;
  #buf = new Uint8Array(QUIET_SIZE);
  /** Start of unconsumed data (and of the current command). */
  #start = 0;
  /** End of valid data. */
  #end = 0;
  /** Where scanning resumes, relative to the buffer. */
  #pos = 0;
  /** Start of the current line (after the last literal), for the line limit. */
  #lineStart = 0;
  #mode: Mode = { kind: "scan" };
  /** First bytes of a command being dropped, to answer it with its tag. */
  #droppedPrefix: Uint8Array | null = null;
  /** Whether that command was dropped for its total size rather than one line's. */
  #droppedWhole = false;

  constructor(limits: Partial<CommandReaderLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Changes limits from the next line on (the command limit grows after login). */
  setLimits(limits: Partial<CommandReaderLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
  }

  get limits(): Readonly<CommandReaderLimits> {
    return this.#limits;
  }

  /** The size of the buffer now (it comes back to a small size between large commands). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Bytes buffered but not yet returned. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#reserve(chunk.length);
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Takes (and forgets) unread bytes: used when the stream switches to TLS or compression. */
  takeBuffered(): Uint8Array {
    const rest = this.#buf.slice(this.#start, this.#end);
    this.#empty();
    this.#mode = { kind: "scan" };
    return rest;
  }

  acceptLiteral(): void {
    if (this.#mode.kind !== "await-continue") throw new Error("No literal awaits acceptance");
    this.#mode = { kind: "literal", remaining: this.#mode.size };
  }

  rejectLiteral(): void {
    if (this.#mode.kind !== "await-continue") throw new Error("No literal awaits acceptance");
    // The client sends nothing more for this command (RFC 3501 §7.5).
    this.#consumeTo(this.#pos);
    this.#mode = { kind: "scan" };
  }

  next(): ReadResult {
    for (;;) {
      const mode = this.#mode;
      switch (mode.kind) {
        case "await-continue":
        case "stopped":
          return { kind: "need-more" };
        case "literal": {
          const available = this.#end - this.#pos;
          if (available < mode.remaining) {
            mode.remaining -= available;
            this.#pos = this.#end;
            return { kind: "need-more" };
          }
          this.#pos += mode.remaining;
          this.#lineStart = this.#pos;
          this.#mode = { kind: "scan" };
          continue;
        }
        case "skip-literal": {
          const available = this.#end - this.#pos;
          if (available < mode.remaining) {
            mode.remaining -= available;
            this.#consumeTo(this.#end);
            return { kind: "need-more" };
          }
          this.#consumeTo(this.#pos + mode.remaining);
          this.#mode = { kind: "skip-line" };
          continue;
        }
        case "skip-line": {
          const lf = this.#buf.subarray(this.#pos, this.#end).indexOf(LF);
          if (lf < 0) {
            // Keep the tail: a literal header may be split across reads.
            this.#consumeTo(Math.max(this.#start, this.#end - HEADER_KEEP));
            this.#pos = this.#end;
            return { kind: "need-more" };
          }
          const lineEnd = this.#pos + lf + 1;
          const literal = parseLiteralHeader(this.#buf, this.#start, this.#pos + lf);
          this.#consumeTo(lineEnd);
          if (literal && literal.nonSync) {
            if (this.#over(literal.size, this.#droppedPrefix)) {
              this.#mode = { kind: "stopped" };
              const prefix = this.#droppedPrefix ?? new Uint8Array();
              this.#droppedPrefix = null;
              return {
                kind: "literal-too-big",
                size: literal.size,
                sync: false,
                prefix,
                whole: true,
                fatal: true,
              };
            }
            this.#mode = { kind: "skip-literal", remaining: literal.size };
            continue;
          }
          this.#mode = { kind: "scan" };
          const prefix = this.#droppedPrefix;
          this.#droppedPrefix = null;
          if (prefix) return { kind: "line-too-long", prefix, whole: this.#droppedWhole };
          continue;
        }
        case "scan": {
          const lf = this.#buf.subarray(this.#pos, this.#end).indexOf(LF);
          const { maxLine, maxLiteral } = this.#limits;
          if (lf < 0) {
            this.#pos = this.#end;
            const whole = this.#over(this.#pos - this.#start);
            if (this.#pos - this.#lineStart > maxLine || whole) {
              this.#droppedPrefix = this.#prefix();
              this.#droppedWhole = whole;
              this.#consumeTo(this.#end);
              this.#mode = { kind: "skip-line" };
            }
            return { kind: "need-more" };
          }
          const lineEnd = this.#pos + lf; // index of LF
          const whole = this.#over(lineEnd - this.#start);
          if (lineEnd - this.#lineStart > maxLine || whole) {
            const prefix = this.#prefix();
            // A dropped line may end with a non-synchronizing literal: its data is
            // part of the dropped command, not commands of its own.
            const from = Math.max(this.#lineStart, lineEnd - HEADER_KEEP);
            const literal = parseLiteralHeader(this.#buf, from, lineEnd);
            this.#consumeTo(lineEnd + 1);
            if (literal?.nonSync) {
              if (this.#over(literal.size, prefix)) {
                this.#mode = { kind: "stopped" };
                return {
                  kind: "literal-too-big",
                  size: literal.size,
                  sync: false,
                  prefix,
                  whole: true,
                  fatal: true,
                };
              }
              this.#droppedPrefix = prefix;
              this.#droppedWhole = whole;
              this.#mode = { kind: "skip-literal", remaining: literal.size };
              continue;
            }
            return { kind: "line-too-long", prefix, whole };
          }
          const literal = parseLiteralHeader(this.#buf, this.#lineStart, lineEnd);
          if (!literal) {
            // End of the command. Strip CRLF (or a bare LF, tolerated).
            const textEnd = lineEnd > this.#start && this.#buf[lineEnd - 1] === CR
              ? lineEnd - 1
              : lineEnd;
            const bytes = this.#buf.slice(this.#start, textEnd);
            this.#consumeTo(lineEnd + 1);
            return { kind: "command", bytes };
          }
          this.#pos = lineEnd + 1;
          const tooWhole = this.#over(this.#pos - this.#start + literal.size);
          if (literal.size > maxLiteral || tooWhole) {
            const prefix = this.#prefix();
            this.#consumeTo(this.#pos);
            const fatal = literal.nonSync && this.#over(literal.size, prefix);
            if (fatal) this.#mode = { kind: "stopped" };
            else if (literal.nonSync) {
              this.#mode = { kind: "skip-literal", remaining: literal.size };
            } else this.#mode = { kind: "scan" };
            return {
              kind: "literal-too-big",
              size: literal.size,
              sync: !literal.nonSync,
              prefix,
              whole: tooWhole,
              fatal,
            };
          }
          if (literal.nonSync) {
            this.#mode = { kind: "literal", remaining: literal.size };
            continue;
          }
          this.#mode = { kind: "await-continue", size: literal.size };
          return { kind: "continue", size: literal.size, prefix: this.#prefix() };
        }
      }
    }
  }

  /**
   * Whole commands already buffered after the one last returned, without
   * consuming them (they still come from `next()` in turn): at most `max`,
   * each a line without literals and within the line limit, CRLF removed,
   * stopping at the first that is not. For read-ahead (a run of pipelined
   * FETCH commands answered from one store read).
   */
  peekCommands(max: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#mode.kind !== "scan" || this.#pos !== this.#start) return out;
    let from = this.#start;
    while (out.length < max) {
      const lf = this.#buf.subarray(from, this.#end).indexOf(LF);
      if (lf < 0 || lf > this.#limits.maxLine) break;
      const lineEnd = from + lf;
      if (parseLiteralHeader(this.#buf, from, lineEnd)) break;
      const textEnd = lineEnd > from && this.#buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      out.push(this.#buf.slice(from, textEnd));
      from = lineEnd + 1;
    }
    return out;
  }

  /** Whether `size` bytes pass the limit of the current command (or of the one `prefix` starts). */
  #over(size: number, prefix: Uint8Array | null = null): boolean {
    const { maxCommand, commandLimit } = this.#limits;
    if (size <= maxCommand) return false;
    if (!commandLimit) return true;
    return size > commandLimit(prefix ?? this.#prefix());
  }

  #prefix(): Uint8Array {
    return this.#buf.slice(this.#start, Math.min(this.#end, this.#start + PREFIX_KEEP));
  }

  /** Forgets everything before `offset`. */
  #consumeTo(offset: number): void {
    this.#start = offset;
    this.#pos = Math.max(this.#pos, offset);
    this.#lineStart = this.#pos;
    if (this.#start === this.#end) this.#empty();
  }

  /** Forgets all buffered bytes, and a buffer grown for a large command. */
  #empty(): void {
    this.#start =
      this.#end =
      this.#pos =
      this.#lineStart =
        0;
    if (this.#buf.length > QUIET_SIZE) this.#buf = new Uint8Array(QUIET_SIZE);
  }

  #reserve(extra: number): void {
    if (this.#end + extra <= this.#buf.length) return;
    const live = this.#end - this.#start;
    // Compact first: the command in progress moves to the front.
    if (live + extra <= this.#buf.length && this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      let size = this.#buf.length * 2;
      while (size < live + extra) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
    }
    this.#pos -= this.#start;
    this.#lineStart -= this.#start;
    this.#end = live;
    this.#start = 0;
  }
}

/**
 * Recognises a literal header at the end of a line: `{N}` or `{N+}` before
 * CRLF (or bare LF). `from` is the start of the line (after the previous
 * literal, or of the command), `end` the index of the LF. The header counts
 * only where a literal can stand: outside a quoted string and after SP, "("
 * or "~" (literal8, RFC 3516), or at the start of the line (a SASL
 * response line, which the caller refuses).
 */
function parseLiteralHeader(
  buf: Uint8Array,
  from: number,
  end: number,
): { size: number; nonSync: boolean } | null {
  let i = end - 1;
  if (i >= from && buf[i] === CR) i--;
  if (i < from || buf[i] !== 0x7d /* } */) return null;
  i--;
  let nonSync = false;
  if (i >= from && (buf[i] === 0x2b /* + */ || buf[i] === 0x2d /* - */)) {
    // "{N-}" is not valid syntax; only "+" marks LITERAL+ (RFC 7888 §3).
    if (buf[i] === 0x2d) return null;
    nonSync = true;
    i--;
  }
  let size = 0;
  let digits = 0;
  let scale = 1;
  while (i >= from && buf[i] >= 0x30 && buf[i] <= 0x39) {
    size += (buf[i] - 0x30) * scale;
    scale *= 10;
    digits++;
    i--;
  }
  if (digits === 0 || digits > 12 || i < from || buf[i] !== 0x7b /* { */) return null;
  const brace = i;
  if (brace > from) {
    const before = buf[brace - 1];
    if (before !== 0x20 && before !== 0x28 /* ( */ && before !== 0x7e /* ~ */) return null;
  }
  if (insideQuoted(buf, from, brace)) return null;
  return { size, nonSync };
}

/**
 * Whether `at` falls inside a quoted string that starts in [from, at):
 * quoted = DQUOTE *QUOTED-CHAR DQUOTE, with "\" escaping '"' and "\".
 */
function insideQuoted(buf: Uint8Array, from: number, at: number): boolean {
  let quoted = false;
  for (let i = from; i < at; i++) {
    const b = buf[i];
    if (!quoted) {
      if (b === 0x22) quoted = true;
    } else if (b === 0x5c) {
      i++;
    } else if (b === 0x22) {
      quoted = false;
    }
  }
  return quoted;
}
