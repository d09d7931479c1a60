/**
 * The incremental reader of an LMTP connection (pure: no I/O). Bytes are
 * pushed as they arrive; the session asks for a command line or for the
 * message text after DATA, and gets "need more" until it is complete.
 *
 * Message text (RFC 5321 §4.5.2): a line "." ends it, a leading "." of any
 * other line is removed (dot-stuffing). Lines end in CRLF; a bare LF is
 * taken as a line end too and stored as CRLF, because IMAP clients expect
 * CRLF and some MTAs hand over LF (RFC 5321 §2.3.8 forbids bare LF, but
 * refusing it would bounce mail over a formatting slip).
 */
import { concatBytes } from "../bytes.ts";

const CR = 13;
const LF = 10;
const DOT = 46;
const CRLF = new Uint8Array([CR, LF]);
/** Bytes of an unfinished line of message text held before they are passed on. */
const MAX_PENDING = 64 * 1024;

export type LineResult =
  | { kind: "line"; text: string }
  | { kind: "need-more" }
  | { kind: "too-long" };

export type DataResult =
  | { kind: "need-more" }
  /** The text is complete; `content` is null when it went over `maxSize`. */
  | { kind: "done"; content: Uint8Array | null; size: number };

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: false });

export class LmtpReader {
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** Set while a message's text is being read. */
  #data: DataState | null = null;
  readonly #maxLine: number;
  /** Inside a line longer than maxLine, dropping bytes up to its end. */
  #skipping = false;

  constructor(options: { maxLine: number }) {
    this.#maxLine = options.maxLine;
  }

  /** Appends received bytes (copied: the transport reuses its buffer). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const live = this.#end - this.#start;
    if (this.#buf.length - this.#end < chunk.length) {
      if (this.#buf.length - live >= chunk.length) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        // Sized by what is held, never by the old buffer: it stays bounded.
        const next = new Uint8Array(Math.max(2 * (live + chunk.length), 4096));
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      }
      this.#end = live;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Whether a whole command line is waiting (pipelined commands: reply later). */
  hasLine(): boolean {
    return this.#buf.subarray(this.#start, this.#end).indexOf(LF) >= 0;
  }

  /**
   * The next command line without its line end. Commands are ASCII; an
   * SMTPUTF8 address is read as UTF-8. A line longer than `maxLine` is
   * skipped up to its end and reported once as "too-long".
   */
  readLine(): LineResult {
    const view = this.#buf.subarray(this.#start, this.#end);
    const lf = view.indexOf(LF);
    if (lf < 0) {
      if (view.length > this.#maxLine) {
        // Keep only the last byte (a CR that may precede the LF) while skipping.
        this.#start = this.#end - 1;
        this.#skipping = true;
      }
      return { kind: "need-more" };
    }
    this.#start += lf + 1;
    if (this.#skipping || lf > this.#maxLine) {
      this.#skipping = false;
      return { kind: "too-long" };
    }
    const end = lf > 0 && view[lf - 1] === CR ? lf - 1 : lf;
    const bytes = view.subarray(0, end);
    const ascii = bytes.every((b) => b < 0x80);
    return { kind: "line", text: ascii ? latin1.decode(bytes) : utf8.decode(bytes) };
  }

  /** Starts reading a message's text (after the 354 reply). */
  beginData(maxSize: number): void {
    this.#data = { parts: [], size: 0, maxSize, over: false, midLine: false };
  }

  /** Consumes buffered message text; "done" once the final "." line has come. */
  readData(): DataResult {
    const d = this.#data;
    if (!d) throw new Error("readData() before beginData()");
    const buf = this.#buf;
    let p = this.#start;
    const end = this.#end;
    // A run of bytes copied as they are: ordinary CRLF lines.
    let runStart = p;
    const flushRun = (to: number) => {
      if (to > runStart) emit(d, buf.subarray(runStart, to));
    };
    while (p < end) {
      const lfAt = buf.subarray(p, end).indexOf(LF);
      if (lfAt < 0) break; // an incomplete line waits for more bytes
      const e = p + lfAt; // index of the LF
      const lineStart = !d.midLine;
      d.midLine = false;
      if (lineStart && buf[p] === DOT) {
        flushRun(p);
        const lineEnd = e > p && buf[e - 1] === CR ? e - 1 : e;
        if (lineEnd === p + 1) {
          // "." alone: the end of the text.
          this.#start = e + 1;
          this.#data = null;
          return {
            kind: "done",
            content: d.over ? null : concatBytes(d.parts),
            size: d.size,
          };
        }
        emit(d, buf.subarray(p + 1, lineEnd));
        emit(d, CRLF);
        runStart = e + 1;
      } else if (e === p || buf[e - 1] !== CR) {
        // Bare LF: the line goes out with CRLF.
        flushRun(p);
        emit(d, buf.subarray(p, e));
        emit(d, CRLF);
        runStart = e + 1;
      }
      p = e + 1;
    }
    // A long piece of a line without its end yet: pass it on now (keeping its
    // last byte, which may be the CR of a CRLF), so the buffer stays small.
    if (end - p > MAX_PENDING) {
      p = end - 1;
      d.midLine = true;
    }
    flushRun(p);
    this.#start = p;
    return { kind: "need-more" };
  }
}

interface DataState {
  parts: Uint8Array[];
  size: number;
  maxSize: number;
  /** Past maxSize: the rest is read and dropped (the reply is 552 5.3.4). */
  over: boolean;
  /** The buffer starts inside a line already partly passed on (no dot-stuffing check). */
  midLine: boolean;
}

function emit(d: DataState, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  d.size += bytes.length;
  if (d.over) return;
  if (d.size > d.maxSize) {
    d.over = true;
    d.parts = [];
    return;
  }
  d.parts.push(bytes.slice());
}
