import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import type { SelectArgs } from "../../protocol/commands/select.ts";
import { SYSTEM_FLAGS } from "../../store/mail_store.ts";
import { SelectedMailbox } from "../selected_mailbox.ts";
import { deselect, existingMailbox, userOf } from "./_mailbox.ts";

/** SELECT (RFC 3501 §6.3.1) and, with readOnly, EXAMINE (§6.3.2). */
async function open(conn: Connection, args: SelectArgs, readOnly: boolean): Promise<Completion> {
  const user = userOf(conn);
  // A SELECT that fails leaves no mailbox selected (§6.3.1).
  deselect(conn);
  const info = await existingMailbox(conn, args.mailbox);
  const snap = await user.account.select(info.id, { readOnly });
  const mailbox = new SelectedMailbox(snap.mailbox, snap.uids, readOnly);
  mailbox.setUnwatch(user.account.watch(info.id, (e) => mailbox.handleEvent(e)));
  conn.state = { kind: "selected", user, mailbox };

  const keywords = snap.flagsInUse.filter((f) => !f.startsWith("\\"));
  const flags = [...SYSTEM_FLAGS, ...keywords].join(" ");
  const enc = conn.enc;
  enc.untagged().atom(`FLAGS (${flags})`).crlf();
  enc.untagged().atom(
    readOnly
      ? "OK [PERMANENTFLAGS ()] No permanent flags permitted"
      : `OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted`,
  ).crlf();
  enc.untagged().number(snap.uids.length).atom(" EXISTS").crlf();
  enc.untagged().number(snap.recent).atom(" RECENT").crlf();
  if (snap.firstUnseenUid !== null) {
    const seq = mailbox.seqOf(snap.firstUnseenUid);
    if (seq > 0) enc.untagged().atom(`OK [UNSEEN ${seq}] First unseen`).crlf();
  }
  enc.untagged().atom(`OK [UIDVALIDITY ${snap.mailbox.uidValidity}] UIDs valid`).crlf();
  enc.untagged().atom(`OK [UIDNEXT ${snap.mailbox.uidNext}] Predicted next UID`).crlf();
  return {
    code: readOnly ? "READ-ONLY" : "READ-WRITE",
    text: `${readOnly ? "EXAMINE" : "SELECT"} completed`,
  };
}

export function handleSelect(conn: Connection, args: SelectArgs): Promise<Completion> {
  return open(conn, args, false);
}

export function handleExamine(conn: Connection, args: SelectArgs): Promise<Completion> {
  return open(conn, args, true);
}
