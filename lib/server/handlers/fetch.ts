/**
 * FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8): resolve the set against
 * this session's view, set \Seen when a body is read (one store call for
 * the whole set), then stream one FETCH response per message in UID
 * order, flushing as output accumulates so FETCH 1:* over a large mailbox
 * keeps memory bounded.
 *
 * CONDSTORE (RFC 7162 §3.1.4): MODSEQ is an item, CHANGEDSINCE narrows the
 * set to messages changed since (and adds MODSEQ); both turn CONDSTORE on,
 * after which FLAGS always come with MODSEQ. QRESYNC (§3.2.6): UID FETCH
 * (CHANGEDSINCE n VANISHED) first reports the set's expunged UIDs.
 */
import type { CommandContext, Completion } from "../context.ts";
import type { FetchArgs } from "../../protocol/commands/fetch.ts";
import { setsSeen } from "../../protocol/commands/fetch.ts";
import { neededFields, undecodableBinary } from "../../protocol/fetch_response.ts";
import { partialSlice } from "../../protocol/commands/search.ts";
import { resolveRanges, SAVED_RESULT } from "../../protocol/sequence_set.ts";
import { bad, no } from "../../protocol/errors.ts";
import { selectedOf, userOf } from "../access.ts";
import { countUids, uidSetOf } from "../uid_set.ts";
import { changedSinceKey, enableCondstore, writeVanishedEarlier } from "../condstore.ts";
import {
  dropHeld,
  planReadAhead,
  readAhead,
  readAheadFields,
  takeHeld,
} from "../fetch_read_ahead.ts";
import type { MessageFields, MessageRecord, UidSet } from "../../store/mail_store.ts";
import type { FetchItem } from "../../protocol/commands/fetch.ts";
import { indexAnswers, indexOf, type MailboxIndex } from "../mailbox_index.ts";

export function handleFetch(ctx: CommandContext, args: FetchArgs): Promise<Completion | void> {
  return fetchMessages(ctx, args, false);
}

export function handleUidFetch(ctx: CommandContext, args: FetchArgs): Promise<Completion | void> {
  return fetchMessages(ctx, args, true);
}

async function fetchMessages(
  ctx: CommandContext,
  args: FetchArgs,
  uid: boolean,
): Promise<Completion | void> {
  const mailbox = selectedOf(ctx);
  if (args.vanished) {
    // RFC 7162 §3.2.6: VANISHED only in UID FETCH, only with CHANGEDSINCE,
    // only once QRESYNC is on (§3.2.3); otherwise BAD.
    if (!uid) throw bad("VANISHED is allowed in UID FETCH only");
    if (args.changedSince === undefined) throw bad("VANISHED needs CHANGEDSINCE");
    if (!mailbox.qresync) throw bad("VANISHED needs ENABLE QRESYNC first");
  }
  let uids = mailbox.resolveSet(args.set, uid ? "uid" : "seq");
  if (args.partial) {
    // RFC 9394 §3.3: PARTIAL extends UID FETCH; it keeps the messages at
    // those positions among the ones the set names, counted in UID order.
    if (!uid) throw bad("PARTIAL is a UID FETCH modifier");
    const known = mailbox.knownUids(uids);
    const [start, end] = partialSlice(args.partial, known.length);
    uids = uidSetOf(known.slice(start, end));
  }
  const since = args.changedSince;
  const items = since !== undefined && !args.items.some((i) => i.kind === "modSeq")
    ? [...args.items, { kind: "modSeq" as const }]
    : args.items;
  if (since !== undefined || items.some((i) => i.kind === "modSeq")) enableCondstore(ctx);
  const account = userOf(ctx).account;
  const mailboxId = mailbox.info.id;
  if (args.vanished && since !== undefined) {
    // Expunged UIDs may lie above the largest UID left: "*" is the largest
    // UID this session has known of, not the largest one still here.
    // "$" (RFC 5182) names messages this session knows, so their UIDs stand.
    const named = args.set === SAVED_RESULT ? uids : resolveRanges(args.set, mailbox.highWater);
    await writeVanishedEarlier(ctx, mailbox, since, named);
  }
  if (uids.length === 0) return;
  let expected = uid ? 0 : countUids(uids);
  const index = indexOf(account, mailboxId);
  if (index && items.every((i) => FROM_INDEX.has(i.kind))) {
    // With CHANGEDSINCE every message answered has changed since, so its MODSEQ is known.
    const known = since !== undefined
      ? index.knowsChangesSince(uids, since)
      : index.knows(uids, items.some((i) => i.kind === "modSeq") || mailbox.condstore);
    if (known) {
      return await fetchFromIndex(ctx, index, uids, items, uid, since);
    }
  }
  const seen = setsSeen(items) && !mailbox.readOnly;
  if (since !== undefined) {
    expected = 0;
    // \Seen must go to the changed messages only, so they are found first;
    // otherwise the store picks them in the FETCH request itself.
    if (seen) {
      uids = uidSetOf(await account.search(mailboxId, changedSinceKey(uids, since)));
      if (uids.length === 0) return;
    }
  }

  // RFC 3501 §6.4.5: BODY[...] (not PEEK), RFC822 and RFC822.TEXT set \Seen,
  // and the FETCH response should then carry the new FLAGS. Done before
  // reading, in one call, so the FLAGS we send are the stored ones.
  let seenSet = new Set<number>();
  if (seen) {
    const result = await account.storeFlags(mailboxId, uids, "add", ["\\Seen"]);
    seenSet = new Set(result.changed.map((c) => c.uid));
  }

  const fields: MessageFields = neededFields(items);
  if (since !== undefined && !seen) fields.changedSince = since;
  // ENVELOPE and BODYSTRUCTURE as stored in this session's form (BODY, and
  // sections cut by the structure's offsets, need the structure itself).
  if (
    (fields.envelope || fields.bodyStructure) && !fields.content &&
    !items.some((i) => i.kind === "body")
  ) {
    fields.wireForm = ctx.enc.utf8 ? "utf8" : "ascii";
  }
  if (seenSet.size > 0) fields.flags = true;
  // RFC 7162 §3.1: once CONDSTORE is on, FLAGS travel with MODSEQ.
  if (fields.flags && mailbox.condstore) fields.modSeq = true;
  // What the store answers, the index learns (with the MODSEQ that orders it
  // against the events, mailbox_index.ts).
  const learn = index && fields.flags && !fields.changedSince ? index : null;
  if (learn) fields.modSeq = true;
  const asksFlags = items.some((i) => i.kind === "flags");
  const asksBinary = items.some((i) => i.kind === "binary" || i.kind === "binarySize");
  for await (const record of records(ctx, args, uids, fields)) {
    const seq = mailbox.seqOf(record.uid);
    if (seq === 0) continue;
    if (!uid) expected--;
    if (asksBinary) {
      // RFC 3516 §4.3.1, §4.5.1: an encoding we cannot undo fails the command, checked
      // before this message's response begins.
      const part = undecodableBinary(record, items);
      if (part) {
        const which = uid ? `UID ${record.uid}` : `message ${seq}`;
        throw no(
          `Cannot decode the Content-Transfer-Encoding of ${part} of ${which}`,
          "UNKNOWN-CTE",
        );
      }
    }
    learn?.learn(record);
    const addFlags = seenSet.has(record.uid);
    mailbox.writeFetch(ctx.enc, seq, record, items, { uid, flags: addFlags });
    // An answer with FLAGS carries the message's current flags: a pending
    // change (our own \Seen among them) need not be sent again.
    if (asksFlags || addFlags) mailbox.forgetFlags(record.uid);
    const flushing = ctx.maybeFlush();
    if (flushing) await flushing;
  }
  // A message expunged by another session keeps its sequence number here
  // until this session is told, but the store no longer has it: RFC 3501
  // §7.4.1 lets us leave it out, and the tagged OK says so (RFC 5530).
  if (expected > 0) return { code: "EXPUNGEISSUED", text: "Some messages were expunged" };
}

/** FETCH items the mailbox index answers (mailbox_index.ts). */
const FROM_INDEX = new Set(["uid", "flags", "modSeq"]);

/**
 * FETCH of UID, FLAGS and MODSEQ (CHANGEDSINCE too) from the mailbox's index: no store
 * request, and no record list: each response is written from the typed
 * arrays as the walk reaches it, so `UID FETCH 1:* (UID FLAGS)` of 100,000
 * messages holds one message's flags at a time. The index has every change
 * this process made and every change of other processes a poll has found
 * (mailbox_index.ts), as a session's own view does.
 */
async function fetchFromIndex(
  ctx: CommandContext,
  index: MailboxIndex,
  uids: UidSet,
  items: readonly FetchItem[],
  uid: boolean,
  since: number | undefined,
): Promise<Completion | void> {
  indexAnswers.fetch++;
  const mailbox = selectedOf(ctx);
  const asksFlags = items.some((i) => i.kind === "flags");
  const withModSeq = items.some((i) => i.kind === "modSeq") || (mailbox.condstore && asksFlags);
  // CHANGEDSINCE (RFC 7162 §3.1.4.1): only messages whose MODSEQ is above it,
  // and no EXPUNGEISSUED for the others.
  let expected = uid || since !== undefined ? 0 : countUids(uids);
  for (const r of uids) {
    const end = index.lowerBound(r.to + 1);
    for (let i = index.lowerBound(r.from); i < end; i++) {
      if (since !== undefined && index.modSeqAt(i) <= since) continue;
      const u = index.uidAt(i);
      const seq = mailbox.seqOf(u);
      if (seq === 0) continue;
      if (!uid) expected--;
      const msg: MessageRecord = { uid: u };
      if (asksFlags) msg.flags = index.flagsAt(i);
      if (withModSeq) msg.modSeq = index.modSeqAt(i);
      mailbox.writeFetch(ctx.enc, seq, msg, items, { uid });
      if (asksFlags) mailbox.forgetFlags(u);
      const flushing = ctx.maybeFlush();
      if (flushing) await flushing;
    }
  }
  if (expected > 0) return { code: "EXPUNGEISSUED", text: "Some messages were expunged" };
}

/**
 * The records to answer with: read ahead by an earlier FETCH of a pipelined
 * run, or read now, for this command alone or also for the FETCH commands
 * queued behind it (fetch_read_ahead.ts).
 */
function records(
  ctx: CommandContext,
  args: FetchArgs,
  uids: UidSet,
  fields: MessageFields,
): AsyncIterable<MessageRecord> | Iterable<MessageRecord> {
  const mailbox = selectedOf(ctx);
  const { account } = userOf(ctx);
  const id = mailbox.info.id;
  if (!readAheadFields(args)) {
    dropHeld(mailbox);
    return account.fetch(id, uids, fields);
  }
  const have = takeHeld(mailbox, uids, fields);
  if (have) return have;
  const plan = planReadAhead(ctx, mailbox, uids, fields);
  if (!plan) return account.fetch(id, uids, fields);
  return readAhead(mailbox, account.fetch(id, plan.uids, plan.fields), uids, plan);
}
