import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import type { CopyArgs } from "../../protocol/commands/copy.ts";
import { bad, no } from "../../protocol/errors.ts";
import { formatUidList } from "../../protocol/sequence_set.ts";
import type { UidSet } from "../../store/mail_store.ts";
import type { SelectedMailbox } from "../selected_mailbox.ts";
import { existingMailbox, selectedOf, userOf } from "./_mailbox.ts";

function sourceUids(mailbox: SelectedMailbox, args: CopyArgs, byUid: boolean): UidSet {
  if (byUid) return mailbox.uidsForUidSet(args.set);
  if (!mailbox.seqSetInRange(args.set)) throw bad("Invalid message sequence number");
  return mailbox.uidsForSeqSet(args.set);
}

/** COPY (RFC 3501 §6.4.7) with COPYUID (RFC 4315 §3). */
async function copy(conn: Connection, args: CopyArgs, byUid: boolean): Promise<Completion> {
  const mailbox = selectedOf(conn);
  const uids = sourceUids(mailbox, args, byUid);
  const dest = await existingMailbox(conn, args.mailbox, "TRYCREATE");
  if (uids.length === 0) return {};
  const result = await userOf(conn).account.copy(mailbox.info.id, uids, dest.id);
  if (result.sourceUids.length === 0) return {};
  return {
    code: `COPYUID ${result.uidValidity} ${formatUidList(result.sourceUids)} ${
      formatUidList(result.destUids)
    }`,
    text: "COPY completed",
  };
}

/**
 * MOVE (RFC 6851 §3): atomic in the store; the client sees an untagged
 * OK [COPYUID], then the EXPUNGE responses, then the tagged OK.
 */
async function move(conn: Connection, args: CopyArgs, byUid: boolean): Promise<Completion> {
  const mailbox = selectedOf(conn);
  if (mailbox.readOnly) throw no("The mailbox is read-only", "READ-ONLY");
  const uids = sourceUids(mailbox, args, byUid);
  const dest = await existingMailbox(conn, args.mailbox, "TRYCREATE");
  if (uids.length === 0) return {};
  const result = await userOf(conn).account.move(mailbox.info.id, uids, dest.id);
  if (result.sourceUids.length === 0) return {};
  conn.enc.untagged().atom(
    `OK [COPYUID ${result.uidValidity} ${formatUidList(result.sourceUids)} ${
      formatUidList(result.destUids)
    }] Moved`,
  ).crlf();
  mailbox.expungeOwn(result.sourceUids, conn.enc);
  return { text: "MOVE completed" };
}

export const handleCopy = (conn: Connection, args: CopyArgs) => copy(conn, args, false);
export const handleUidCopy = (conn: Connection, args: CopyArgs) => copy(conn, args, true);
export const handleMove = (conn: Connection, args: CopyArgs) => move(conn, args, false);
export const handleUidMove = (conn: Connection, args: CopyArgs) => move(conn, args, true);
