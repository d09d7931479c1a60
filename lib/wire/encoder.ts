/**
 * Builds response bytes the way the grammar reads:
 * `enc.untagged().number(n).sp().atom("EXISTS").crlf()`.
 * `string()` is the one place that chooses between quoted string and
 * literal (RFC 3501 §4.3, §9 `string`).
 *
 * Output accumulates until `take()`, so a burst of responses goes out in one
 * socket write (one write per line is 10-30x slower on Deno).
 */
import { concatBytes } from "../bytes.ts";
import { escapeControls } from "./parser.ts";

const textEncoder = new TextEncoder();

/** Quoted strings longer than this go out as literals. */
const MAX_QUOTED = 1024;

export class ResponseEncoder {
  #text = "";
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Whether the client accepts UTF-8 in quoted strings (RFC 6855 ENABLE UTF8=ACCEPT). */
  utf8 = false;

  /** Bytes buffered so far (approximate for pending text: counts UTF-16 units). */
  get size(): number {
    return this.#size + this.#text.length;
  }

  /**
   * continue-req = "+" SP (resp-text / base64) CRLF (RFC 3501 §7.5); an empty
   * base64 challenge is allowed, so `text` may be empty. Control characters
   * are escaped.
   */
  continuation(text: string): this {
    this.#text += "+ " + escapeControls(text);
    return this.crlf();
  }

  untagged(): this {
    this.#text += "* ";
    return this;
  }

  tagged(tag: string): this {
    this.#text += tag + " ";
    return this;
  }

  sp(): this {
    this.#text += " ";
    return this;
  }

  crlf(): this {
    this.#text += "\r\n";
    return this;
  }

  /** An atom or keyword from the grammar; the caller guarantees it has no atom-specials. */
  atom(text: string): this {
    this.#text += text;
    return this;
  }

  number(n: number): this {
    this.#text += String(n);
    return this;
  }

  open(): this {
    this.#text += "(";
    return this;
  }

  close(): this {
    this.#text += ")";
    return this;
  }

  nil(): this {
    this.#text += "NIL";
    return this;
  }

  /**
   * string = quoted / literal: quoted when the text fits the quoted grammar
   * (no CR, LF or NUL; 8-bit only with UTF8=ACCEPT), else a literal. The one
   * place that decides quoting.
   */
  string(text: string): this {
    if (canQuote(text, this.utf8)) {
      this.#text += quote(text);
      return this;
    }
    return this.literal(textEncoder.encode(text));
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
      this.#text += text;
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
    this.#text += "(";
    let first = true;
    for (const flag of flags) {
      if (!isFlag(flag)) continue;
      if (!first) this.#text += " ";
      this.#text += flag;
      first = false;
    }
    this.#text += ")";
    return this;
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
    this.#text += t.trim() === "" ? fallback : t;
    return this;
  }

  /** A literal "{N}" CRLF and the bytes. */
  literal(bytes: Uint8Array): this {
    this.#text += `{${bytes.length}}\r\n`;
    this.#flushText();
    if (bytes.length > 0) {
      this.#chunks.push(bytes);
      this.#size += bytes.length;
    }
    return this;
  }

  /**
   * literal8 = "~{" number "}" CRLF *OCTET (RFC 3516 §5): data that may hold
   * NUL, which a literal's CHAR8 cannot. Only where the grammar allows one
   * (FETCH BINARY).
   */
  literal8(bytes: Uint8Array): this {
    this.#text += `~{${bytes.length}}\r\n`;
    this.#flushText();
    if (bytes.length > 0) {
      this.#chunks.push(bytes);
      this.#size += bytes.length;
    }
    return this;
  }

  /**
   * Bytes already in response syntax (a rendering kept from earlier, such as
   * a message's stored ENVELOPE), written as they are.
   */
  raw(bytes: Uint8Array): this {
    this.#flushText();
    if (bytes.length > 0) {
      this.#chunks.push(bytes);
      this.#size += bytes.length;
    }
    return this;
  }

  /** `nstring` for bytes: a literal (or "" quoted when empty), or NIL. */
  nbytes(bytes: Uint8Array | null): this {
    if (bytes === null) return this.nil();
    if (bytes.length === 0) return this.string("");
    return this.literal(bytes);
  }

  /** Returns what was built and starts afresh. */
  take(): Uint8Array[] {
    this.#flushText();
    const out = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    return out;
  }

  /** Returns what was built as one array (small responses, tests). */
  takeBytes(): Uint8Array {
    return concatBytes(this.take());
  }

  #flushText(): void {
    if (this.#text.length === 0) return;
    const bytes = textEncoder.encode(this.#text);
    this.#chunks.push(bytes);
    this.#size += bytes.length;
    this.#text = "";
  }
}

/** QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials */
function canQuote(text: string, utf8: boolean): boolean {
  if (text.length > MAX_QUOTED) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) return false;
    if (c > 0x7e && !utf8) return false;
  }
  return true;
}

function quote(text: string): string {
  if (text.indexOf('"') < 0 && text.indexOf("\\") < 0) return `"${text}"`;
  return `"${text.replace(/["\\]/g, (m) => "\\" + m)}"`;
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
