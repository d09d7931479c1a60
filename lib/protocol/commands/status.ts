import { type CommandParser, ParseError } from "../../wire/parser.ts";

/**
 * status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
 * (RFC 3501 §6.3.10; APPENDLIMIT from RFC 7889)
 */
export const STATUS_ITEMS = [
  "MESSAGES",
  "RECENT",
  "UIDNEXT",
  "UIDVALIDITY",
  "UNSEEN",
  "APPENDLIMIT",
];

export interface StatusArgs {
  mailbox: string;
  items: string[];
}

export function parseStatus(p: CommandParser): StatusArgs {
  p.sp();
  const mailbox = p.astring();
  p.sp();
  const items = p.list(() => {
    const item = p.atom().toUpperCase();
    if (!STATUS_ITEMS.includes(item)) throw new ParseError(`Unknown STATUS item ${item}`);
    return item;
  }, false);
  p.end();
  return { mailbox, items };
}
