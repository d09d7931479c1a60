import type { Connection } from "../connection.ts";
import type { DeleteArgs } from "../../protocol/commands/delete.ts";
import { mailboxFromWire } from "../../protocol/mailbox_name.ts";
import { no } from "../../protocol/errors.ts";
import { deselect, userOf, utf8Names } from "./_mailbox.ts";

/**
 * DELETE (RFC 3501 §6.3.4): INBOX cannot be deleted; a mailbox with
 * children is removed with its messages and its children stay (LIST then
 * shows the name as \Noselect); deleting such a \Noselect name is NO.
 */
export async function handleDelete(conn: Connection, args: DeleteArgs): Promise<void> {
  const name = mailboxFromWire(args.mailbox, utf8Names(conn));
  if (name === "INBOX") throw no("INBOX cannot be deleted", "CANNOT");
  const account = userOf(conn).account;
  const info = await account.getMailbox(name);
  if (!info) {
    const all = await account.listMailboxes();
    if (all.some((m) => m.name.startsWith(name + "/"))) {
      throw no(`Mailbox "${args.mailbox}" has children and holds no messages of its own`, "CANNOT");
    }
    throw no(`Mailbox "${args.mailbox}" does not exist`, "NONEXISTENT");
  }
  if (conn.state.kind === "selected" && conn.state.mailbox.info.id === info.id) deselect(conn);
  await account.deleteMailbox(name);
}
