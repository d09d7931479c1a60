import type { CommandParser } from "../../wire/parser.ts";

/** rename = "RENAME" SP mailbox SP mailbox (RFC 3501 §6.3.5) */
export interface RenameArgs {
  from: string;
  to: string;
}

export function parseRename(p: CommandParser): RenameArgs {
  p.sp();
  const from = p.astring();
  p.sp();
  const to = p.astring();
  p.end();
  return { from, to };
}
