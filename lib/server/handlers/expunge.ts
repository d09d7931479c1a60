import type { Connection } from "../connection.ts";
import type { ExpungeArgs } from "../../protocol/commands/expunge.ts";
import { no } from "../../protocol/errors.ts";
import { selectedOf, userOf } from "./_mailbox.ts";

/** EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1). */
export async function handleExpunge(conn: Connection, args: ExpungeArgs): Promise<void> {
  const mailbox = selectedOf(conn);
  if (mailbox.readOnly) throw no("The mailbox is read-only", "READ-ONLY");
  const uids = args.uids ? mailbox.uidsForUidSet(args.uids) : undefined;
  const expunged = await userOf(conn).account.expunge(mailbox.info.id, uids);
  mailbox.expungeOwn(expunged, conn.enc);
}
