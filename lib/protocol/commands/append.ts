import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { parseDateTime } from "../date_time.ts";
import { canonicalFlags } from "../flags.ts";

/**
 * append         = "APPEND" SP mailbox 1*append-message      (RFC 3502 §6.3.11)
 * append-message = append-opts SP append-data
 * append-opts    = [SP flag-list] [SP date-time]
 * append-data    = literal                                   (RFC 3501 §6.3.11)
 *                / literal8                                  (RFC 3516 §4.4)
 *                / "UTF8" SP "(" literal8 ")"                (RFC 6855 §4)
 *                / "CATENATE" SP "(" cat-part *(SP cat-part) ")"   (RFC 4469 §5)
 * cat-part       = "TEXT" SP literal / "URL" SP astring
 *                  (TEXT also takes a literal8, as APPEND does with BINARY)
 *
 * With one message this is RFC 3501's APPEND; more make a MULTIAPPEND.
 */
export interface AppendArgs {
  mailbox: string;
  /** At least one, in the order sent. */
  messages: AppendMessage[];
}

export interface AppendMessage {
  /** Canonical system flags (no \Recent) and keywords, without duplicates. */
  flags: string[];
  internalDate: Date | null;
  /** The message; empty for CATENATE until the server has put its parts together. */
  content: Uint8Array;
  /**
   * How the data came: `literal`, `literal8` (binary, RFC 3516), `utf8`
   * (RFC 6855 §4) or `catenate` (RFC 4469, with `parts`).
   */
  form: "literal" | "literal8" | "utf8" | "catenate";
  /** CATENATE's parts in order (RFC 4469 §5). */
  parts?: CatPart[];
}

export type CatPart =
  | { kind: "text"; content: Uint8Array }
  /** The URL as the client sent it (RFC 4469 §5: an IMAP URL, RFC 5092). */
  | { kind: "url"; url: string };

export function parseAppend(p: CommandParser): AppendArgs {
  p.sp();
  const mailbox = p.astring();
  const messages: AppendMessage[] = [];
  do {
    p.sp();
    messages.push(parseAppendMessage(p, messages.length + 1));
  } while (!p.done);
  return { mailbox, messages };
}

/** One append-message, after its leading SP; `n` counts messages for error texts (REPLACE's too). */
export function parseAppendMessage(
  p: CommandParser,
  n: number,
  command: "APPEND" | "REPLACE" = "APPEND",
): AppendMessage {
  let flags: string[] = [];
  if (p.peek() === 0x28 /* ( */) {
    flags = canonicalFlags(p.list(() => p.flag()));
    p.sp();
  }
  let internalDate: Date | null = null;
  if (p.peek() === 0x22 /* " */) {
    internalDate = parseDateTime(p.string());
    p.sp();
  }
  if (p.atLiteral()) return { flags, internalDate, content: p.literal(), form: "literal" };
  if (p.atLiteral8()) return { flags, internalDate, content: p.literal8(), form: "literal8" };
  if (atWord(p, "CATENATE")) {
    p.pos += 8;
    p.sp();
    const parts = p.list(() => parseCatPart(p), false);
    return { flags, internalDate, content: new Uint8Array(0), form: "catenate", parts };
  }
  if (atUtf8(p)) {
    p.pos += 4;
    p.sp();
    p.expect("(");
    if (!p.atLiteral8()) {
      throw new ParseError(`${command} UTF8 needs a literal8 (~{n}) in parentheses`);
    }
    const content = p.literal8();
    p.expect(")");
    return { flags, internalDate, content, form: "utf8" };
  }
  const which = n === 1 ? "the message" : `message ${n}`;
  throw new ParseError(`${command} needs ${which} as a literal`);
}

/** Whether the keyword "UTF8" (any case) comes next, followed by SP. */
function atUtf8(p: CommandParser): boolean {
  const b = p.bytes;
  const i = p.pos;
  return i + 4 < b.length && (b[i] | 0x20) === 0x75 && (b[i + 1] | 0x20) === 0x74 &&
    (b[i + 2] | 0x20) === 0x66 && b[i + 3] === 0x38 && b[i + 4] === 0x20;
}

/** cat-part = text-literal / url (RFC 4469 §5). */
function parseCatPart(p: CommandParser): CatPart {
  const word = p.atom().toUpperCase();
  p.sp();
  if (word === "TEXT") {
    if (p.atLiteral()) return { kind: "text", content: p.literal() };
    if (p.atLiteral8()) return { kind: "text", content: p.literal8() };
    throw new ParseError("CATENATE TEXT needs a literal");
  }
  if (word === "URL") return { kind: "url", url: p.astring() };
  throw new ParseError(`Unknown CATENATE part "${word}" (TEXT or URL)`);
}

/** Whether `word` (upper case, any case in the command) comes next, followed by SP. */
function atWord(p: CommandParser, word: string): boolean {
  const b = p.bytes;
  const i = p.pos;
  if (i + word.length >= b.length || b[i + word.length] !== 0x20) return false;
  for (let k = 0; k < word.length; k++) {
    if ((b[i + k] & 0xdf) !== word.charCodeAt(k)) return false;
  }
  return true;
}
