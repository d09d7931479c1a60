/**
 * What CONDSTORE and QRESYNC (RFC 7162) share between handlers: turning
 * CONDSTORE on, by ENABLE or by any "CONDSTORE enabling command" (§3.1),
 * and the two QRESYNC answers that SELECT (QRESYNC ...) and UID FETCH
 * (CHANGEDSINCE ... VANISHED) both give (§3.2.5.1, §3.2.6).
 */
import type { MessageRecord, SearchKey, UidSet } from "../store/mail_store.ts";
import { indexAnswers, indexOf, type MailboxIndex } from "./mailbox_index.ts";
import type { FetchItem } from "../protocol/commands/fetch.ts";
import { writeHighestModSeq } from "../protocol/commands/select.ts";
import { writeVanished } from "../protocol/commands/expunge.ts";
import type { CommandContext } from "./context.ts";
import { authenticatedOf, userOf } from "./access.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";

/**
 * Turns CONDSTORE on. When it was off and a mailbox is selected, the
 * client learns the mailbox's HIGHESTMODSEQ now (RFC 7162 §3.1.2.1: it
 * has not had it from SELECT); SELECT (CONDSTORE) sends it itself.
 * Returns whether it was off.
 */
export function enableCondstore(ctx: CommandContext, announce = true): boolean {
  const session = authenticatedOf(ctx);
  if (session.enabled.has("CONDSTORE")) return false;
  session.enabled.add("CONDSTORE");
  if (announce && ctx.state.kind === "selected") {
    writeHighestModSeq(ctx.enc, ctx.state.mailbox.modSeq);
  }
  return true;
}

/** `key` narrowed to messages changed after `since` (CHANGEDSINCE, RFC 7162 §3.1.4.1). */
export function changedSinceKey(uids: UidSet, since: number): SearchKey {
  return { type: "and", keys: [{ type: "uid", set: uids }, { type: "modSeq", min: since + 1 }] };
}

/**
 * VANISHED (EARLIER) (RFC 7162 §3.2.10.1) for the UIDs of `uids` expunged
 * after `since`; nothing when there are none. Goes before any FETCH of the
 * same command (§3.2.6).
 */
export async function writeVanishedEarlier(
  ctx: CommandContext,
  view: SelectedMailbox,
  since: number,
  uids: UidSet,
): Promise<void> {
  if (uids.length === 0) return;
  const gone = await userOf(ctx).account.vanished(view.info.id, since, uids);
  if (gone.length > 0) writeVanished(ctx.enc, gone, true);
}

// UID comes from the `uid` option (left out of UIDFETCH, RFC 9586 §3.3).
const CHANGED_ITEMS: readonly FetchItem[] = [{ kind: "flags" }, { kind: "modSeq" }];

/**
 * FETCH (UID FLAGS MODSEQ) of the messages of `uids` changed after `since`:
 * the flag half of a QRESYNC SELECT (§3.2.5.1). With `gone`, VANISHED
 * (EARLIER) of those UIDs comes first (§3.2.6), its request sent together
 * with the FETCH's so the store answers both in one turn.
 */
export async function writeChangedFlags(
  ctx: CommandContext,
  view: SelectedMailbox,
  since: number,
  uids: UidSet,
  gone: UidSet = [],
): Promise<void> {
  const account = userOf(ctx).account;
  const vanished = gone.length > 0 ? account.vanished(view.info.id, since, gone) : null;
  // The mailbox's index answers when it can (mailbox_index.ts); otherwise the
  // store picks the changed messages itself: one request, not a SEARCH and a FETCH.
  const index = indexOf(account, view.info.id);
  const fields = { flags: true, modSeq: true, changedSince: since };
  const records = uids.length === 0
    ? null
    : index?.knowsChangesSince(uids, since)
    ? changedInIndex(index, uids, since)
    : account.fetch(view.info.id, uids, fields)[Symbol.asyncIterator]();
  let next = records?.next();
  // Awaited below; a failure of the VANISHED request must not leave it unhandled.
  next?.catch(() => {});
  try {
    const expunged = await vanished;
    if (expunged && expunged.length > 0) writeVanished(ctx.enc, expunged, true);
    if (!records || !next) return;
    for (let r = await next; !r.done; r = await (next = records.next())) {
      const record = r.value;
      const seq = view.seqOf(record.uid);
      if (seq === 0) continue;
      view.writeFetch(ctx.enc, seq, record, CHANGED_ITEMS, { uid: true });
      view.forgetFlags(record.uid);
      await ctx.maybeFlush();
    }
  } finally {
    await records?.return?.();
  }
}

/** The messages of `uids` changed after `since`, from the index, as fetch records. */
async function* changedInIndex(
  index: MailboxIndex,
  uids: UidSet,
  since: number,
): AsyncGenerator<MessageRecord> {
  indexAnswers.fetch++;
  for (const r of uids) {
    const end = index.lowerBound(r.to + 1);
    for (let i = index.lowerBound(r.from); i < end; i++) {
      const modSeq = index.modSeqAt(i);
      if (modSeq > since) yield { uid: index.uidAt(i), flags: index.flagsAt(i), modSeq };
    }
  }
}
