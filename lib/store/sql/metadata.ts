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
  const out: MetadataEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const own = await ctx.db.selectFrom("metadata").select("value")
      .where("account_id", "=", ctx.accountId).where("mailbox_id", "=", box)
      .where("entry", "=", entry).executeTakeFirst();
    if (!seen.has(entry)) {
      seen.add(entry);
      out.push({ entry, value: own ? new Uint8Array(own.value) : null });
    }
    if (depth === 0) continue;
    // The subtree of "/a/b" is every name from "/a/b/" up to (not including)
    // "/a/b0": "0" is the character after "/" (an index range, no LIKE).
    const rows = await ctx.db.selectFrom("metadata").select(["entry", "value"])
      .where("account_id", "=", ctx.accountId).where("mailbox_id", "=", box)
      .where("entry", ">=", entry + "/").where("entry", "<", entry + "0")
      .orderBy("entry").execute();
    for (const r of rows) {
      if (depth === 1 && r.entry.indexOf("/", entry.length + 1) !== -1) continue;
      if (seen.has(r.entry)) continue;
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
