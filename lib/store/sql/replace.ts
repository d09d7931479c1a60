/**
 * REPLACE (RFC 8508 §3.3): a new message appended to one mailbox and an old
 * one expunged from another (or the same), in one transaction, so a client
 * never sees both or neither. Not through the append queue: the expunge
 * must commit with the append or not at all, and REPLACE is rare enough
 * that its own transaction costs nothing worth grouping.
 */
import type { AppendInput, ReplaceResult } from "../mail_store.ts";
import { StoreError } from "../mail_store.ts";
import { type AccountContext, mailboxRow, selectRows } from "./context.ts";
import { indexAppends, insertAppend, prepareAppends } from "./append.ts";
import { removeRows } from "./expunge.ts";
import { overQuota } from "./quota.ts";
import { transact } from "./retry.ts";

export async function replaceMessage(
  ctx: AccountContext,
  mailboxId: number,
  uid: number,
  destMailboxId: number,
  input: AppendInput,
): Promise<ReplaceResult> {
  const [job] = await prepareAppends(ctx, destMailboxId, [input]);
  const files = ctx.options.files;
  files?.hold(job.hash);
  try {
    if (files) await files.write(job.hash, job.fileData!);
    // transact(): run again on a serialization failure, deadlock or BUSY (retry.ts).
    const result = await transact(ctx.db, async (trx) => {
      // Both mailbox rows first, in id order (on PostgreSQL they are locked until the end).
      for (const id of [...new Set([mailboxId, destMailboxId])].sort((a, b) => a - b)) {
        await mailboxRow(ctx, trx, id);
      }
      const [old] = await selectRows(ctx, trx, mailboxId, [{ from: uid, to: uid }]);
      if (!old) throw new StoreError("NONEXISTENT", `Message UID ${uid} no longer exists`);
      // RFC 8508 §3.3 with RFC 9208: the old message leaves as the new one
      // comes, so the quota sees only the difference.
      const full = await overQuota(trx, ctx.accountId, ctx.options.quota, 0, job.size - old.size);
      if (full) throw full;
      if (job.fileData && files) await files.write(job.hash, job.fileData);
      const added = await insertAppend(trx, job, ctx.options.disableRecent);
      if (added instanceof StoreError) throw added;
      await indexAppends(trx, [job], [added]);
      // Read again: an append into the same mailbox has just raised its MODSEQ.
      const before = await mailboxRow(ctx, trx, mailboxId);
      const modSeq = before.highest_modseq + 1;
      const hashes = await removeRows(ctx, trx, mailboxId, [old], modSeq);
      return { added, before, modSeq, hashes };
    });
    const { added, before, modSeq, hashes } = result;
    await files?.remove(hashes);
    ctx.bus.publish(
      { type: "append", mailboxId: destMailboxId, uids: [added.uid], modSeq: added.modSeq },
      added.modSeq - 1,
      { modSeq: added.modSeq, uidNext: added.uid + 1, name: added.name },
    );
    ctx.bus.publish(
      { type: "expunge", mailboxId, uids: [uid], modSeq },
      before.highest_modseq,
      { modSeq, uidNext: before.uid_next, name: before.name },
    );
    return {
      uid: added.uid,
      uidValidity: added.uidValidity,
      modSeq: added.modSeq,
      expungeModSeq: modSeq,
    };
  } finally {
    files?.unhold(job.hash);
  }
}
