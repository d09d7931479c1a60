/**
 * STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8): one store call changes
 * the flags of the whole set; unless .SILENT, each message of the set then
 * gets an untagged FETCH with its flags (UID too for UID STORE), written
 * by the one FETCH writer (which announces new keywords with FLAGS first).
 *
 * CONDSTORE (RFC 7162 §3.1.3): with UNCHANGEDSINCE, a message whose MODSEQ
 * is above the value is left alone and named in the tagged OK's
 * [MODIFIED set]; the changed ones get a FETCH with MODSEQ even under
 * .SILENT. Once CONDSTORE is on, every FETCH with FLAGS carries MODSEQ.
 */
import type { CommandContext, Completion } from "../context.ts";
import type { StoreArgs } from "../../protocol/commands/store.ts";
import type { FetchItem } from "../../protocol/commands/fetch.ts";
import { no } from "../../protocol/errors.ts";
import type { UidSet } from "../../store/mail_store.ts";
import { selectedOf, userOf } from "../access.ts";
import { countUids } from "../uid_set.ts";
import { enableCondstore } from "../condstore.ts";

export function handleStore(ctx: CommandContext, args: StoreArgs): Promise<Completion | void> {
  return storeFlags(ctx, args, false);
}

export function handleUidStore(ctx: CommandContext, args: StoreArgs): Promise<Completion | void> {
  return storeFlags(ctx, args, true);
}

const FLAGS_ITEM: readonly FetchItem[] = [{ kind: "flags" }];
const MODSEQ_ITEM: readonly FetchItem[] = [{ kind: "modSeq" }];

async function storeFlags(
  ctx: CommandContext,
  args: StoreArgs,
  uid: boolean,
): Promise<Completion | void> {
  const mailbox = selectedOf(ctx);
  const uids = mailbox.resolveSet(args.set, uid ? "uid" : "seq");
  // A mailbox opened with EXAMINE is read-only (RFC 3501 §6.3.2).
  if (mailbox.readOnly) throw no("Mailbox is read-only");
  const since = args.unchangedSince;
  if (since !== undefined) enableCondstore(ctx);
  if (uids.length === 0) return;
  const account = userOf(ctx).account;
  const mailboxId = mailbox.info.id;
  const result = await account.storeFlags(
    mailboxId,
    uids,
    args.mode,
    args.flags,
    since === undefined ? undefined : { unchangedSince: since },
  );
  // A keyword this STORE brought in is announced now, .SILENT or not (as Dovecot does).
  if (args.mode !== "remove" && result.changed.length > 0) {
    mailbox.announceKeywords(ctx.enc, args.flags);
  }

  // Our own change comes back through the mailbox's event stream: the
  // client either gets it now or asked not to (.SILENT), so it is never
  // sent again as an unsolicited update.
  for (const change of result.changed) mailbox.forgetFlags(change.uid);
  // Live results (RFC 5267 §4.3) look again before the tagged reply, not when the event comes.
  if (result.changed.length > 0) mailbox.generation++;
  const completion = modified(ctx, result.modified, uid);
  if (args.silent) {
    // RFC 7162 §3.1.3: a conditional STORE answers each change with its
    // MODSEQ even under .SILENT (Example 6: "* 5 FETCH (MODSEQ (...))").
    if (since !== undefined) {
      for (const c of result.changed) {
        const seq = mailbox.seqOf(c.uid);
        if (seq === 0) continue;
        mailbox.writeFetch(ctx.enc, seq, { uid: c.uid, modSeq: c.modSeq }, MODSEQ_ITEM, { uid });
        await ctx.maybeFlush();
      }
    }
    return completion;
  }

  // RFC 3501 §6.4.6: the untagged FETCH carries the flags of every message
  // in the set, changed or not (those that failed UNCHANGEDSINCE are named
  // by MODIFIED instead). When the store changed them all, its answer has
  // every message's flags; otherwise one query reads the set's flags.
  if (result.changed.length === countUids(uids)) {
    for (const c of result.changed) await answer(ctx, c.uid, c.flags, c.modSeq, uid);
    return completion;
  }
  const failed = new Set(result.modified);
  const fields = { flags: true, modSeq: mailbox.condstore };
  for await (const record of account.fetch(mailboxId, uids as UidSet, fields)) {
    if (failed.has(record.uid)) continue;
    await answer(ctx, record.uid, record.flags ?? [], record.modSeq, uid);
  }
  return completion;
}

/** RFC 7162 §3.1.3: [MODIFIED set], message numbers for STORE, UIDs for UID STORE. */
function modified(ctx: CommandContext, uids: readonly number[], byUid: boolean): Completion | void {
  if (uids.length === 0) return;
  const mailbox = selectedOf(ctx);
  const set = byUid
    ? [...uids].sort((a, b) => a - b)
    : uids.map((u) => mailbox.seqOf(u)).filter((s) => s > 0).sort((a, b) => a - b);
  if (set.length === 0) return;
  return { code: { code: "MODIFIED", set }, text: "Conditional STORE failed" };
}

async function answer(
  ctx: CommandContext,
  uid: number,
  flags: readonly string[],
  modSeq: number | undefined,
  withUid: boolean,
): Promise<void> {
  const mailbox = selectedOf(ctx);
  const seq = mailbox.seqOf(uid);
  if (seq === 0) return;
  mailbox.writeFetch(ctx.enc, seq, { uid, flags, modSeq }, FLAGS_ITEM, { uid: withUid });
  mailbox.forgetFlags(uid);
  await ctx.maybeFlush();
}
