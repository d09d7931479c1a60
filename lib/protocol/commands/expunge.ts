import type { ResponseEncoder } from "../../wire/encoder.ts";
import type { CommandParser } from "../../wire/parser.ts";
import { type MessageSet, parseMessageSet } from "../sequence_set.ts";
import { formatUidList } from "../response.ts";

/** uid-expunge = "UID EXPUNGE" SP sequence-set (RFC 4315 §2.1); plain EXPUNGE takes nothing. */
export interface ExpungeArgs {
  uids: MessageSet | null;
}

export function parseExpunge(p: CommandParser): ExpungeArgs {
  p.end();
  return { uids: null };
}

export function parseUidExpunge(p: CommandParser): ExpungeArgs {
  p.sp();
  const uids = parseMessageSet(p);
  p.end();
  return { uids };
}

/** message-data: nz-number SP "EXPUNGE" (RFC 3501 §7.4.1) */
export function writeExpunge(enc: ResponseEncoder, seq: number): void {
  enc.untagged().number(seq).atom(" EXPUNGE").crlf();
}

/**
 * expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids (RFC 7162 §3.2.10):
 * UIDs, ascending, never empty.
 */
export function writeVanished(
  enc: ResponseEncoder,
  uids: readonly number[],
  earlier: boolean,
): void {
  enc.untagged().atom(earlier ? "VANISHED (EARLIER) " : "VANISHED ").atom(formatUidList(uids))
    .crlf();
}
