import type { Connection } from "../connection.ts";
import { deselect, selectedOf, userOf } from "./_mailbox.ts";

/** CLOSE (RFC 3501 §6.4.2): expunges silently unless read-only, then deselects. */
export async function handleClose(conn: Connection): Promise<void> {
  const mailbox = selectedOf(conn);
  if (!mailbox.readOnly && !mailbox.deleted) {
    await userOf(conn).account.expunge(mailbox.info.id);
  }
  deselect(conn);
}

/** UNSELECT (RFC 3691): deselects without expunging. */
export function handleUnselect(conn: Connection): Promise<void> {
  deselect(conn);
  return Promise.resolve();
}

/** CHECK (RFC 3501 §6.4.1): a checkpoint; we use it to deliver pending updates. */
export async function handleCheck(conn: Connection): Promise<void> {
  await conn.pollMailbox();
}
