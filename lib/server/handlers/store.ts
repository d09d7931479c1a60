/**
 * STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8): one store call changes
 * the flags of the whole set; unless .SILENT, each message of the set then
 * gets an untagged FETCH with its flags (UID too for UID STORE), written
 * by the one FETCH writer (which announces new keywords with FLAGS first).
 */
import type { CommandContext } from "../context.ts";
import type { StoreArgs } from "../../protocol/commands/store.ts";
import type { FetchItem } from "../../protocol/commands/fetch.ts";
import { no } from "../../protocol/errors.ts";
import { selectedOf, userOf } from "../access.ts";
import { countUids } from "../uid_set.ts";

export function handleStore(ctx: CommandContext, args: StoreArgs): Promise<void> {
  return storeFlags(ctx, args, false);
}

export function handleUidStore(ctx: CommandContext, args: StoreArgs): Promise<void> {
  return storeFlags(ctx, args, true);
}

const FLAGS_ITEM: readonly FetchItem[] = [{ kind: "flags" }];

async function storeFlags(ctx: CommandContext, args: StoreArgs, uid: boolean): Promise<void> {
  const mailbox = selectedOf(ctx);
  const uids = mailbox.resolveSet(args.set, uid ? "uid" : "seq");
  // A mailbox opened with EXAMINE is read-only (RFC 3501 §6.3.2).
  if (mailbox.readOnly) throw no("Mailbox is read-only");
  if (uids.length === 0) return;
  const account = userOf(ctx).account;
  const mailboxId = mailbox.info.id;
  const result = await account.storeFlags(mailboxId, uids, args.mode, args.flags);
  // A keyword this STORE brought in is announced now, .SILENT or not (as Dovecot does).
  if (args.mode !== "remove" && result.changed.length > 0) {
    mailbox.announceKeywords(ctx.enc, args.flags);
  }

  // Our own change comes back through the mailbox's event stream: the
  // client either gets it now or asked not to (.SILENT), so it is never
  // sent again as an unsolicited update.
  for (const change of result.changed) mailbox.forgetFlags(change.uid);
  if (args.silent) return;

  // RFC 3501 §6.4.6: the untagged FETCH carries the flags of every message
  // in the set, changed or not. When the store changed them all, its answer
  // has every message's flags; otherwise one query reads the set's flags.
  if (result.changed.length === countUids(uids)) {
    for (const change of result.changed) await answer(ctx, change.uid, change.flags, uid);
    return;
  }
  for await (const record of account.fetch(mailboxId, uids, { flags: true })) {
    await answer(ctx, record.uid, record.flags ?? [], uid);
  }
}

async function answer(
  ctx: CommandContext,
  uid: number,
  flags: readonly string[],
  withUid: boolean,
): Promise<void> {
  const mailbox = selectedOf(ctx);
  const seq = mailbox.seqOf(uid);
  if (seq === 0) return;
  mailbox.writeFetch(ctx.enc, seq, { uid, flags }, FLAGS_ITEM, { uid: withUid });
  mailbox.forgetFlags(uid);
  await ctx.maybeFlush();
}
