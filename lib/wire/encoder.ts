/**
 * Builds response bytes the way the grammar reads:
 * `enc.untagged().number(n).sp().atom("EXISTS").crlf()`.
 * `string()` is the one place that chooses between quoted string and
 * literal (RFC 3501 §4.3, §9 `string`).
 *
 * Output accumulates until `take()`, so a burst of responses goes out in one
 * socket write (one write per line is 10-30x slower on Deno).
 *
 * Everything is written as bytes, straight into one growing buffer: ASCII
 * (nearly all of a response) by a loop over the characters, other text by
 * `encodeInto`, stored bytes (a FETCH's stored ENVELOPE) by a copy. Built as
 * one string and encoded at the end, `FETCH 1:2000 (PREVIEW)` spent half its
 * time on this thread in `TextEncoder` and the quoting check: a long string
 * of many pieces to flatten, and an encoder call per record wherever a
 * literal or stored bytes broke the text.
 */
import { concatBytes } from "../bytes.ts";
import { escapeControls } from "./parser.ts";

const textEncoder = new TextEncoder();

/** Quoted strings longer than this go out as literals. */
const MAX_QUOTED = 1024;

const EMPTY = new Uint8Array(0);
/**
 * The smallest buffer; it doubles (copying) up to GROW_TO, then a new one
 * starts. After a take() the next buffer starts at the size the buffers
 * held before it (large data passed on uncopied does not count): a FETCH
 * flushing every 256 KB allocates one buffer per flush, not a doubling
 * series each time (which showed as allocation, copying and
 * garbage collection in profiles), while a connection that goes idle keeps
 * no buffer at all.
 */
const FIRST = 2048;
const GROW_TO = 512 * 1024;
/** Literal and raw bytes from this size go out as their own chunk, not copied. */
const OWN_CHUNK = 16 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class ResponseEncoder {
  /** The buffer being written, `#len` bytes of it used. */
  #buf: Uint8Array = EMPTY;
  #len = 0;
  /** Finished chunks (filled buffers, large literals), `#size` bytes. */
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Bytes written into buffers (not large data passed on) since the last take(). */
  #buffered = 0;
  /** Those bytes at the last take(): the size the next buffer starts at. */
  #hint = FIRST;
  /** Whether the client accepts UTF-8 in quoted strings (RFC 6855 ENABLE UTF8=ACCEPT). */
  utf8 = false;

  /** Bytes buffered so far. */
  get size(): number {
    return this.#size + this.#len;
  }

  /**
   * continue-req = "+" SP (resp-text / base64) CRLF (RFC 3501 §7.5); an empty
   * base64 challenge is allowed, so `text` may be empty. Control characters
   * are escaped.
   */
  continuation(text: string): this {
    this.#ascii("+ ");
    this.#text(escapeControls(text));
    return this.crlf();
  }

  untagged(): this {
    this.#ascii("* ");
    return this;
  }

  tagged(tag: string): this {
    this.#text(tag);
    return this.sp();
  }

  sp(): this {
    return this.#byte(0x20);
  }

  crlf(): this {
    this.#room(2);
    this.#buf[this.#len++] = 0x0d;
    this.#buf[this.#len++] = 0x0a;
    return this;
  }

  /** An atom or keyword from the grammar; the caller guarantees it has no atom-specials. */
  atom(text: string): this {
    this.#text(text);
    return this;
  }

  number(n: number): this {
    this.#ascii(String(n));
    return this;
  }

  open(): this {
    return this.#byte(0x28);
  }

  close(): this {
    return this.#byte(0x29);
  }

  nil(): this {
    this.#ascii("NIL");
    return this;
  }

  /**
   * string = quoted / literal: quoted when the text fits the quoted grammar
   * (no CR, LF or NUL; 8-bit only with UTF8=ACCEPT), else a literal. The one
   * place that decides quoting.
   */
  string(text: string): this {
    const n = text.length;
    if (n > MAX_QUOTED) return this.#literalText(text);
    // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <any TEXT-CHAR except
    // quoted-specials> / "\" quoted-specials (RFC 3501 §9). Written as it is
    // checked; an 8-bit character or CR, LF, NUL ends the ASCII pass.
    this.#room(2 * n + 2);
    const b = this.#buf;
    const start = this.#len;
    let p = start;
    b[p++] = QUOTE;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE || c === BACKSLASH) {
        b[p++] = BACKSLASH;
        b[p++] = c;
      } else if (c >= 0x7f || c === 0x0d || c === 0x0a || c === 0) break;
      else b[p++] = c;
    }
    if (i === n) {
      b[p++] = QUOTE;
      this.#len = p;
      return this;
    }
    if (!canQuote(text, i, this.utf8)) return this.#literalText(text);
    // UTF8=ACCEPT (RFC 6855 §3): the rest as UTF-8 inside the quotes.
    this.#len = p;
    this.#text(quoteSpecials(text.slice(i)));
    return this.#byte(QUOTE);
  }

  nstring(text: string | null | undefined): this {
    return text === null || text === undefined ? this.nil() : this.string(text);
  }

  /**
   * astring = 1*ASTRING-CHAR / string: an atom when the text is a plain atom,
   * else a string. "]" is kept out of the atom form (it is an ASTRING-CHAR,
   * but inside a section spec it would end the section for a reader).
   */
  astring(text: string): this {
    if (isPlainAtom(text)) {
      this.#ascii(text);
      return this;
    }
    return this.string(text);
  }

  /**
   * flag-list = "(" [flag *(SP flag)] ")", flag = "\" atom / atom (RFC 3501
   * §9; "\*" only in PERMANENTFLAGS). A stored keyword that is not an atom
   * (a database written by other software may hold one) cannot be named on
   * the wire: it is left out rather than break the response.
   */
  flagList(flags: readonly string[]): this {
    this.open();
    let first = true;
    for (const flag of flags) {
      if (!isFlag(flag)) continue;
      if (!first) this.sp();
      this.#ascii(flag);
      first = false;
    }
    return this.close();
  }

  /**
   * text = 1*TEXT-CHAR (the human-readable part of resp-text, 7-bit without
   * CR and LF): a CRLF becomes a space, other control characters are
   * escaped ("\x0a"), 8-bit characters become "?" (also under UTF8=ACCEPT,
   * which RFC 6855 §3 extends to quoted strings, not to resp-text), and an
   * empty text becomes `fallback`.
   */
  text(text: string, fallback = "Done"): this {
    let t = text;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f) {
        t = escapeControls(t.replace(/\r\n/g, " "));
        t = t.replace(/[^ -~]/g, "?");
        break;
      }
    }
    this.#text(t.trim() === "" ? fallback : t);
    return this;
  }

  /** A literal "{N}" CRLF and the bytes. */
  literal(bytes: Uint8Array): this {
    this.#ascii(`{${bytes.length}}\r\n`);
    return this.raw(bytes);
  }

  /**
   * literal8 = "~{" number "}" CRLF *OCTET (RFC 3516 §5): data that may hold
   * NUL, which a literal's CHAR8 cannot. Only where the grammar allows one
   * (FETCH BINARY).
   */
  literal8(bytes: Uint8Array): this {
    this.#ascii(`~{${bytes.length}}\r\n`);
    return this.raw(bytes);
  }

  /**
   * Bytes already in response syntax (a rendering kept from earlier, such as
   * a message's stored ENVELOPE), written as they are. Large ones (message
   * bodies) become a chunk of their own, not a copy.
   */
  raw(bytes: Uint8Array): this {
    const n = bytes.length;
    if (n >= OWN_CHUNK) {
      this.#seal();
      this.#chunks.push(bytes);
      this.#size += n;
      return this;
    }
    this.#room(n);
    this.#buf.set(bytes, this.#len);
    this.#len += n;
    return this;
  }

  /** `nstring` for bytes: a literal (or "" quoted when empty), or NIL. */
  nbytes(bytes: Uint8Array | null): this {
    if (bytes === null) return this.nil();
    if (bytes.length === 0) return this.string("");
    return this.literal(bytes);
  }

  /**
   * Returns what was built and starts afresh. The arrays are views the
   * encoder never writes again; the buffer's unused rest is dropped, so an
   * idle connection holds no buffer.
   */
  take(): Uint8Array[] {
    this.#seal();
    this.#buf = EMPTY;
    const n = this.#buffered;
    this.#hint = Math.min(GROW_TO, Math.max(FIRST, n + (n >> 2)));
    this.#buffered = 0;
    const out = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    return out;
  }

  /** Returns what was built as one array (small responses, tests). */
  takeBytes(): Uint8Array {
    return concatBytes(this.take());
  }

  /** A literal of the text's UTF-8 bytes, encoded in place after room for its "{N}" CRLF. */
  #literalText(text: string): this {
    const max = 3 * text.length;
    const head = String(max).length + 4;
    this.#room(head + max);
    const b = this.#buf;
    const at = this.#len;
    const n = textEncoder.encodeInto(text, b.subarray(at + head, at + head + max)).written;
    this.#ascii(`{${n}}\r\n`);
    if (this.#len !== at + head) b.copyWithin(this.#len, at + head, at + head + n);
    this.#len += n;
    return this;
  }

  #byte(c: number): this {
    this.#room(1);
    this.#buf[this.#len++] = c;
    return this;
  }

  /** Text the caller knows is ASCII. */
  #ascii(t: string): void {
    const n = t.length;
    this.#room(n);
    const b = this.#buf;
    let p = this.#len;
    for (let i = 0; i < n; i++) b[p++] = t.charCodeAt(i);
    this.#len = p;
  }

  /** Any text, as UTF-8: ASCII by the loop, the rest from the first other character by encodeInto. */
  #text(t: string): void {
    const n = t.length;
    this.#room(3 * n);
    const b = this.#buf;
    let p = this.#len;
    for (let i = 0; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x80) {
        this.#len = p + textEncoder.encodeInto(t.slice(i), b.subarray(p)).written;
        return;
      }
      b[p++] = c;
    }
    this.#len = p;
  }

  /** Makes room for `n` more bytes: the buffer doubles up to GROW_TO, then a new one starts. */
  #room(n: number): void {
    const need = this.#len + n;
    if (need <= this.#buf.length) return;
    if (need <= GROW_TO) {
      let cap = Math.max(this.#hint, this.#buf.length * 2);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
      return;
    }
    this.#seal();
    this.#buf = new Uint8Array(Math.max(n, GROW_TO));
  }

  /** Ends the buffer's used part as a chunk; later bytes go after it. */
  #seal(): void {
    if (this.#len === 0) return;
    this.#chunks.push(this.#buf.subarray(0, this.#len));
    this.#size += this.#len;
    this.#buffered += this.#len;
    this.#buf = this.#buf.subarray(this.#len);
    this.#len = 0;
  }
}

/**
 * QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials,
 * for the text from `from` on (what comes before passed the ASCII check).
 */
function canQuote(text: string, from: number, utf8: boolean): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) return false;
    if (c > 0x7e && !utf8) return false;
  }
  return true;
}

function quoteSpecials(text: string): string {
  if (text.indexOf('"') < 0 && text.indexOf("\\") < 0) return text;
  return text.replace(/["\\]/g, (m) => "\\" + m);
}

/** 1*ASTRING-CHAR without "]", and not NIL (which a reader of an nstring would take for nil). */
function isPlainAtom(text: string): boolean {
  if (text.length > MAX_QUOTED) return false;
  return isAtom(text) && !(text.length === 3 && text.toUpperCase() === "NIL");
}

function isFlag(flag: string): boolean {
  if (flag.charCodeAt(0) !== 0x5c) return isAtom(flag);
  return flag === "\\*" || isAtom(flag.slice(1));
}

/**
 * atom = 1*ATOM-CHAR; ATOM-CHAR = any CHAR except atom-specials
 * ("(" / ")" / "{" / SP / CTL / "%" / "*" / DQUOTE / "\" / "]").
 */
function isAtom(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
    if (c === 0x28 || c === 0x29 || c === 0x7b || c === 0x25 || c === 0x2a) return false; // ( ) { % *
    if (c === 0x22 || c === 0x5c || c === 0x5d) return false; // " \ ]
  }
  return true;
}
