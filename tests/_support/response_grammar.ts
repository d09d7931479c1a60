/**
 * A strict reader of what an IMAP server writes (RFC 3501 §9 `response`,
 * with the extensions we offer: RFC 2971 ID, 5161 ENABLED, 2342 NAMESPACE,
 * 5256 SORT/THREAD, 4315 and 5530 response codes). Written from the
 * grammar, independent of lib/: quoted strings are 7-bit TEXT-CHARs
 * without CR, LF or NUL with only \" and \\ escaped, a literal is exactly
 * as long as announced, parentheses and brackets balance, every response
 * ends with CRLF, and each response kind has its shape.
 */

export class GrammarError extends Error {}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** CHAR except atom-specials: "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]" */
function isAtomChar(b: number): boolean {
  return b > 0x20 && b < 0x7f && !'(){%*"\\]'.includes(String.fromCharCode(b));
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]") */
function isAstringChar(b: number): boolean {
  return isAtomChar(b) || b === 0x5d;
}

const STATUS = new Set(["OK", "NO", "BAD", "BYE", "PREAUTH"]);
const SIMPLE_CODES = new Set([
  "UNKNOWN-CTE",
  "ALERT",
  "PARSE",
  "READ-ONLY",
  "READ-WRITE",
  "TRYCREATE",
  "UIDNOTSTICKY",
  "UNAVAILABLE",
  "AUTHENTICATIONFAILED",
  "AUTHORIZATIONFAILED",
  "EXPIRED",
  "PRIVACYREQUIRED",
  "CONTACTADMIN",
  "NOPERM",
  "INUSE",
  "EXPUNGEISSUED",
  "CORRUPTION",
  "SERVERBUG",
  "CLIENTBUG",
  "CANNOT",
  "LIMIT",
  "OVERQUOTA",
  "ALREADYEXISTS",
  "NONEXISTENT",
  "TOOBIG",
  "USEATTR",
  "COMPRESSIONACTIVE",
  "CLOSED",
  "NOMODSEQ",
  // RFC 9586 §3
  "UIDREQUIRED",
  "HASCHILDREN",
  "NOTIFICATIONOVERFLOW",
]);
const MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec";
const DATE_TIME = new RegExp(`^[ \\d]\\d-(${MONTHS})-\\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}$`);

/** A value in a parenthesised response: atom, number, string (null for NIL) or list. */
type Value =
  | { t: "atom"; v: string }
  | { t: "string"; v: string; literal: boolean }
  | { t: "nil" }
  | { t: "list"; v: Value[] };

class Reader {
  pos = 0;
  /**
   * Set by "* ENABLED ... UTF8=ACCEPT" or "IMAP4rev2": quoted strings may then
   * hold UTF-8 (RFC 6855 §3, RFC 9051 §4.3).
   */
  utf8 = false;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  peek(): number {
    return this.bytes[this.pos];
  }

  fail(what: string): never {
    const start = this.bytes.lastIndexOf(LF, this.pos - 1) + 1;
    const line = new TextDecoder().decode(
      this.bytes.subarray(start, Math.min(this.pos + 40, this.bytes.length)),
    );
    throw new GrammarError(`${what} at byte ${this.pos}: ${JSON.stringify(line)}`);
  }

  expect(text: string): void {
    for (let i = 0; i < text.length; i++) {
      if (this.bytes[this.pos] !== text.charCodeAt(i)) {
        this.fail(`expected ${JSON.stringify(text)}`);
      }
      this.pos++;
    }
  }

  maybe(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      if (this.bytes[this.pos + i] !== text.charCodeAt(i)) return false;
    }
    this.pos += text.length;
    return true;
  }

  sp(): void {
    this.expect(" ");
  }

  crlf(): void {
    this.expect("\r\n");
  }

  take(test: (b: number) => boolean, what: string): string {
    const start = this.pos;
    while (!this.done && test(this.peek())) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}`);
    return new TextDecoder().decode(this.bytes.subarray(start, this.pos));
  }

  atom(): string {
    return this.take(isAtomChar, "an atom");
  }

  number(nonZero = false): number {
    const text = this.take((b) => b >= 0x30 && b <= 0x39, "a number");
    const n = Number(text);
    if (n > 0xffffffff || (nonZero && n === 0) || (text.length > 1 && text[0] === "0")) {
      this.fail(`bad number ${text}`);
    }
    return n;
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE */
  quoted(): string {
    this.expect('"');
    let out = "";
    for (;;) {
      if (this.done) this.fail("unterminated quoted string");
      const b = this.bytes[this.pos++];
      if (b === DQUOTE) return out;
      if (b === CR || b === LF || b === 0) this.fail("CR, LF or NUL inside a quoted string");
      if (b > 0x7e) {
        if (!this.utf8 || b < 0xc2 || b > 0xf4) this.fail("8-bit byte inside a quoted string");
        // QUOTED-CHAR =/ UTF8-2 / UTF8-3 / UTF8-4 (RFC 6855 §3): a whole, valid sequence.
        const len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
        const seq = this.bytes.subarray(this.pos - 1, this.pos - 1 + len);
        if (seq.length < len) this.fail("truncated UTF-8 inside a quoted string");
        try {
          out += new TextDecoder("utf-8", { fatal: true }).decode(seq);
        } catch {
          this.fail("invalid UTF-8 inside a quoted string");
        }
        this.pos += len - 1;
        continue;
      }
      if (b === BACKSLASH) {
        const next = this.bytes[this.pos++];
        if (next !== DQUOTE && next !== BACKSLASH) this.fail("bad escape in a quoted string");
        out += String.fromCharCode(next);
      } else {
        out += String.fromCharCode(b);
      }
    }
  }

  /** literal = "{" number "}" CRLF *CHAR8, exactly number octets */
  literal(): string {
    this.expect("{");
    const n = this.number();
    this.expect("}");
    this.crlf();
    if (this.pos + n > this.bytes.length) this.fail(`literal of ${n} octets runs past the end`);
    const data = this.bytes.subarray(this.pos, this.pos + n);
    if (data.includes(0)) this.fail("NUL inside a literal");
    this.pos += n;
    return new TextDecoder().decode(data);
  }

  /** literal8 = "~{" number "}" CRLF *OCTET (RFC 3516 §5), exactly number octets */
  literal8(): void {
    this.expect("~");
    this.expect("{");
    const n = this.number();
    this.expect("}");
    this.crlf();
    if (this.pos + n > this.bytes.length) this.fail(`literal8 of ${n} octets runs past the end`);
    this.pos += n;
  }

  string(): string {
    if (this.peek() === DQUOTE) return this.quoted();
    if (this.peek() === 0x7b) return this.literal();
    this.fail("expected a string");
  }

  nstring(): string | null {
    if (this.maybe("NIL")) return null;
    return this.string();
  }

  astring(): string {
    const b = this.peek();
    if (b === DQUOTE || b === 0x7b) return this.string();
    return this.take(isAstringChar, "an astring");
  }

  /** flag = "\" atom / atom; "\*" where allowed. */
  flag(allowStar: boolean): string {
    if (this.maybe("\\")) {
      if (allowStar && this.maybe("*")) return "\\*";
      return "\\" + this.atom();
    }
    return this.atom();
  }

  flagList(allowStar = false): string[] {
    this.expect("(");
    const out: string[] = [];
    if (this.maybe(")")) return out;
    for (;;) {
      out.push(this.flag(allowStar));
      if (this.maybe(")")) return out;
      this.sp();
    }
  }

  /** Any value of a parenthesised response (NAMESPACE, ENVELOPE, BODYSTRUCTURE, THREAD ...). */
  value(): Value {
    const b = this.peek();
    if (b === 0x28) {
      this.pos++;
      const items: Value[] = [];
      while (!this.maybe(")")) {
        if (this.done) this.fail("unbalanced parentheses");
        // Lists may follow each other without a space (body-type-mpart, THREAD).
        if (items.length > 0 && this.peek() === SP) this.pos++;
        items.push(this.value());
      }
      return { t: "list", v: items };
    }
    if (b === DQUOTE) return { t: "string", v: this.quoted(), literal: false };
    if (b === 0x7b) return { t: "string", v: this.literal(), literal: true };
    if (this.maybe("NIL")) return { t: "nil" };
    if (b === BACKSLASH) return { t: "atom", v: this.flag(false) };
    return { t: "atom", v: this.atom() };
  }

  /** resp-text = ["[" resp-text-code "]" SP] text */
  respText(): void {
    if (this.maybe("[")) {
      this.respTextCode();
      this.expect("]");
      this.sp();
    }
    this.take((b) => b !== CR && b !== LF && b !== 0 && b < 0x80, "text (1*TEXT-CHAR)");
  }

  respTextCode(): void {
    const code = this.take((b) => isAtomChar(b), "a response code");
    switch (code) {
      case "CAPABILITY":
        do {
          this.sp();
          this.atom();
        } while (this.peek() === SP);
        return;
      case "PERMANENTFLAGS":
        this.sp();
        this.flagList(true);
        return;
      case "UIDNEXT":
      case "UIDVALIDITY":
      case "UNSEEN":
        this.sp();
        this.number(true);
        return;
      case "HIGHESTMODSEQ":
        this.sp();
        this.take((b) => b >= 0x30 && b <= 0x39, "a mod-sequence");
        return;
      case "APPENDUID":
        // append-uid = uniqueid / uid-set (RFC 4315 §4, the set only for MULTIAPPEND)
        this.sp();
        this.number(true);
        this.sp();
        this.uidSet();
        return;
      case "MODIFIED":
        // RFC 7162 §7: "MODIFIED" SP sequence-set (numbers, no "*" in a response)
        this.sp();
        this.uidSet();
        return;
      case "COPYUID":
        this.sp();
        this.number(true);
        this.sp();
        this.uidSet();
        this.sp();
        this.uidSet();
        return;
      case "MAILBOXID":
        // RFC 8474 §7: "MAILBOXID" SP "(" objectid ")"
        this.sp();
        this.expect("(");
        this.objectId();
        this.expect(")");
        return;
      case "NOUPDATE":
        // RFC 5267 §4.3.1: "NOUPDATE" SP quoted
        this.sp();
        this.string();
        return;
      case "BADURL":
        // RFC 4469 §6: "BADURL" SP url-resp-text (no CR, LF, NUL or "]")
        this.sp();
        this.take((b) => b !== 0x5d && b !== 0x0d && b !== 0x0a && b !== 0, "a URL");
        return;
      case "METADATA": {
        // RFC 5464 §5: "METADATA" SP ("LONGENTRIES" SP number / "MAXSIZE" SP number /
        // "TOOMANY" / "NOPRIVATE")
        this.sp();
        const kind = this.atom();
        if (kind === "LONGENTRIES" || kind === "MAXSIZE") {
          this.sp();
          this.number();
        } else if (kind !== "TOOMANY" && kind !== "NOPRIVATE") {
          this.fail(`unknown METADATA code ${kind}`);
        }
        return;
      }
      case "BADEVENT":
        // RFC 5465 §8: "BADEVENT" SP "(" event *(SP event) ")"
        this.sp();
        this.expect("(");
        do this.atom(); while (this.maybe(" "));
        this.expect(")");
        return;
      case "BADCHARSET":
        if (this.maybe(" (")) {
          do this.astring(); while (this.maybe(" "));
          this.expect(")");
        }
        return;
      default:
        if (!SIMPLE_CODES.has(code)) this.fail(`unknown response code ${code}`);
    }
  }

  /** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7) */
  objectId(): string {
    const id = this.take(
      (b) =>
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
        b === 0x5f || b === 0x2d,
      "an objectid",
    );
    if (id.length > 255) this.fail("an objectid has at most 255 characters");
    return id;
  }

  /** sequence-set without "*" (ESEARCH ALL, RFC 4731 §3.1; PARTIAL results, RFC 9394 §4) */
  seqSet(): void {
    this.uidSet();
  }

  /**
   * esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
   * (RFC 4731 §3.1, RFC 9394 §4); after "ESEARCH".
   */
  esearch(): void {
    if (this.maybe(" (TAG ")) {
      this.string();
      this.expect(")");
    }
    this.maybe(" UID");
    while (this.maybe(" ")) {
      const name = this.atom();
      this.sp();
      switch (name) {
        case "MIN":
        case "MAX":
          this.number(true);
          break;
        case "COUNT":
          this.number();
          break;
        case "ALL":
          this.seqSet();
          break;
        case "PARTIAL": {
          // "PARTIAL" SP "(" partial-range SP partial-results ")"
          this.expect("(");
          const range = this.take(
            (b) => (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x3a,
            "a partial range",
          );
          if (!/^(-?)[1-9]\d*:\1[1-9]\d*$/.test(range)) this.fail(`bad partial range ${range}`);
          this.sp();
          if (!this.maybe("NIL")) this.seqSet();
          this.expect(")");
          break;
        }
        case "ADDTO":
        case "REMOVEFROM":
          // RFC 5267 §5: "(" context-position SP sequence-set *(SP context-position SP sequence-set) ")"
          this.expect("(");
          do {
            this.number();
            this.sp();
            this.seqSet();
          } while (this.maybe(" "));
          this.expect(")");
          break;
        default:
          this.fail(`unknown ESEARCH return data ${name}`);
      }
    }
  }

  /** uid-set = (uniqueid / uid-range) *("," uid-set) */
  uidSet(): void {
    do {
      this.number(true);
      if (this.maybe(":")) this.number(true);
    } while (this.maybe(","));
  }

  /** mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox */
  mailboxList(): void {
    this.flagList();
    this.sp();
    if (!this.maybe("NIL")) {
      if (this.quoted().length !== 1) this.fail("a hierarchy delimiter is one character");
    }
    this.sp();
    this.astring();
    // [SP mbox-list-extended] (RFC 5258 §9): "(" [tag SP tagged-ext-val *(SP ...)] ")"
    if (this.maybe(" ")) {
      const ext = this.value();
      if (ext.t !== "list") this.fail("mbox-list-extended is a list");
    }
  }

  /** msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP ...) ")" */
  msgAtt(): void {
    this.expect("(");
    const seen = new Set<string>();
    for (let first = true; !this.maybe(")"); first = false) {
      if (!first) this.sp();
      const name = this.take((b) => isAtomChar(b) && b !== 0x5b, "a FETCH item name").toUpperCase();
      let key = name;
      if ((name === "BINARY" || name === "BINARY.SIZE") && this.peek() === 0x5b) {
        // section-binary = "[" [section-part] "]" (RFC 3516 §5)
        const start = this.pos;
        this.expect("[");
        while (
          !this.done && ((this.peek() >= 0x30 && this.peek() <= 0x39) || this.peek() === 0x2e)
        ) {
          this.pos++;
        }
        this.expect("]");
        key += new TextDecoder().decode(this.bytes.subarray(start, this.pos));
        if (name === "BINARY" && this.maybe("<")) {
          key += `<${this.number()}>`;
          this.expect(">");
        }
        this.sp();
        // BINARY: nstring / literal8; BINARY.SIZE: number
        if (name === "BINARY.SIZE") this.number();
        else if (this.peek() === 0x7e) this.literal8();
        else this.nstring();
      } else if (name === "BODY" && this.peek() === 0x5b) {
        key += this.section();
        if (this.maybe("<")) {
          key += `<${this.number()}>`;
          this.expect(">");
        }
        this.sp();
        this.nstring();
      } else {
        this.sp();
        this.fetchValue(name);
      }
      if (seen.has(key)) this.fail(`FETCH item ${key} twice`);
      seen.add(key);
    }
  }

  /** section = "[" [section-spec] "]", header-list names as astrings. */
  section(): string {
    const start = this.pos;
    this.expect("[");
    // section-spec = section-msgtext / (section-part ["." section-text]): digits, dots, keywords.
    const isSpec = (b: number) =>
      (b >= 0x30 && b <= 0x39) || b === 0x2e || (b >= 0x41 && b <= 0x5a);
    while (!this.done && isSpec(this.peek())) this.pos++;
    if (this.maybe(" (")) {
      do this.astring(); while (this.maybe(" "));
      this.expect(")");
    }
    this.expect("]");
    return new TextDecoder().decode(this.bytes.subarray(start, this.pos));
  }

  fetchValue(name: string): void {
    switch (name) {
      case "FLAGS":
        this.flagList();
        return;
      case "UID":
        this.number(true);
        return;
      case "RFC822.SIZE":
        this.number();
        return;
      case "MODSEQ":
        this.expect("(");
        this.take((b) => b >= 0x30 && b <= 0x39, "a mod-sequence");
        this.expect(")");
        return;
      case "INTERNALDATE":
        if (!DATE_TIME.test(this.quoted())) this.fail("bad date-time");
        return;
      case "SAVEDATE":
        // RFC 8514 §4.2: "SAVEDATE" SP (date-time / nil)
        if (!this.maybe("NIL") && !DATE_TIME.test(this.quoted())) this.fail("bad date-time");
        return;
      case "EMAILID":
        // RFC 8474 §7: "EMAILID" SP "(" objectid ")"
        this.expect("(");
        this.objectId();
        this.expect(")");
        return;
      case "PREVIEW":
        // RFC 8970 §6: msg-att-dynamic =/ "PREVIEW" SP nstring
        this.nstring();
        return;
      case "THREADID":
        // RFC 8474 §7: "THREADID" SP ( "(" objectid ")" / nil )
        if (!this.maybe("NIL")) {
          this.expect("(");
          this.objectId();
          this.expect(")");
        }
        return;
      case "RFC822":
      case "RFC822.HEADER":
      case "RFC822.TEXT":
        this.nstring();
        return;
      case "ENVELOPE":
      case "BODY":
      case "BODYSTRUCTURE": {
        const v = this.value();
        if (v.t !== "list") this.fail(`${name} is a list`);
        if (name === "ENVELOPE" && v.v.length !== 10) this.fail("an envelope has 10 fields");
        return;
      }
      default:
        this.fail(`unknown FETCH item ${name}`);
    }
  }

  /** One response up to and including its CRLF. */
  response(): void {
    if (this.maybe("+")) {
      // continue-req = "+" SP (resp-text / base64) CRLF; base64 may be empty.
      this.sp();
      if (this.peek() !== CR) this.respText();
      this.crlf();
      return;
    }
    if (!this.maybe("* ")) {
      this.take((b) => isAstringChar(b) && b !== 0x2b, "a tag");
      this.sp();
      const status = this.atom();
      if (status !== "OK" && status !== "NO" && status !== "BAD") {
        this.fail(`tagged ${status}`);
      }
      this.sp();
      this.respText();
      this.crlf();
      return;
    }
    if (this.peek() >= 0x30 && this.peek() <= 0x39) {
      this.number();
      this.sp();
      const what = this.atom();
      // RFC 9586 §3.3: uidfetch-resp = uniqueid SP "UIDFETCH" SP msg-att
      if (what === "FETCH" || what === "UIDFETCH") {
        this.sp();
        this.msgAtt();
      } else if (what !== "EXISTS" && what !== "RECENT" && what !== "EXPUNGE") {
        this.fail(`unknown message data ${what}`);
      }
      this.crlf();
      return;
    }
    const kind = this.atom();
    if (STATUS.has(kind)) {
      this.sp();
      this.respText();
    } else {
      switch (kind) {
        case "CAPABILITY":
        case "ENABLED":
          while (this.maybe(" ")) {
            // IMAP4rev2's quoted strings are UTF-8 too (RFC 9051 §4.3), once
            // enabled (CAPABILITY names it for every session).
            const cap = this.atom().toUpperCase();
            if (cap === "UTF8=ACCEPT") this.utf8 = true;
            if (cap === "IMAP4REV2" && kind === "ENABLED") this.utf8 = true;
          }
          break;
        case "FLAGS":
          this.sp();
          this.flagList();
          break;
        case "LIST":
        case "LSUB":
          this.sp();
          this.mailboxList();
          break;
        case "SEARCH":
        case "SORT":
          // RFC 7162 §7: [SP search-sort-mod-seq], "(" "MODSEQ" SP mod-sequence-value ")"
          while (this.maybe(" ")) {
            if (this.maybe("(MODSEQ ")) {
              this.take((b) => b >= 0x30 && b <= 0x39, "a mod-sequence");
              this.expect(")");
              break;
            }
            this.number(true);
          }
          break;
        case "VANISHED":
          // RFC 7162 §7: expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids
          this.sp();
          if (this.maybe("(EARLIER) ")) { /* the earlier form */ }
          this.uidSet();
          break;
        case "ESEARCH":
          this.esearch();
          break;
        case "STATUS":
          this.sp();
          this.astring();
          this.sp();
          this.expect("(");
          for (let first = true; !this.maybe(")"); first = false) {
            if (!first) this.sp();
            const item = this.atom();
            this.sp();
            if (item === "MAILBOXID") {
              // RFC 8474 §4.3: status-att-val =/ "MAILBOXID" SP "(" objectid ")"
              this.expect("(");
              this.objectId();
              this.expect(")");
            } else if (!this.maybe("NIL")) this.number();
          }
          break;
        case "QUOTA":
          // quota-response = "QUOTA" SP quota-root-name SP quota-list (RFC 9208)
          this.sp();
          this.astring();
          this.sp();
          this.expect("(");
          for (let first = true; !this.maybe(")"); first = false) {
            if (!first) this.sp();
            this.atom();
            this.sp();
            this.number();
            this.sp();
            this.number();
          }
          break;
        case "QUOTAROOT":
          // quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)
          this.sp();
          this.astring();
          while (this.maybe(" ")) this.astring();
          break;
        case "METADATA": {
          // RFC 5464 §5: "METADATA" SP mailbox SP (entry-values / entry-list)
          this.sp();
          this.astring();
          this.sp();
          if (this.maybe("(")) {
            // entry-value = entry SP value; value = nstring / literal8
            do {
              this.astring();
              this.sp();
              if (this.peek() === 0x7e) this.literal8();
              else if (this.value().t === "list") this.fail("a METADATA value is not a list");
            } while (this.maybe(" "));
            this.expect(")");
          } else {
            do this.astring(); while (this.maybe(" "));
          }
          break;
        }
        case "THREAD":
          while (this.maybe(" ") || this.peek() === 0x28) {
            const v = this.value();
            if (v.t !== "list") this.fail("a thread is a list");
          }
          break;
        case "ID":
        case "NAMESPACE":
          while (this.maybe(" ")) this.value();
          break;
        default:
          this.fail(`unknown response ${kind}`);
      }
    }
    this.crlf();
  }
}

/**
 * Checks a whole stream the server wrote on one connection; returns the
 * number of responses read, or throws GrammarError at the first fault.
 */
export function checkResponses(bytes: Uint8Array): number {
  const r = new Reader(bytes);
  let n = 0;
  while (!r.done) {
    r.response();
    n++;
  }
  return n;
}
