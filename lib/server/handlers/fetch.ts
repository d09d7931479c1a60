/**
 * FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8): resolve the set against
 * this session's view, set \Seen when a body is read (one store call for
 * the whole set), then stream one FETCH response per message in UID
 * order, flushing as output accumulates so FETCH 1:* over a large mailbox
 * keeps memory bounded.
 */
import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import type { FetchArgs } from "../../protocol/commands/fetch.ts";
import { setsSeen } from "../../protocol/commands/fetch.ts";
import { neededFields, writeFetchResponse } from "../../protocol/fetch_response.ts";
import { bad } from "../../protocol/errors.ts";
import { type SequenceSet, STAR } from "../../protocol/sequence_set.ts";
import type { UidSet } from "../../store/mail_store.ts";
import type { SelectedMailbox } from "../selected_mailbox.ts";
import type { User } from "../session.ts";

export function handleFetch(conn: Connection, args: FetchArgs): Promise<Completion | void> {
  return fetchMessages(conn, args, false);
}

export function handleUidFetch(conn: Connection, args: FetchArgs): Promise<Completion | void> {
  return fetchMessages(conn, args, true);
}

/** The selected mailbox and its user; the command table admits these commands only there. */
export function selected(conn: Connection): { user: User; mailbox: SelectedMailbox } {
  if (conn.state.kind !== "selected") throw new Error("No mailbox is selected");
  return conn.state;
}

/**
 * The UIDs a FETCH/STORE set names in this session's view. Sequence
 * numbers past the end are a client error (RFC 3501 §9 allows BAD;
 * Dovecot answers "BAD Error in IMAP command FETCH: Invalid messageset"),
 * "*" in an empty mailbox included. UIDs the session has not been told of
 * yet (above its largest known UID) are left out: they have no sequence
 * number to answer with.
 */
export function resolveSet(mailbox: SelectedMailbox, set: SequenceSet, uid: boolean): UidSet {
  if (uid) {
    const max = mailbox.maxUid;
    return mailbox.uidsForUidSet(set).filter((r) => r.from <= max).map((r) => ({
      from: r.from,
      to: Math.min(r.to, max),
    }));
  }
  const count = mailbox.count;
  const outside = set.find((r) =>
    r.from > count || r.to > count || (count === 0 && (r.from === STAR || r.to === STAR))
  );
  if (outside) {
    throw bad(`Invalid messageset "${formatRange(outside)}": the mailbox has ${count} messages`);
  }
  return mailbox.uidsForSeqSet(set);
}

function formatRange(r: { from: number; to: number }): string {
  const n = (v: number) => (v === STAR ? "*" : String(v));
  return r.from === r.to ? n(r.from) : `${n(r.from)}:${n(r.to)}`;
}

async function fetchMessages(
  conn: Connection,
  args: FetchArgs,
  uid: boolean,
): Promise<Completion | void> {
  const { user, mailbox } = selected(conn);
  const uids = resolveSet(mailbox, args.set, uid);
  if (uids.length === 0) return;
  const account = user.account;
  const mailboxId = mailbox.info.id;

  // RFC 3501 §6.4.5: BODY[...] (not PEEK), RFC822 and RFC822.TEXT set \Seen,
  // and the FETCH response should then carry the new FLAGS. Done before
  // reading, in one call, so the FLAGS we send are the stored ones.
  let seenSet = new Set<number>();
  if (setsSeen(args.items) && !mailbox.readOnly) {
    const result = await account.storeFlags(mailboxId, uids, "add", ["\\Seen"]);
    seenSet = new Set(result.changed.map((c) => c.uid));
  }

  const fields = neededFields(args.items);
  if (seenSet.size > 0) fields.flags = true;
  const sendsFlags = !!fields.flags;
  let expected = uid ? 0 : countUids(uids);
  for await (const record of account.fetch(mailboxId, uids, fields)) {
    const seq = mailbox.seqOf(record.uid);
    if (seq === 0) continue;
    if (!uid) expected--;
    writeFetchResponse(conn.enc, seq, record, args.items, {
      uid,
      flags: seenSet.has(record.uid),
    });
    // This answer carries the message's current flags: a pending change
    // (our own \Seen among them) need not be sent again.
    if (sendsFlags) mailbox.forgetFlags(record.uid);
    await conn.maybeFlush();
  }
  // A message expunged by another session keeps its sequence number here
  // until this session is told, but the store no longer has it: RFC 3501
  // §7.4.1 lets us leave it out, and the tagged OK says so (RFC 5530).
  if (expected > 0) return { code: "EXPUNGEISSUED", text: "Some messages were expunged" };
}

function countUids(uids: UidSet): number {
  let n = 0;
  for (const r of uids) n += r.to - r.from + 1;
  return n;
}
