/**
 * A seeded, grammar-aware generator of IMAP commands for the fuzz test:
 * every command of the command table, written as RFC 3501 (and its
 * extensions) allow, then sometimes mutated at the token level (tokens
 * dropped, repeated, swapped, replaced by junk; bytes changed inside
 * atoms, quoted strings and literals). Mutations never break the framing a
 * client and server must agree on (CRLF only inside literals, literal sizes
 * exact, an unbalanced quote only as the last token), so every command must
 * still get its tagged reply or a BYE.
 */

import { concatBytes } from "../../lib/bytes.ts";

/** mulberry32: small, fast, good enough to drive a fuzzer, and replayable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Token =
  | { kind: "text"; text: Uint8Array }
  | { kind: "literal"; data: Uint8Array; sync: boolean; eight?: boolean };

export interface FuzzCommand {
  /** The command name as the table knows it ("UID FETCH"). */
  name: string;
  /** Tokens after the name, joined by single spaces. */
  tokens: Token[];
  mutated: boolean;
}

const enc = new TextEncoder();

export class Generator {
  readonly r: () => number;

  constructor(seed: number) {
    this.r = rng(seed);
  }

  int(n: number): number {
    return Math.floor(this.r() * n);
  }

  chance(p: number): boolean {
    return this.r() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  text(s: string): Token {
    return { kind: "text", text: enc.encode(s) };
  }

  /** A string argument as an atom (when it can be one), a quoted string or a literal. */
  astring(s: string): Token {
    const bytes = enc.encode(s);
    const how = this.int(10);
    if (how < 4 && /^[A-Za-z0-9&.\/_-]+$/.test(s)) return { kind: "text", text: bytes };
    if (how < 8 && !/["\\\r\n]/.test(s)) return this.text(`"${s}"`);
    return { kind: "literal", data: bytes, sync: this.chance(0.5) };
  }

  mailbox(): Token {
    const names = [
      "INBOX",
      "inbox",
      "Archive",
      "Trash",
      "Junk",
      "Sent",
      "Drafts",
      "a/b",
      "a/b/c/d",
      `Fuzz${this.int(5)}`,
      `Fuzz${this.int(5)}/sub${this.int(3)}`,
      "&AOQ-pfel",
      "&Jjo-!",
      "x".repeat(1 + this.int(300)),
      "",
      "/",
      "a//b",
      "&",
      "Äpfel",
    ];
    return this.astring(this.pick(names));
  }

  pattern(): Token {
    const pats = ["*", "%", "a/%", "%/%/%", "*a*", "Fuzz*", "INBOX*", "%".repeat(1 + this.int(60))];
    const p = this.pick(pats);
    return this.chance(0.5) ? this.text(p) : this.astring(p);
  }

  seqSet(): Token {
    const n = () => String(1 + this.int(12));
    const forms = [
      () => n(),
      () => `${n()}:${n()}`,
      () => "1:*",
      () => "*",
      () => `${n()},${n()}:*`,
      () => "4294967295",
      () => "0",
      () => "4294967296",
      () => Array.from({ length: 1 + this.int(200) }, n).join(","),
      () => "$",
    ];
    return this.text(this.pick(forms)());
  }

  flags(): Token {
    const all = [
      "\\Seen",
      "\\Answered",
      "\\Flagged",
      "\\Deleted",
      "\\Draft",
      "$Junk",
      "kw1",
      "\\Recent",
      "\\Bogus",
    ];
    const n = this.int(4);
    const chosen = Array.from({ length: n }, () => this.pick(all));
    return this.text(this.chance(0.8) ? `(${chosen.join(" ")})` : chosen.join(" ") || "\\Seen");
  }

  date(): Token {
    const d = `${1 + this.int(31)}-${this.pick(["Jan", "Feb", "Dec", "Foo"])}-${
      1990 + this.int(60)
    }`;
    return this.chance(0.8) ? this.text(d) : this.text(`"${d}"`);
  }

  fetchAtts(): Token {
    const atts = [
      "FLAGS",
      "UID",
      "ENVELOPE",
      "BODYSTRUCTURE",
      "BODY",
      "BODY[]",
      "BODY.PEEK[]",
      "BODY[HEADER]",
      "BODY.PEEK[HEADER.FIELDS (Subject From)]",
      "BODY[HEADER.FIELDS.NOT (Date)]",
      "BODY[TEXT]",
      "BODY[1]",
      "BODY[1.2.MIME]",
      "BODY[]<0.10>",
      "BODY[]<5>",
      "RFC822",
      "RFC822.HEADER",
      "RFC822.SIZE",
      "RFC822.TEXT",
      "INTERNALDATE",
      "BINARY[1]",
      "BINARY.SIZE[1]",
      "MODSEQ",
      "BINARY.PEEK[]",
      "SAVEDATE",
      "EMAILID",
      "THREADID",
    ];
    const macro = this.pick(["ALL", "FAST", "FULL"]);
    if (this.chance(0.15)) return this.text(macro);
    const n = 1 + this.int(5);
    return this.text(`(${Array.from({ length: n }, () => this.pick(atts)).join(" ")})`);
  }

  searchKeys(depth = 0): Token[] {
    const simple = [
      "ALL",
      "SEEN",
      "UNSEEN",
      "DELETED",
      "FLAGGED",
      "NEW",
      "OLD",
      "RECENT",
      "ANSWERED",
      "DRAFT",
      "UNDRAFT",
      "$",
      "SAVEDATESUPPORTED",
    ];
    const k = this.int(depth > 2 ? 4 : 10);
    switch (k) {
      case 0:
        return [this.text(this.pick(simple))];
      case 1:
        return [
          this.text(this.pick(["SUBJECT", "FROM", "TO", "CC", "BCC", "BODY", "TEXT"])),
          this.astring(this.pick(["hello", "", "Ä", "a b", "x".repeat(this.int(2000))])),
        ];
      case 2:
        return [
          this.text(this.pick(["SINCE", "BEFORE", "ON", "SENTSINCE", "SENTBEFORE", "SENTON"])),
          this.date(),
        ];
      case 3:
        return [
          this.text(this.pick(["LARGER", "SMALLER", "OLDER", "YOUNGER", "MODSEQ"])),
          this.text(String(this.int(100000))),
        ];
      case 4:
        return [this.text("UID"), this.seqSet()];
      case 5:
        return [this.seqSet()];
      case 6:
        return [this.text("NOT"), ...this.searchKeys(depth + 1)];
      case 7:
        return [this.text("OR"), ...this.searchKeys(depth + 1), ...this.searchKeys(depth + 1)];
      case 8: {
        const inner = [
          ...this.searchKeys(depth + 1),
          ...(this.chance(0.5) ? this.searchKeys(depth + 1) : []),
        ];
        return this.parenthesize(inner);
      }
      default:
        return [
          this.text("HEADER"),
          this.astring(this.pick(["Subject", "X-Fuzz", "Message-ID"])),
          this.astring(this.pick(["", "x", "fuzz"])),
        ];
    }
  }

  /** "(" tokens ")", the parentheses glued to the first and last tokens when they are text. */
  parenthesize(tokens: Token[]): Token[] {
    if (tokens.length === 0) return [this.text("()")];
    const out = [...tokens];
    const first = out[0];
    if (first.kind === "text") {
      out[0] = { kind: "text", text: concatBytes([enc.encode("("), first.text]) };
    } else out.unshift(this.text("("));
    const last = out[out.length - 1];
    if (last.kind === "text") {
      out[out.length - 1] = { kind: "text", text: concatBytes([last.text, enc.encode(")")]) };
    } else out.push(this.text(")"));
    return out;
  }

  message(): Uint8Array {
    const subject = this.pick([
      "hello",
      "Re: fuzz",
      "=?UTF-8?B?w6TDtsO8?=",
      "x".repeat(this.int(500)),
    ]);
    if (this.chance(0.3)) {
      const b = "b" + this.int(1000);
      return enc.encode(
        `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
          `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\nContent-Type: text/plain\r\n\r\nfirst\r\n` +
          `--${b}\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n--${b}--\r\n`,
      );
    }
    if (this.chance(0.2)) {
      const junk = new Uint8Array(this.int(300));
      for (let i = 0; i < junk.length; i++) junk[i] = this.int(256);
      return junk;
    }
    return enc.encode(
      `From: a@example.org\r\nSubject: ${subject}\r\nDate: Mon, 1 Feb 2021 10:00:00 +0000\r\n\r\nbody ${
        this.int(1e6)
      }\r\n`,
    );
  }

  /** The arguments of one command, well formed (mostly: values are random). */
  args(name: string): Token[] {
    switch (name) {
      case "CAPABILITY":
      case "NOOP":
      case "LOGOUT":
      case "STARTTLS":
      case "CHECK":
      case "CLOSE":
      case "UNSELECT":
      case "UNAUTHENTICATE":
      case "EXPUNGE":
      case "IDLE":
      case "NAMESPACE":
        return [];
      case "ID":
        return this.chance(0.2) ? [this.text("NIL")] : this.parenthesize(
          Array.from({ length: this.int(4) }, () => [
            this.astring(this.pick(["name", "version", "x".repeat(31)])),
            this.astring(this.pick(["fuzz", "x".repeat(this.int(1100))])),
          ]).flat(),
        );
      case "LOGIN":
        return this.chance(0.6) ? [this.astring("alice"), this.astring("alice-pw")] : [
          this.astring(this.pick(["alice", "bob", "\u001b[31mEVIL", "x".repeat(this.int(300))])),
          this.astring(this.pick(["nope", "", "alice-pw "])),
        ];
      case "AUTHENTICATE": {
        const mech = this.pick(["PLAIN", "LOGIN", "XOAUTH2", "plain"]);
        if (this.chance(0.5)) return [this.text(mech)];
        return [
          this.text(mech),
          this.text(
            this.pick([
              btoa("\0alice\0alice-pw"),
              btoa("\0alice\0bad"),
              "=",
              "!!!",
              btoa("x".repeat(this.int(100))),
            ]),
          ),
        ];
      }
      case "ENABLE":
        return Array.from(
          { length: 1 + this.int(3) },
          () => this.text(this.pick(["UTF8=ACCEPT", "CONDSTORE", "QRESYNC", "IMAP4rev2", "X"])),
        );
      case "SELECT":
      case "EXAMINE":
        return [this.mailbox(), ...(this.chance(0.1) ? [this.text("(CONDSTORE)")] : [])];
      case "CREATE":
        return [this.mailbox(), ...(this.chance(0.1) ? [this.text("(USE (\\Archive))")] : [])];
      case "DELETE":
      case "SUBSCRIBE":
      case "UNSUBSCRIBE":
        return [this.mailbox()];
      case "RENAME":
        return [this.mailbox(), this.mailbox()];
      case "LIST": {
        const select = this.chance(0.2)
          ? [
            this.text(
              this.pick(["(SUBSCRIBED)", "(SPECIAL-USE)", "(SUBSCRIBED RECURSIVEMATCH)", "()"]),
            ),
          ]
          : [];
        const ret = this.chance(0.2)
          ? [
            this.text("RETURN"),
            this.text(
              this.pick([
                "(CHILDREN)",
                "(SUBSCRIBED SPECIAL-USE)",
                "(STATUS (MESSAGES SIZE))",
                "(CHILDREN STATUS (UNSEEN DELETED-STORAGE))",
                "(STATUS ())",
              ]),
            ),
          ]
          : [];
        return [
          ...select,
          this.astring(this.pick(["", "a", "a/", "INBOX"])),
          this.pattern(),
          ...ret,
        ];
      }
      case "LSUB":
        return [this.astring(this.pick(["", "a/"])), this.pattern()];
      case "STATUS":
        return [
          this.mailbox(),
          this.text(`(${
            Array.from({ length: 1 + this.int(4) }, () =>
              this.pick([
                "MESSAGES",
                "RECENT",
                "UIDNEXT",
                "UIDVALIDITY",
                "UNSEEN",
                "SIZE",
                "APPENDLIMIT",
                "DELETED",
                "DELETED-STORAGE",
                "BOGUS",
              ])).join(" ")
          })`),
        ];
      case "APPEND":
      case "REPLACE":
      case "UID REPLACE": {
        // REPLACE (RFC 8508): a message number or UID, then APPEND's arguments.
        const out: Token[] = name === "APPEND"
          ? [this.mailbox()]
          : [this.text(this.pick(["1", "2", "*", "99", "0"])), this.mailbox()];
        if (this.chance(0.4)) out.push(this.flags());
        if (this.chance(0.3)) {
          out.push(
            this.text(`"${String(1 + this.int(28)).padStart(2, " ")}-Feb-2021 10:00:00 +0100"`),
          );
        }
        if (this.chance(0.2)) {
          // CATENATE (RFC 4469): TEXT literals and URLs, good and bad.
          out.push(this.text("CATENATE"), this.text("("));
          out.push(
            this.text(
              this.pick([
                'URL "/INBOX/;UID=1/;SECTION=HEADER"',
                'URL "/INBOX/;UID=9"',
                'URL "x"',
                "TEXT",
              ]),
            ),
          );
          out.push({ kind: "literal", data: this.message(), sync: this.chance(0.5), eight: false });
          out.push(this.text(")"));
          return out;
        }
        out.push({
          kind: "literal",
          data: this.message(),
          sync: this.chance(0.5),
          eight: this.chance(0.05),
        });
        return out;
      }
      case "CANCELUPDATE":
        return [this.text(this.pick(['"u1"', '"x"', "u1", '""']))];
      case "GETQUOTA":
        return [this.astring(this.pick(["", "INBOX", "other"]))];
      case "GETQUOTAROOT":
        return [this.mailbox()];
      case "SETQUOTA":
        return [
          this.astring(this.pick(["", "x"])),
          this.text(this.pick(["(STORAGE 100)", "(MESSAGE 5 STORAGE 1)", "()", "(STORAGE x)"])),
        ];
      case "COMPRESS":
        return [this.text(this.pick(["DEFLATE", "BOGUS"]))];
      case "COPY":
      case "MOVE":
      case "UID COPY":
      case "UID MOVE":
        return [this.seqSet(), this.mailbox()];
      case "UID EXPUNGE":
        return [this.seqSet()];
      case "FETCH":
      case "UID FETCH":
        return [
          this.seqSet(),
          this.fetchAtts(),
          ...(this.chance(0.1) ? [this.text("(CHANGEDSINCE 1)")] : []),
        ];
      case "STORE":
      case "UID STORE":
        return [
          this.seqSet(),
          this.text(this.pick(["FLAGS", "+FLAGS", "-FLAGS", "FLAGS.SILENT", "+FLAGS.SILENT", "X"])),
          this.flags(),
        ];
      case "SEARCH":
      case "UID SEARCH": {
        const charset = this.chance(0.15)
          ? [this.text("CHARSET"), this.text(this.pick(["UTF-8", "ISO-8859-1", "X-UNKNOWN"]))]
          : [];
        // ESEARCH (RFC 4731), SEARCHRES (RFC 5182), PARTIAL (RFC 9394) return options.
        const ret = this.chance(0.3)
          ? [
            this.text("RETURN"),
            this.text(
              this.pick([
                "()",
                "(MIN MAX)",
                "(ALL COUNT)",
                "(SAVE)",
                "(PARTIAL 1:10)",
                "(BOGUS)",
                "(UPDATE COUNT)",
                "(CONTEXT)",
              ]),
            ),
          ]
          : [];
        return [
          ...ret,
          ...charset,
          ...this.searchKeys(),
          ...(this.chance(0.3) ? this.searchKeys() : []),
        ];
      }
      case "SORT":
      case "UID SORT":
        return [
          // ESORT and CONTEXT=SORT (RFC 5267) return options.
          ...(this.chance(0.3)
            ? [
              this.text(
                `RETURN ${this.pick(["()", "(MIN MAX)", "(SAVE)", "(UPDATE)", "(BOGUS)"])}`,
              ),
            ]
            : []),
          this.text(`(${
            Array.from(
              { length: 1 + this.int(3) },
              () =>
                this.pick([
                  "ARRIVAL",
                  "DATE",
                  "SUBJECT",
                  "REVERSE SIZE",
                  "FROM",
                  "TO",
                  "CC",
                  "DISPLAYFROM",
                  "REVERSE DISPLAYTO",
                  "BOGUS",
                ]),
            ).join(" ")
          })`),
          this.text(this.pick(["UTF-8", "US-ASCII", "X"])),
          ...this.searchKeys(),
        ];
      case "THREAD":
      case "UID THREAD":
        return [
          this.text(this.pick(["ORDEREDSUBJECT", "REFERENCES", "BOGUS"])),
          this.text(this.pick(["UTF-8", "US-ASCII"])),
          ...this.searchKeys(),
        ];
      // METADATA (RFC 5464)
      case "GETMETADATA":
        return [
          ...(this.chance(0.4)
            ? [this.text(this.pick(["(DEPTH 1)", "(MAXSIZE 3 DEPTH infinity)", "(DEPTH 2)", "()"]))]
            : []),
          this.chance(0.3) ? this.astring("") : this.mailbox(),
          this.text(
            this.pick(["/private/comment", "(/shared/a /private)", "/bogus", "/private/*"]),
          ),
        ];
      case "SETMETADATA":
        return [
          this.chance(0.3) ? this.astring("") : this.mailbox(),
          this.text(
            this.pick([
              '(/private/comment "x")',
              '(/shared/a NIL /private/b/c "y")',
              "(/private NIL)",
              '/private/a "x"',
            ]),
          ),
        ];
      // NOTIFY (RFC 5465)
      case "NOTIFY":
        return [
          this.text(
            this.pick([
              "NONE",
              "SET (selected (MessageNew MessageExpunge))",
              "SET STATUS (personal (MessageNew MessageExpunge FlagChange MailboxName))",
              "SET (selected-delayed (MessageNew (UID FLAGS) MessageExpunge)) (inboxes NONE)",
              "SET (subtree INBOX (MessageNew))",
              "SET (personal (AnnotationChange))",
              "SET",
            ]),
          ),
        ];
      default:
        throw new Error(`No generator for ${name}`);
    }
  }

  junk(): Token {
    const items: (() => Token)[] = [
      () => this.text("NIL"),
      () => this.text("()"),
      () => this.text("(("),
      () => this.text(")"),
      () => this.text("*"),
      () => this.text("%"),
      () => this.text('""'),
      () => this.text("[]"),
      () => this.text("BODY["),
      () => this.text("1:*"),
      () => this.text(String(2 ** 32 + this.int(10))),
      () => this.text("-1"),
      () => this.text("~"),
      () => this.text("x".repeat(1 + this.int(70_000))),
      () => this.text("(".repeat(1 + this.int(200))),
      () => ({ kind: "literal", data: new Uint8Array(0), sync: this.chance(0.5) }),
      () => ({ kind: "literal", data: randomBytes(this, this.int(100)), sync: this.chance(0.5) }),
      () => ({ kind: "text", text: randomAtom(this) }),
    ];
    return this.pick(items)();
  }

  /** A command, mutated with probability `p`. */
  command(names: readonly string[], p = 0.35): FuzzCommand {
    const name = this.pick(names);
    let tokens = this.args(name);
    let mutated = false;
    if (this.chance(p)) {
      mutated = true;
      const rounds = 1 + this.int(3);
      for (let i = 0; i < rounds; i++) tokens = this.mutate(tokens);
      // An unbalanced quote goes last, where it cannot hide a literal header.
      if (this.chance(0.05)) tokens.push(this.text('"unterminated'));
      if (this.chance(0.03)) tokens.push(this.text('"a\\'));
    }
    return { name, tokens, mutated };
  }

  mutate(tokens: Token[]): Token[] {
    const out = [...tokens];
    const i = this.int(out.length + 1);
    switch (this.int(6)) {
      case 0:
        if (out.length > 0) out.splice(Math.min(i, out.length - 1), 1);
        break;
      case 1:
        if (out.length > 0) {
          const t = out[Math.min(i, out.length - 1)];
          out.splice(i, 0, t);
        }
        break;
      case 2:
        if (out.length > 1) {
          const j = this.int(out.length);
          const k = this.int(out.length);
          [out[j], out[k]] = [out[k], out[j]];
        }
        break;
      case 3:
        out.splice(i, 0, this.junk());
        break;
      case 4:
        if (out.length > 0) out[Math.min(i, out.length - 1)] = this.junk();
        break;
      default: {
        // Bytes changed inside one token, never into a framing byte.
        if (out.length === 0) break;
        const j = this.int(out.length);
        const t = out[j];
        if (t.kind === "literal") {
          const data = t.data.slice();
          if (data.length > 0) data[this.int(data.length)] = this.int(256);
          out[j] = { ...t, data };
        } else if (t.text.length > 0) {
          const text = t.text.slice();
          text[this.int(text.length)] = safeByte(this);
          out[j] = { kind: "text", text };
        }
      }
    }
    return out;
  }
}

/** Any byte but the ones that frame commands: CR, LF, DQUOTE, backslash, braces. */
function safeByte(g: Generator): number {
  for (;;) {
    const b = g.chance(0.5)
      ? g.int(256)
      : g.pick([0, 1, 0x1b, 0x7f, 0x80, 0xff, 0x25, 0x2a, 0x28, 0x29, 0x5b, 0x5d, 0x20]);
    if (![0x0d, 0x0a, 0x22, 0x5c, 0x7b, 0x7d].includes(b)) return b;
  }
}

function randomAtom(g: Generator): Uint8Array {
  const out = new Uint8Array(1 + g.int(40));
  for (let i = 0; i < out.length; i++) out[i] = safeByte(g);
  return out;
}

function randomBytes(g: Generator, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = g.int(256);
  return out;
}

/**
 * The wire form of a command, cut where a synchronizing literal needs the
 * server's "+": each part but the last ends with a `{N}` header and CRLF.
 */
export function serialize(tag: string, cmd: FuzzCommand): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let cur: Uint8Array[] = [enc.encode(`${tag} ${cmd.name}`)];
  for (const t of cmd.tokens) {
    cur.push(SP);
    if (t.kind === "text") {
      cur.push(t.text);
      continue;
    }
    cur.push(enc.encode(`${t.eight ? "~" : ""}{${t.data.length}${t.sync ? "" : "+"}}\r\n`));
    if (t.sync) {
      parts.push(concatBytes(cur));
      cur = [];
    }
    cur.push(t.data);
  }
  cur.push(CRLF);
  parts.push(concatBytes(cur));
  return parts;
}

const SP = Uint8Array.of(0x20);
const CRLF = Uint8Array.of(0x0d, 0x0a);
