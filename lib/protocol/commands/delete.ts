import type { CommandParser } from "../../wire/parser.ts";

/** delete = "DELETE" SP mailbox (RFC 3501 §6.3.4) */
export interface DeleteArgs {
  mailbox: string;
}

export function parseDelete(p: CommandParser): DeleteArgs {
  p.sp();
  const mailbox = p.astring();
  p.end();
  return { mailbox };
}
