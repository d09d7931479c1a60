import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, ParseError } from "../../wire/parser.ts";

/**
 * status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
 * (RFC 3501 §6.3.10; APPENDLIMIT from RFC 7889; SIZE from RFC 8438 §2;
 * DELETED and DELETED-STORAGE from RFC 9208 §4.3 (RFC 9051 §6.3.11 has DELETED);
 * HIGHESTMODSEQ from RFC 7162 §3.1.7, MAILBOXID from RFC 8474 §4.1)
 */
export const STATUS_ITEMS = [
  "MESSAGES",
  "RECENT",
  "UIDNEXT",
  "UIDVALIDITY",
  "UNSEEN",
  "APPENDLIMIT",
  "SIZE",
  "DELETED",
  "DELETED-STORAGE",
  "MAILBOXID",
  "HIGHESTMODSEQ",
];

export interface StatusArgs {
  mailbox: string;
  items: string[];
}

export function parseStatus(p: CommandParser): StatusArgs {
  p.sp();
  const mailbox = p.astring();
  p.sp();
  const items = parseStatusItems(p);
  p.end();
  return { mailbox, items };
}

/** "(" status-att *(SP status-att) ")", upper case; shared with LIST RETURN (STATUS ...). */
export function parseStatusItems(p: CommandParser): string[] {
  return p.list(() => {
    const item = p.atom().toUpperCase();
    if (!STATUS_ITEMS.includes(item)) throw new ParseError(`Unknown STATUS item ${item}`);
    return item;
  }, false);
}

/**
 * status-response = "STATUS" SP mailbox SP "(" [status-att-list] ")"
 * (RFC 3501 §7.2.4); `mailbox` is the name as it goes on the wire, and a
 * null value is NIL (APPENDLIMIT without a limit, RFC 7889 §4). A string
 * value is an objectid, written "(" objectid ")" (MAILBOXID, RFC 8474 §4.3).
 */
export function writeStatusResponse(
  enc: ResponseEncoder,
  mailbox: string,
  items: readonly [string, number | string | null][],
): void {
  enc.untagged().atom("STATUS ").astring(mailbox).atom(" (");
  items.forEach(([name, value], i) => {
    if (i > 0) enc.sp();
    enc.atom(name).sp();
    if (value === null) enc.nil();
    else if (typeof value === "string") enc.open().atom(value).close();
    else enc.number(value);
  });
  enc.atom(")").crlf();
}
