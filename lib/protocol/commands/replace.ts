/**
 * REPLACE and UID REPLACE (RFC 8508 §6) into typed arguments.
 *
 * replace     = "REPLACE" SP seq-number SP mailbox append-message
 * uid-replace = "UID" SP replace        (the number is a UID)
 * append-message as APPEND's (RFC 3502 §6.3.11, RFC 4466 §2.1.2): flags,
 * date-time and the message as literal, literal8 or UTF8 (literal8).
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { type SequenceSet, STAR } from "../sequence_set.ts";
import { type AppendMessage, parseAppendMessage } from "./append.ts";

export interface ReplaceArgs {
  /** The message to replace: one sequence number or UID ("*" as STAR), as a set of one. */
  target: SequenceSet;
  mailbox: string;
  message: AppendMessage;
}

export function parseReplace(p: CommandParser): ReplaceArgs {
  p.sp();
  const text = p.takeWhile((b) => (b >= 0x30 && b <= 0x39) || b === 0x2a, "a message number");
  let n: number;
  if (text === "*") n = STAR;
  else if (/^[1-9]\d{0,9}$/.test(text) && Number(text) <= 0xffffffff) n = Number(text);
  else throw new ParseError(`Invalid message number "${text}"`);
  p.sp();
  const mailbox = p.astring();
  p.sp();
  const message = parseAppendMessage(p, 1, "REPLACE");
  p.end();
  return { target: [{ from: n, to: n }], mailbox, message };
}
