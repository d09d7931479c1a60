/**
 * STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8): one store call changes
 * the flags of the whole set; unless .SILENT, each message of the set then
 * gets an untagged FETCH with its flags (UID too for UID STORE).
 */
import type { Connection } from "../connection.ts";
import type { StoreArgs } from "../../protocol/commands/store.ts";
import { writeFetchResponse } from "../../protocol/fetch_response.ts";
import { no } from "../../protocol/errors.ts";
import type { UidSet } from "../../store/mail_store.ts";
import { resolveSet, selected } from "./fetch.ts";

export function handleStore(conn: Connection, args: StoreArgs): Promise<void> {
  return storeFlags(conn, args, false);
}

export function handleUidStore(conn: Connection, args: StoreArgs): Promise<void> {
  return storeFlags(conn, args, true);
}

const FLAGS_ITEM = [{ kind: "flags" as const }];

async function storeFlags(conn: Connection, args: StoreArgs, uid: boolean): Promise<void> {
  const { user, mailbox } = selected(conn);
  const uids = resolveSet(mailbox, args.set, uid);
  // A mailbox opened with EXAMINE is read-only (RFC 3501 §6.3.2).
  if (mailbox.readOnly) throw no("Mailbox is read-only");
  if (uids.length === 0) return;
  const account = user.account;
  const mailboxId = mailbox.info.id;
  const result = await account.storeFlags(mailboxId, uids, args.mode, args.flags);

  // Our own change comes back through the mailbox's event stream: the
  // client either gets it now or asked not to (.SILENT), so it is never
  // sent again as an unsolicited update.
  for (const change of result.changed) mailbox.forgetFlags(change.uid);
  if (args.silent) return;

  // RFC 3501 §6.4.6: the untagged FETCH carries the flags of every message
  // in the set, changed or not. When the store changed them all, its answer
  // has every message's flags; otherwise one query reads the set's flags.
  if (result.changed.length === countUids(uids)) {
    for (const change of result.changed) await answer(conn, change.uid, change.flags, uid);
    return;
  }
  for await (const record of account.fetch(mailboxId, uids, { flags: true })) {
    await answer(conn, record.uid, record.flags ?? [], uid);
  }
}

async function answer(
  conn: Connection,
  uid: number,
  flags: readonly string[],
  withUid: boolean,
): Promise<void> {
  const { mailbox } = selected(conn);
  const seq = mailbox.seqOf(uid);
  if (seq === 0) return;
  writeFetchResponse(conn.enc, seq, { uid, flags }, FLAGS_ITEM, { uid: withUid });
  mailbox.forgetFlags(uid);
  await conn.maybeFlush();
}

function countUids(uids: UidSet): number {
  let n = 0;
  for (const r of uids) n += r.to - r.from + 1;
  return n;
}
