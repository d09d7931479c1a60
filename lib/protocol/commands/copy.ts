import type { CommandParser } from "../../wire/parser.ts";
import { type MessageSet, parseMessageSet } from "../sequence_set.ts";

/**
 * copy = "COPY" SP sequence-set SP mailbox (RFC 3501 §6.4.7)
 * move = "MOVE" SP sequence-set SP mailbox (RFC 6851 §3), and their UID forms.
 */
export interface CopyArgs {
  set: MessageSet;
  mailbox: string;
}

export function parseCopy(p: CommandParser): CopyArgs {
  p.sp();
  const set = parseMessageSet(p);
  p.sp();
  const mailbox = p.astring();
  p.end();
  return { set, mailbox };
}
