/** EXPUNGE, COPY and MOVE: the writes that remove messages or add many at once. */
import type { Transaction } from "kysely";
import type { CopyResult, UidSet } from "../mail_store.ts";
import { appendedFlags } from "../mail_store.ts";
import {
  type AccountContext,
  CHUNK,
  collectBodies,
  mailboxRow,
  type MessageRow,
  selectRows,
} from "./context.ts";
import { DELETED } from "./flags.ts";
import type { Db } from "./schema.ts";
import { normalizeUidSet, uidsToSet } from "./uid_ranges.ts";
import { addKeywords, applySlots, flaggedUids, slotOf } from "./uid_blocks.ts";
import { countInto, overQuota } from "./quota.ts";

export async function expunge(
  ctx: AccountContext,
  mailboxId: number,
  uids?: UidSet,
): Promise<number[]> {
  // A write job (context.ts): on SQLite it shares the next group commit with
  // the flag changes and \Recent claims queued beside it, one fsync for all.
  const result = await ctx.write(async (trx) => {
    const box = await mailboxRow(ctx, trx, mailboxId);
    const set = normalizeUidSet(uids ?? [{ from: 1, to: 0xffffffff }], box.uid_next - 1);
    // The index names the \Deleted messages: only their rows are read.
    const deleted = await flaggedUids(trx, mailboxId, set, DELETED);
    const rows = await selectRows(
      ctx,
      trx,
      mailboxId,
      uidsToSet(deleted),
      (r) => (r.system_flags & DELETED) !== 0,
    );
    if (rows.length === 0) return null;
    const modSeq = box.highest_modseq + 1;
    const hashes = await removeRows(ctx, trx, mailboxId, rows, modSeq);
    return { uids: rows.map((r) => r.uid), modSeq, box, hashes };
  });
  if (!result) return [];
  // Published before any other await: the jobs of one group commit settle in
  // MODSEQ order, and their events must reach the bus in that order too.
  ctx.bus.publish(
    { type: "expunge", mailboxId, uids: result.uids, modSeq: result.modSeq },
    result.box.highest_modseq,
    { modSeq: result.modSeq, uidNext: result.box.uid_next, name: result.box.name },
  );
  await ctx.options.files?.remove(result.hashes);
  return result.uids;
}

/** Deletes rows, leaves tombstones at `modSeq`, collects bodies; returns removed file hashes. */
export async function removeRows(
  ctx: AccountContext,
  trx: Transaction<Db>,
  mailboxId: number,
  rows: readonly MessageRow[],
  modSeq: number,
): Promise<string[]> {
  await trx.updateTable("mailboxes").set({ highest_modseq: modSeq }).where("id", "=", mailboxId)
    .execute();
  await countInto(trx, mailboxId, -rows.length, -sizeOf(rows));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK).map((r) => r.uid);
    await trx.deleteFrom("messages").where("mailbox_id", "=", mailboxId)
      .where(ctx.sql.inSet("uid", part)).execute();
    await trx.insertInto("expunged")
      .columns(["mailbox_id", "uid", "modseq"])
      .expression((eb) =>
        eb.selectFrom(ctx.sql.rows(part.map((u) => [u]), ["int"]).as("c"))
          .select((
            e,
          ) => [e.val(mailboxId).as("mailbox_id"), "c.c0" as never, e.val(modSeq).as("modseq")])
      )
      .execute(); // UIDs are never reused, so a tombstone never conflicts.
  }
  await applySlots(trx, mailboxId, new Map(rows.map((r) => [r.uid, 0])));
  return await collectBodies(ctx.sql, trx, [...new Set(rows.map((r) => r.body_id))]);
}

function sizeOf(rows: readonly MessageRow[]): number {
  let n = 0;
  for (const r of rows) n += r.size;
  return n;
}

/** COPY, or with `move` MOVE (copy then expunge of the source in one transaction, RFC 6851). */
export async function moveMessages(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  destMailboxId: number,
  move: boolean,
): Promise<CopyResult> {
  const disableRecent = ctx.options.disableRecent;
  // A write job, as EXPUNGE: an OVERQUOTA thrown inside undoes this job alone.
  const result = await ctx.write(async (trx) => {
    const src = await mailboxRow(ctx, trx, mailboxId);
    const dst = await mailboxRow(ctx, trx, destMailboxId);
    const set = normalizeUidSet(uids, src.uid_next - 1);
    const rows = await selectRows(ctx, trx, mailboxId, set);
    if (rows.length === 0) return null;
    const bytes = sizeOf(rows);
    // RFC 9208, RFC 5530 §3: a COPY that would pass the quota fails with OVERQUOTA and
    // copies nothing. A MOVE stays inside the account's one quota root, so
    // its usage does not change and it is never refused for quota.
    if (!move) {
      const full = await overQuota(trx, ctx.accountId, ctx.options.quota, rows.length, bytes);
      if (full) throw full;
    }
    await countInto(trx, destMailboxId, rows.length, bytes);
    const first = dst.uid_next;
    const dstModSeq = dst.highest_modseq + 1;
    await trx.updateTable("mailboxes")
      .set({ uid_next: first + rows.length, highest_modseq: dstModSeq })
      .where("id", "=", destMailboxId).execute();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK).map((r, j) => [
        first + i + j,
        r.body_id,
        r.internal_date,
        r.size,
        r.system_flags,
        r.keywords,
        r.sent_day,
      ]);
      await trx.insertInto("messages")
        .columns([
          "mailbox_id",
          "uid",
          "body_id",
          "internal_date",
          "size",
          "system_flags",
          "keywords",
          "modseq",
          "recent",
          "sent_day",
          "save_date",
        ])
        .expression((eb) =>
          eb.selectFrom(
            ctx.sql.rows(part, ["int", "int", "int", "int", "int", "text", "text"]).as("c"),
          ).select((e) => [
            e.val(destMailboxId).as("mailbox_id"),
            "c.c0" as never,
            "c.c1" as never,
            "c.c2" as never,
            "c.c3" as never,
            "c.c4" as never,
            "c.c5" as never,
            e.val(dstModSeq).as("modseq"),
            e.val(disableRecent ? 0 : 1).as("recent"),
            "c.c6" as never,
            // RFC 8514 §3: COPY and MOVE save the message into the destination now.
            e.val(Date.now()).as("save_date"),
          ])
        ).execute();
    }
    const keywords = new Set<string>();
    const slots = new Map<number, number>();
    rows.forEach((r, i) => {
      const kw = r.keywords === "[]" ? [] : JSON.parse(r.keywords) as string[];
      for (const k of kw) keywords.add(k);
      slots.set(first + i, slotOf(r.system_flags, kw.length > 0));
    });
    await applySlots(trx, destMailboxId, slots);
    await addKeywords(trx, destMailboxId, keywords);
    let srcModSeq = src.highest_modseq;
    let hashes: string[] = [];
    if (move) {
      // A move within one mailbox already raised its MODSEQ above.
      srcModSeq = (mailboxId === destMailboxId ? dstModSeq : src.highest_modseq) + 1;
      hashes = await removeRows(ctx, trx, mailboxId, rows, srcModSeq);
    }
    return { rows, first, src, dst, dstModSeq, srcModSeq, hashes };
  });
  if (!result) {
    const dstBox = await mailboxRow(ctx, ctx.db, destMailboxId).catch(() => null);
    return { uidValidity: dstBox?.uid_validity ?? 0, sourceUids: [], destUids: [] };
  }
  // Both events are published before any other await (see expunge()).

  const sourceUids = result.rows.map((r) => r.uid);
  const destUids = sourceUids.map((_, i) => result.first + i);
  ctx.bus.publish(
    {
      type: "append",
      mailboxId: destMailboxId,
      uids: destUids,
      modSeq: result.dstModSeq,
      flags: appendedFlags(
        result.rows.map((r) => ({
          bits: r.system_flags,
          keywords: r.keywords,
          modSeq: result.dstModSeq,
        })),
      ),
    },
    result.dst.highest_modseq,
    {
      modSeq: result.dstModSeq,
      uidNext: result.first + sourceUids.length,
      name: result.dst.name,
    },
  );
  if (move) {
    ctx.bus.publish(
      { type: "expunge", mailboxId, uids: sourceUids, modSeq: result.srcModSeq },
      mailboxId === destMailboxId ? result.dstModSeq : result.src.highest_modseq,
      {
        modSeq: result.srcModSeq,
        uidNext: mailboxId === destMailboxId
          ? result.first + sourceUids.length
          : result.src.uid_next,
        name: result.src.name,
      },
    );
    await ctx.options.files?.remove(result.hashes);
  }
  return { uidValidity: result.dst.uid_validity, sourceUids, destUids };
}
