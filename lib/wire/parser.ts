/**
 * A cursor over one complete command (as returned by the command reader:
 * literal data inline). Each method reads one production of the RFC 3501
 * §9 grammar or throws `ParseError`, which the connection answers with BAD.
 */

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
const RBRACKET = 0x5d;

const decoder = new TextDecoder();
const latin1 = new TextDecoder("latin1");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * ATOM-CHAR = <any CHAR except atom-specials>
 * atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
 * 8-bit bytes are not CHAR; we accept them in atoms so UTF-8 mailbox names
 * sent unquoted by careless clients still parse (RFC 6855 clients quote them).
 */
function isAtomChar(b: number): boolean {
  if (b <= 0x1f || b === 0x7f) return false;
  switch (b) {
    case LPAREN:
    case RPAREN:
    case LBRACE:
    case SP:
    case 0x25: // %
    case 0x2a: // *
    case DQUOTE:
    case BACKSLASH:
    case RBRACKET:
      return false;
  }
  return true;
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials */
function isAstringChar(b: number): boolean {
  return b === RBRACKET || isAtomChar(b);
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials */
function isListChar(b: number): boolean {
  return b === 0x25 || b === 0x2a || isAstringChar(b);
}

/** tag = 1*<any ASTRING-CHAR except "+"> */
function isTagChar(b: number): boolean {
  return b !== 0x2b && isAstringChar(b);
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

export class CommandParser {
  readonly bytes: Uint8Array;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  peek(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos] : -1;
  }

  /** The text from the cursor to the end, for error messages and logging. */
  rest(): string {
    return decoder.decode(this.bytes.subarray(this.pos));
  }

  tag(): string {
    const start = this.pos;
    while (this.pos < this.bytes.length && isTagChar(this.bytes[this.pos])) this.pos++;
    if (this.pos === start) throw new ParseError("Missing or invalid tag");
    return latin1.decode(this.bytes.subarray(start, this.pos));
  }

  sp(): void {
    if (this.bytes[this.pos] !== SP) {
      throw new ParseError(
        this.done ? "Missing arguments" : `Expected a space at "${this.#near()}"`,
      );
    }
    this.pos++;
  }

  /** Reads a space if one comes next; tells whether it did. */
  maybeSp(): boolean {
    if (this.bytes[this.pos] === SP) {
      this.pos++;
      return true;
    }
    return false;
  }

  end(): void {
    if (!this.done) throw new ParseError(`Unexpected "${this.#near()}" at the end of the command`);
  }

  expect(char: string): void {
    if (this.bytes[this.pos] !== char.charCodeAt(0)) {
      throw new ParseError(
        this.done ? `Expected "${char}" at the end` : `Expected "${char}" at "${this.#near()}"`,
      );
    }
    this.pos++;
  }

  /** Consumes `char` if it comes next. */
  maybe(char: string): boolean {
    if (this.bytes[this.pos] === char.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  atom(): string {
    const start = this.pos;
    while (this.pos < this.bytes.length && isAtomChar(this.bytes[this.pos])) this.pos++;
    if (this.pos === start) {
      throw new ParseError(
        this.done ? "Missing argument" : `Expected an atom at "${this.#near()}"`,
      );
    }
    return decodeUtf8(this.bytes.subarray(start, this.pos));
  }

  /** Reads characters while `test` holds (for sequence sets, section specs and the like). */
  takeWhile(test: (b: number) => boolean, what: string): string {
    const start = this.pos;
    while (this.pos < this.bytes.length && test(this.bytes[this.pos])) this.pos++;
    if (this.pos === start) {
      throw new ParseError(this.done ? `Missing ${what}` : `Expected ${what} at "${this.#near()}"`);
    }
    return latin1.decode(this.bytes.subarray(start, this.pos));
  }

  /** number = 1*DIGIT, an unsigned 32-bit value (RFC 3501 §9). */
  number(): number {
    const text = this.takeWhile((b) => b >= 0x30 && b <= 0x39, "a number");
    const value = Number(text);
    if (text.length > 10 || value > 0xffffffff) throw new ParseError(`Number ${text} is too big`);
    return value;
  }

  /** A number of up to 63 bits (mod-sequence-value, RFC 7162). */
  number64(): number {
    const text = this.takeWhile((b) => b >= 0x30 && b <= 0x39, "a number");
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new ParseError(`Number ${text} is too big`);
    return value;
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) throw new ParseError("Expected a number greater than zero");
    return n;
  }

  /** astring = 1*ASTRING-CHAR / string */
  astring(): string {
    const b = this.peek();
    // "~" is an ASTRING-CHAR: only "~{" would start a literal8 (RFC 3516), which no
    // astring admits.
    if (b === DQUOTE || b === LBRACE) return this.string();
    if (b === 0x7e && this.bytes[this.pos + 1] === LBRACE) {
      throw new ParseError("A literal8 (~{) is not allowed here");
    }
    const start = this.pos;
    while (this.pos < this.bytes.length && isAstringChar(this.bytes[this.pos])) this.pos++;
    if (this.pos === start) {
      throw new ParseError(
        this.done ? "Missing argument" : `Expected a string at "${this.#near()}"`,
      );
    }
    return decodeUtf8(this.bytes.subarray(start, this.pos));
  }

  /** list-mailbox = 1*list-char / string */
  listMailbox(): string {
    const b = this.peek();
    if (b === DQUOTE || b === LBRACE) return this.string();
    const start = this.pos;
    while (this.pos < this.bytes.length && isListChar(this.bytes[this.pos])) this.pos++;
    if (this.pos === start) throw new ParseError(`Expected a mailbox pattern at "${this.#near()}"`);
    return decodeUtf8(this.bytes.subarray(start, this.pos));
  }

  /**
   * string = quoted / literal, as text. NUL is refused in both: CHAR8 and
   * QUOTED-CHAR exclude it (RFC 3501 §9), and a NUL in a name or a search
   * key would only ever be an attack on whoever reads it next.
   */
  string(): string {
    const bytes = this.stringBytes();
    if (bytes.includes(0)) throw new ParseError("NUL is not allowed in strings");
    return decodeUtf8(bytes);
  }

  /** nstring = string / nil */
  nstring(): string | null {
    if (this.#atKeyword("NIL")) {
      this.pos += 3;
      return null;
    }
    return this.string();
  }

  /**
   * string = quoted / literal, as bytes (APPEND message data, SASL). A
   * quoted string never holds NUL; literal data is passed on as sent (a
   * message with a stray NUL is stored rather than lost).
   */
  stringBytes(): Uint8Array {
    const b = this.peek();
    if (b === DQUOTE) return this.#quoted();
    if (b === LBRACE) return this.literal();
    throw new ParseError(this.done ? "Missing string" : `Expected a string at "${this.#near()}"`);
  }

  /**
   * literal = "{" number ["+"] "}" CRLF *CHAR8. A literal8 ("~{") is read
   * by `literal8()` where the grammar admits one (APPEND data), and refused
   * everywhere else.
   */
  literal(): Uint8Array {
    this.expect("{");
    return this.#literalBody();
  }

  /**
   * literal8 = "~{" number ["+"] "}" CRLF *OCTET (RFC 3516 §4.6; the "+"
   * of LITERAL+ applies to it too, RFC 7888): any octet, NUL included.
   */
  literal8(): Uint8Array {
    this.expect("~");
    this.expect("{");
    return this.#literalBody();
  }

  /** Tells whether a literal8 ("~{") comes next. */
  atLiteral8(): boolean {
    return this.peek() === 0x7e && this.bytes[this.pos + 1] === LBRACE;
  }

  /** number ["+"] "}" CRLF and the data, after the opening brace. */
  #literalBody(): Uint8Array {
    const size = this.number();
    this.maybe("+");
    this.expect("}");
    if (this.bytes[this.pos] === 0x0d) this.pos++;
    this.expect("\n");
    if (this.pos + size > this.bytes.length) {
      throw new ParseError("Literal is shorter than announced");
    }
    const data = this.bytes.subarray(this.pos, this.pos + size);
    this.pos += size;
    return data;
  }

  /** Tells whether a literal (rather than a quoted string or atom) comes next. */
  atLiteral(): boolean {
    const b = this.peek();
    return b === LBRACE;
  }

  /** Reads "(" item *(SP item) ")" (or "()" when `allowEmpty`). */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect("(");
    const out: T[] = [];
    if (this.maybe(")")) {
      if (!allowEmpty) throw new ParseError("Empty list");
      return out;
    }
    for (;;) {
      out.push(item());
      if (this.maybe(")")) return out;
      this.sp();
    }
  }

  /** flag = "\" atom / atom (system flags and keywords, RFC 3501 §9 flag-keyword). */
  flag(): string {
    if (this.maybe("\\")) return "\\" + this.atom();
    return this.atom();
  }

  #atKeyword(word: string): boolean {
    const end = this.pos + word.length;
    if (end > this.bytes.length) return false;
    for (let i = 0; i < word.length; i++) {
      if ((this.bytes[this.pos + i] | 0x20) !== (word.charCodeAt(i) | 0x20)) return false;
    }
    const after = this.bytes[end];
    return after === undefined || !isAstringChar(after);
  }

  #quoted(): Uint8Array {
    this.expect('"');
    const start = this.pos;
    let escaped = false;
    // Fast path: no escapes.
    for (let i = start; i < this.bytes.length; i++) {
      const b = this.bytes[i];
      if (b === BACKSLASH) {
        escaped = true;
        break;
      }
      if (b === DQUOTE) {
        this.pos = i + 1;
        return this.bytes.subarray(start, i);
      }
      if (b === 0x0d || b === 0x0a || b === 0) break;
    }
    const out: number[] = [];
    for (let i = start; i < this.bytes.length; i++) {
      const b = this.bytes[i];
      if (b === 0x0d || b === 0x0a) throw new ParseError("Line break inside a quoted string");
      if (b === 0) throw new ParseError("NUL is not allowed in strings");
      if (b === DQUOTE) {
        this.pos = i + 1;
        return Uint8Array.from(out);
      }
      if (b === BACKSLASH && escaped) {
        const next = this.bytes[i + 1];
        if (next !== DQUOTE && next !== BACKSLASH) {
          throw new ParseError('Backslash in a quoted string escapes only " and \\');
        }
        out.push(next);
        i++;
        continue;
      }
      out.push(b);
    }
    throw new ParseError("Unterminated quoted string");
  }

  #near(): string {
    return escapeControls(decoder.decode(this.bytes.subarray(this.pos, this.pos + 20)));
  }
}

/**
 * Client text made safe to show in a response or a log line: C0 and C1
 * control characters (NUL, ESC, CR, LF, DEL...) are written as `\xHH`, so
 * nothing a client sent can end a line or drive a terminal.
 */
export function escapeControls(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex -- control characters are exactly what is escaped
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"),
  );
}
