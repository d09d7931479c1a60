/**
 * METADATA (RFC 5464): server and mailbox entries of one account, in the
 * `metadata` table (migration 9). Server entries use mailbox id 0.
 */
import type { MetadataDepth, MetadataEntry } from "../mail_store.ts";
import { StoreError } from "../mail_store.ts";
import { type AccountContext, mailboxRow } from "./context.ts";

/** The row key of a mailbox's entries, checking the mailbox is the account's. */
async function boxKey(ctx: AccountContext, mailboxId: number | null): Promise<number> {
  if (mailboxId === null) return 0;
  await mailboxRow(ctx, ctx.db, mailboxId);
  return mailboxId;
}

export async function getMetadata(
  ctx: AccountContext,
  mailboxId: number | null,
  entries: readonly string[],
  depth: MetadataDepth,
): Promise<MetadataEntry[]> {
  const box = await boxKey(ctx, mailboxId);
  // A mailbox holds at most a few hundred entries (SETMETADATA's limit):
  // all are read once and matched here, the same on every SQL engine
  // (a range or LIKE on the name would depend on the collation).
  const rows = await ctx.db.selectFrom("metadata").select(["entry", "value"])
    .where("account_id", "=", ctx.accountId).where("mailbox_id", "=", box)
    .execute();
  // Code-point order, whatever the engine's collation.
  rows.sort((a, b) => a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0);
  const out: MetadataEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!seen.has(entry)) {
      seen.add(entry);
      const own = rows.find((r) => r.entry === entry);
      out.push({ entry, value: own ? new Uint8Array(own.value) : null });
    }
    if (depth === 0) continue;
    const prefix = entry + "/";
    for (const r of rows) {
      if (!r.entry.startsWith(prefix) || seen.has(r.entry)) continue;
      if (depth === 1 && r.entry.indexOf("/", prefix.length) !== -1) continue;
      seen.add(r.entry);
      out.push({ entry: r.entry, value: new Uint8Array(r.value) });
    }
  }
  return out;
}

export async function setMetadata(
  ctx: AccountContext,
  mailboxId: number | null,
  changes: readonly MetadataEntry[],
  maxEntries: number,
): Promise<void> {
  const box = await boxKey(ctx, mailboxId);
  await ctx.db.transaction().execute(async (trx) => {
    for (const { entry, value } of changes) {
      if (value === null) {
        await trx.deleteFrom("metadata").where("account_id", "=", ctx.accountId)
          .where("mailbox_id", "=", box).where("entry", "=", entry).execute();
      } else {
        await trx.insertInto("metadata").values({
          account_id: ctx.accountId,
          mailbox_id: box,
          entry,
          value,
        }).onConflict((oc) =>
          oc.columns(["account_id", "mailbox_id", "entry"]).doUpdateSet({ value })
        )
          .execute();
      }
    }
    // Counted inside the transaction, so concurrent writers cannot pass the limit together.
    const row = await trx.selectFrom("metadata")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("account_id", "=", ctx.accountId).where("mailbox_id", "=", box)
      .executeTakeFirstOrThrow();
    if (Number(row.n) > maxEntries) {
      throw new StoreError("LIMIT", `More than ${maxEntries} METADATA entries`);
    }
  });
  ctx.bus.emitAccount(ctx.accountId, {
    type: "metadata",
    mailboxId,
    entries: changes.map((c) => c.entry),
  });
}
