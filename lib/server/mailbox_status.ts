/**
 * STATUS items of one mailbox (RFC 3501 §6.3.10 and extensions), shared by
 * STATUS and by LIST ... RETURN (STATUS (...)) (RFC 5819), so both answer
 * the same items the same way.
 */
import type { CommandContext } from "./context.ts";
import { writeStatusResponse } from "../protocol/commands/status.ts";
import { mailboxToWire } from "../protocol/mailbox_name.ts";
import type { MailboxInfo, MailboxStatus } from "../store/mail_store.ts";
import { rev2, userOf, utf8Names } from "./access.ts";
import { bad } from "../protocol/errors.ts";
import { enableCondstore } from "./condstore.ts";

/** The value of each STATUS item (`STATUS_ITEMS`); null is NIL, a string an objectid. */
function valueOf(item: string, status: MailboxStatus, info: MailboxInfo): number | string | null {
  switch (item) {
    case "MESSAGES":
      return status.messages;
    case "RECENT":
      return status.recent;
    case "UIDNEXT":
      return status.uidNext;
    case "UIDVALIDITY":
      return status.uidValidity;
    case "UNSEEN":
      return status.unseen;
    case "APPENDLIMIT": // RFC 7889 §4
      return status.appendLimit;
    case "SIZE": // RFC 8438 §2: the total of the messages' RFC822.SIZE
      return status.size;
    case "DELETED": // RFC 9051 §6.3.11; RFC 9208 asks it of QUOTA=RES-MESSAGE servers
      return status.deleted;
    case "DELETED-STORAGE": // RFC 9208 (with QUOTA=RES-STORAGE): octets an EXPUNGE frees
      return status.deletedStorage;
    case "MAILBOXID": // RFC 8474 §4.3
      return info.objectId;
    case "HIGHESTMODSEQ": // RFC 7162 §3.1.7
      return status.highestModSeq;
    default:
      throw new Error(`No value for STATUS item ${item}`);
  }
}

/**
 * Refuses, before anything is written, items the session's protocol does
 * not have: IMAP4rev2's status-att has no RECENT (RFC 9051 §6.3.11, Appendix E).
 */
export function checkStatusItems(ctx: CommandContext, items: readonly string[]): void {
  if (rev2(ctx) && items.includes("RECENT")) {
    throw bad("STATUS item RECENT is not part of IMAP4rev2");
  }
}

/** Writes `* STATUS mailbox (item value ...)` for an existing mailbox. */
export async function writeMailboxStatus(
  ctx: CommandContext,
  info: MailboxInfo,
  items: readonly string[],
): Promise<void> {
  const status = await userOf(ctx).account.status(info.id);
  // RFC 7162 §3.1: asking for HIGHESTMODSEQ is a CONDSTORE enabling command.
  if (items.includes("HIGHESTMODSEQ")) enableCondstore(ctx);
  writeStatusResponse(
    ctx.enc,
    mailboxToWire(info.name, utf8Names(ctx)),
    items.map((i) => [i, valueOf(i, status, info)] as [string, number | string | null]),
  );
}
