import type { Connection } from "../connection.ts";
import type { StatusArgs } from "../../protocol/commands/status.ts";
import { mailboxToWire } from "../../protocol/mailbox_name.ts";
import { existingMailbox, userOf, utf8Names } from "./_mailbox.ts";

/** STATUS (RFC 3501 §6.3.10), with APPENDLIMIT (RFC 7889 §4). */
export async function handleStatus(conn: Connection, args: StatusArgs): Promise<void> {
  const info = await existingMailbox(conn, args.mailbox);
  const status = await userOf(conn).account.status(info.id);
  const values: Record<string, string> = {
    MESSAGES: String(status.messages),
    RECENT: String(status.recent),
    UIDNEXT: String(status.uidNext),
    UIDVALIDITY: String(status.uidValidity),
    UNSEEN: String(status.unseen),
    APPENDLIMIT: status.appendLimit === null ? "NIL" : String(status.appendLimit),
  };
  const items = args.items.map((i) => `${i} ${values[i]}`).join(" ");
  conn.enc.untagged().atom("STATUS ").astring(mailboxToWire(info.name, utf8Names(conn)))
    .atom(` (${items})`).crlf();
}
