import type { CommandParser } from "../../wire/parser.ts";

/**
 * select  = "SELECT" SP mailbox (RFC 3501 §6.3.1)
 * examine = "EXAMINE" SP mailbox (§6.3.2)
 * Select parameters (RFC 4466) are read but none is supported yet.
 */
export interface SelectArgs {
  mailbox: string;
}

export function parseSelect(p: CommandParser): SelectArgs {
  p.sp();
  const mailbox = p.astring();
  p.end();
  return { mailbox };
}
