import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { parseDateTime } from "../date_time.ts";
import { canonicalFlags } from "../flags.ts";

/**
 * append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
 * (RFC 3501 §6.3.11)
 */
export interface AppendArgs {
  mailbox: string;
  /** Canonical system flags (no \Recent) and keywords, without duplicates. */
  flags: string[];
  internalDate: Date | null;
  message: Uint8Array;
}

export function parseAppend(p: CommandParser): AppendArgs {
  p.sp();
  const mailbox = p.astring();
  p.sp();
  let flags: string[] = [];
  if (p.peek() === 0x28) {
    flags = canonicalFlags(p.list(() => p.flag()));
    p.sp();
  }
  let internalDate: Date | null = null;
  if (p.peek() === 0x22) {
    internalDate = parseDateTime(p.string());
    p.sp();
  }
  if (!p.atLiteral()) throw new ParseError("APPEND needs the message as a literal");
  const message = p.literal();
  // MULTIAPPEND (RFC 3502) is not offered: one message per command.
  if (!p.done) throw new ParseError("Only one message per APPEND");
  return { mailbox, flags, internalDate, message };
}
