/**
 * CANCELUPDATE (RFC 5267 §4.3.5, §5) into typed arguments.
 *
 * command-select =/ "CANCELUPDATE" 1*(SP quoted)
 */
import type { CommandParser } from "../../wire/parser.ts";

export interface CancelUpdateArgs {
  /** The tags of the searching commands whose updates stop. */
  tags: string[];
}

export function parseCancelUpdate(p: CommandParser): CancelUpdateArgs {
  const tags: string[] = [];
  do {
    p.sp();
    tags.push(p.string());
  } while (!p.done);
  return { tags };
}
