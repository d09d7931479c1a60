import type { CommandParser } from "../../wire/parser.ts";
import type { ResponseEncoder } from "../../wire/encoder.ts";
import { writeStatus } from "../response.ts";

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

/** mailbox-data: "FLAGS" SP flag-list (RFC 3501 §7.2.6) */
export function writeFlagsResponse(enc: ResponseEncoder, flags: readonly string[]): void {
  enc.untagged().atom("FLAGS ").flagList(flags).crlf();
}

/**
 * "* OK [PERMANENTFLAGS (...)]" (§7.1): the flags a client may store, with
 * "\*" when it may create keywords; none for a read-only mailbox.
 */
export function writePermanentFlags(
  enc: ResponseEncoder,
  flags: readonly string[],
  newKeywords: boolean,
): void {
  writeStatus(
    enc,
    null,
    "OK",
    { code: "PERMANENTFLAGS", flags, newKeywords },
    newKeywords || flags.length > 0 ? "Flags permitted" : "No permanent flags permitted",
  );
}

/** mailbox-data: number SP "EXISTS" (§7.3.1) */
export function writeExists(enc: ResponseEncoder, count: number): void {
  enc.untagged().number(count).atom(" EXISTS").crlf();
}

/** mailbox-data: number SP "RECENT" (§7.3.2) */
export function writeRecent(enc: ResponseEncoder, count: number): void {
  enc.untagged().number(count).atom(" RECENT").crlf();
}

/** What SELECT and EXAMINE say about the mailbox before their tagged OK (§6.3.1). */
export interface SelectData {
  flags: readonly string[];
  readOnly: boolean;
  exists: number;
  recent: number;
  /** Sequence number of the first unseen message, or 0 for none. */
  firstUnseen: number;
  uidValidity: number;
  uidNext: number;
  /** MAILBOXID (RFC 8474 §4.2). */
  objectId: string;
}

export function writeSelectResponses(enc: ResponseEncoder, d: SelectData): void {
  writeFlagsResponse(enc, d.flags);
  writePermanentFlags(enc, d.readOnly ? [] : d.flags, !d.readOnly);
  writeExists(enc, d.exists);
  writeRecent(enc, d.recent);
  if (d.firstUnseen > 0) {
    writeStatus(enc, null, "OK", { code: "UNSEEN", seq: d.firstUnseen }, "First unseen");
  }
  // RFC 8474 §4.2: an untagged OK [MAILBOXID (...)] on every successful SELECT and EXAMINE.
  writeStatus(enc, null, "OK", { code: "MAILBOXID", objectId: d.objectId }, "Mailbox id");
  writeStatus(enc, null, "OK", { code: "UIDVALIDITY", uidValidity: d.uidValidity }, "UIDs valid");
  writeStatus(enc, null, "OK", { code: "UIDNEXT", uid: d.uidNext }, "Predicted next UID");
}
