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
  content: Uint8Array;
  /** How the data came: `literal`, `literal8` (binary, RFC 3516) or `utf8` (RFC 6855 §4). */
  form: "literal" | "literal8" | "utf8";
}

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
