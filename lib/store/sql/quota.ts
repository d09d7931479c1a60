/**
 * QUOTA (RFC 9208) for one account: one quota root per account, with the
 * STORAGE (bytes here; KiB on the wire) and MESSAGE resources. Usage is the
 * sum of the per-mailbox counters (migration 6) that every writing
 * transaction updates with its own change, so it is exact however many
 * sessions and processes write at once (SQLite has one writer at a time, and
 * the check and the change happen in the same transaction).
 */
import type { AccountQuota, QuotaLimits, QuotaSetting, QuotaUsage } from "../mail_store.ts";
import { StoreError } from "../mail_store.ts";
import { type AccountContext, lockRows, type Runner } from "./context.ts";

/** A stored per-account limit: null means the storage's default, -1 means none. */
const NONE = -1;

function toSetting(stored: number | null): QuotaSetting {
  return stored === null ? "default" : stored === NONE ? "none" : stored;
}

function fromSetting(setting: QuotaSetting): number | null {
  if (setting === "default") return null;
  if (setting === "none") return NONE;
  if (!Number.isSafeInteger(setting) || setting < 0) {
    throw new StoreError("CANNOT", `Invalid quota limit ${setting}`);
  }
  return setting;
}

function inForce(stored: number | null, fallback: number | null): number | null {
  return stored === null ? fallback : stored === NONE ? null : stored;
}

/** The account's stored settings and the limits in force, from the storage's defaults. */
async function limitsOf(
  db: Runner,
  accountId: number,
  defaults: QuotaLimits,
): Promise<{ own: AccountQuota["own"]; limits: QuotaLimits }> {
  const row = await db.selectFrom("accounts").select(["quota_storage", "quota_messages"])
    .where("id", "=", accountId).executeTakeFirst();
  const storage = row?.quota_storage ?? null;
  const messages = row?.quota_messages ?? null;
  return {
    own: { storage: toSetting(storage), messages: toSetting(messages) },
    limits: {
      storage: inForce(storage, defaults.storage),
      messages: inForce(messages, defaults.messages),
    },
  };
}

/** The account's usage: the sum of its mailboxes' counters. */
async function usageOf(db: Runner, accountId: number): Promise<QuotaUsage> {
  const row = await db.selectFrom("mailboxes")
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>("total_size"), eb.lit(0)).as("storage"),
      eb.fn.coalesce(eb.fn.sum<number>("message_count"), eb.lit(0)).as("messages"),
    ])
    .where("account_id", "=", accountId).executeTakeFirst();
  return { storage: Number(row?.storage ?? 0), messages: Number(row?.messages ?? 0) };
}

export async function accountQuota(ctx: AccountContext): Promise<AccountQuota> {
  const { own, limits } = await limitsOf(ctx.db, ctx.accountId, ctx.options.quota);
  return { own, limits, usage: await usageOf(ctx.db, ctx.accountId) };
}

export async function setQuota(
  ctx: AccountContext,
  change: { storage?: QuotaSetting; messages?: QuotaSetting },
): Promise<void> {
  const set: { quota_storage?: number | null; quota_messages?: number | null } = {};
  if (change.storage !== undefined) set.quota_storage = fromSetting(change.storage);
  if (change.messages !== undefined) set.quota_messages = fromSetting(change.messages);
  if (Object.keys(set).length === 0) return;
  await ctx.db.updateTable("accounts").set(set).where("id", "=", ctx.accountId).execute();
}

/**
 * Inside a writing transaction, before it adds `messages` messages of
 * `bytes` octets: null when they fit, else the OVERQUOTA error to answer
 * (RFC 9208, RFC 5530 §3: APPEND, COPY and MOVE fail with NO [OVERQUOTA]).
 */
export async function overQuota(
  trx: Runner,
  accountId: number,
  defaults: QuotaLimits,
  messages: number,
  bytes: number,
): Promise<StoreError | null> {
  const { limits } = await limitsOf(trx, accountId, defaults);
  if (limits.storage === null && limits.messages === null) return null;
  // PostgreSQL: the account's writers take turns from here, so two nodes
  // cannot both fit the last message under the limit (context.ts).
  if (lockRows(trx)) {
    await trx.selectFrom("accounts").select("id").where("id", "=", accountId).forUpdate()
      .execute();
  }
  const usage = await usageOf(trx, accountId);
  if (limits.messages !== null && usage.messages + messages > limits.messages) {
    return new StoreError(
      "OVERQUOTA",
      `Quota exceeded: ${usage.messages} of ${limits.messages} messages in use`,
    );
  }
  if (limits.storage !== null && usage.storage + bytes > limits.storage) {
    return new StoreError(
      "OVERQUOTA",
      `Quota exceeded: ${usage.storage} of ${limits.storage} bytes in use, ${bytes} more asked`,
    );
  }
  return null;
}

/** Adds to (or, negative, takes from) a mailbox's counters, inside the writing transaction. */
export async function countInto(
  trx: Runner,
  mailboxId: number,
  messages: number,
  bytes: number,
): Promise<void> {
  if (messages === 0 && bytes === 0) return;
  await trx.updateTable("mailboxes")
    .set((eb) => ({
      message_count: eb("message_count", "+", messages),
      total_size: eb("total_size", "+", bytes),
    }))
    .where("id", "=", mailboxId).execute();
}
