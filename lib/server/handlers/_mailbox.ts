/** Helpers the mailbox handlers share. */
import type { Connection } from "../connection.ts";
import type { User } from "../session.ts";
import type { MailboxInfo } from "../../store/mail_store.ts";
import { mailboxFromWire } from "../../protocol/mailbox_name.ts";
import { no } from "../../protocol/errors.ts";
import type { SelectedMailbox } from "../selected_mailbox.ts";

export function userOf(conn: Connection): User {
  const s = conn.state;
  if (s.kind !== "authenticated" && s.kind !== "selected") throw new Error("No user in this state");
  return s.user;
}

export function selectedOf(conn: Connection): SelectedMailbox {
  if (conn.state.kind !== "selected") throw new Error("No mailbox selected");
  return conn.state.mailbox;
}

/** Whether names travel as UTF-8 (ENABLE UTF8=ACCEPT, RFC 6855). */
export function utf8Names(conn: Connection): boolean {
  return conn.enabled.has("UTF8=ACCEPT");
}

/** Looks up an existing mailbox by its wire name; NO [NONEXISTENT] (or TRYCREATE) when absent. */
export async function existingMailbox(
  conn: Connection,
  wire: string,
  missingCode: "NONEXISTENT" | "TRYCREATE" = "NONEXISTENT",
): Promise<MailboxInfo> {
  const name = mailboxFromWire(wire, utf8Names(conn));
  const info = await userOf(conn).account.getMailbox(name);
  if (!info) throw no(`Mailbox "${wire}" does not exist`, missingCode);
  return info;
}

/** Leaves the selected state (no EXPUNGE responses), going back to authenticated. */
export function deselect(conn: Connection): void {
  if (conn.state.kind !== "selected") return;
  conn.state.mailbox.close();
  conn.state = { kind: "authenticated", user: conn.state.user };
}
