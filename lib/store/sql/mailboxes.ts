/** Mailboxes of one account: list, create, delete, rename, subscriptions, STATUS, limits. */
import { sql, type Transaction } from "kysely";
import type { AppendLimits, MailboxInfo, MailboxStatus, SpecialUse } from "../mail_store.ts";
import { HIERARCHY_DELIMITER, StoreError } from "../mail_store.ts";
import {
  type AccountContext,
  collectBodies,
  effectiveLimit,
  getAppendLimit,
  mailboxByName,
  mailboxInfo,
  mailboxRow,
  own,
  toInfo,
} from "./context.ts";
import { moveMessages } from "./expunge.ts";
import { DELETED, SEEN } from "./flags.ts";
import type { Db } from "./schema.ts";
import { countAbove, countFlagged, readBlocks, summarize } from "./uid_blocks.ts";
import { transact } from "./retry.ts";

/**
 * Canonical mailbox name: no empty components, INBOX (any case, also as the
 * first component) spelled "INBOX" (RFC 3501 §5.1), a trailing delimiter
 * dropped (RFC 3501 §6.3.3).
 */
export function normalizeMailboxName(name: string): string {
  let n = name;
  if (n.endsWith(HIERARCHY_DELIMITER)) n = n.slice(0, -1);
  const parts = n.split(HIERARCHY_DELIMITER);
  if (n === "" || parts.some((p) => p === "")) {
    throw new StoreError("CANNOT", `Invalid mailbox name ${JSON.stringify(name)}`);
  }
  if (parts[0].toUpperCase() === "INBOX") parts[0] = "INBOX";
  return parts.join(HIERARCHY_DELIMITER);
}

let lastUidValidity = 0;
export function nextUidValidity(): number {
  // Seconds since the epoch, strictly increasing within the process, so a
  // mailbox deleted and created again gets a new UIDVALIDITY (RFC 3501 §2.3.1.1).
  lastUidValidity = Math.max(Math.floor(Date.now() / 1000), lastUidValidity + 1);
  return lastUidValidity;
}

export async function listMailboxes(ctx: AccountContext): Promise<MailboxInfo[]> {
  const rows = await ctx.db.selectFrom("mailboxes").selectAll()
    .where("account_id", "=", ctx.accountId).orderBy("name").execute();
  const subs = new Set(
    (await ctx.db.selectFrom("subscriptions").select("name")
      .where("account_id", "=", ctx.accountId).execute()).map((s) => s.name),
  );
  for (const r of rows) own(ctx, r.id);
  return rows.map((r) => toInfo(r, subs.has(r.name)));
}

/** The row of the mailbox named `name`, or null (also for a name that cannot exist). */
function rowByName(ctx: AccountContext, name: string): ReturnType<typeof mailboxByName> {
  let normalized: string;
  try {
    normalized = normalizeMailboxName(name);
  } catch {
    return Promise.resolve(undefined);
  }
  return mailboxByName(ctx, ctx.db, normalized);
}

export async function getMailbox(ctx: AccountContext, name: string): Promise<MailboxInfo | null> {
  const row = await rowByName(ctx, name);
  return row ? await mailboxInfo(ctx, row) : null;
}

/**
 * The id of the mailbox named `name`, or null: getMailbox() without the
 * subscription (SELECT needs the id only, and each query is a turn at the
 * store's one connection).
 */
export async function mailboxIdOf(ctx: AccountContext, name: string): Promise<number | null> {
  const row = await rowByName(ctx, name);
  if (!row) return null;
  own(ctx, row.id);
  return row.id;
}

export async function createMailbox(
  ctx: AccountContext,
  name: string,
  options?: { specialUse?: SpecialUse },
): Promise<MailboxInfo> {
  const normalized = normalizeMailboxName(name);
  const row = await transact(ctx.db, async (trx) => {
    if (await mailboxByName(ctx, trx, normalized)) {
      throw new StoreError(
        "ALREADYEXISTS",
        `Mailbox ${JSON.stringify(normalized)} already exists`,
      );
    }
    const parents = await createParents(ctx, trx, normalized);
    const row = await trx.insertInto("mailboxes").values({
      account_id: ctx.accountId,
      name: normalized,
      uid_validity: nextUidValidity(),
      uid_next: 1,
      highest_modseq: 1,
      special_use: options?.specialUse ?? null,
      append_limit: null,
    }).returningAll().executeTakeFirstOrThrow();
    return { ...row, parents };
  });
  const { parents, ...created } = row;
  announceCreated(ctx, [...parents, { id: created.id, name: created.name }]);
  return await mailboxInfo(ctx, created);
}

/** Tells the account's watchers (NOTIFY MailboxName, RFC 5465 §5.4) of new mailboxes. */
function announceCreated(ctx: AccountContext, boxes: readonly { id: number; name: string }[]) {
  for (const b of boxes) {
    own(ctx, b.id);
    ctx.bus.emitAccount(ctx.accountId, { type: "created", mailboxId: b.id, name: b.name });
  }
}

/** Creates the missing parents of `name`; returns them. */
async function createParents(
  ctx: AccountContext,
  trx: Transaction<Db>,
  name: string,
): Promise<{ id: number; name: string }[]> {
  const parts = name.split(HIERARCHY_DELIMITER);
  const created: { id: number; name: string }[] = [];
  for (let i = 1; i < parts.length; i++) {
    const parent = parts.slice(0, i).join(HIERARCHY_DELIMITER);
    if (await mailboxByName(ctx, trx, parent)) continue;
    const row = await trx.insertInto("mailboxes").values({
      account_id: ctx.accountId,
      name: parent,
      uid_validity: nextUidValidity(),
      uid_next: 1,
      highest_modseq: 1,
      special_use: null,
      append_limit: null,
    }).returning(["id", "name"]).executeTakeFirstOrThrow();
    created.push(row);
  }
  return created;
}

/**
 * Deletes one mailbox and its messages. Its children stay (RFC 3501 §6.3.4
 * allows either; the server shows the missing parent as \Noselect).
 */
export async function deleteMailbox(ctx: AccountContext, name: string): Promise<void> {
  const normalized = normalizeMailboxName(name);
  if (normalized === "INBOX") throw new StoreError("CANNOT", "INBOX cannot be deleted");
  const { id, hashes } = await transact(ctx.db, async (trx) => {
    const row = await mailboxByName(ctx, trx, normalized);
    if (!row) throw new StoreError("NONEXISTENT", `No mailbox ${JSON.stringify(normalized)}`);
    const bodyIds = await trx.selectFrom("messages").select("body_id").distinct()
      .where("mailbox_id", "=", row.id).execute();
    await trx.deleteFrom("messages").where("mailbox_id", "=", row.id).execute();
    await trx.deleteFrom("uid_blocks").where("mailbox_id", "=", row.id).execute();
    await trx.deleteFrom("mailbox_keywords").where("mailbox_id", "=", row.id).execute();
    // RFC 5464 §3.2: a mailbox's METADATA goes with it.
    await trx.deleteFrom("metadata").where("account_id", "=", ctx.accountId)
      .where("mailbox_id", "=", row.id).execute();
    await trx.deleteFrom("mailboxes").where("id", "=", row.id).execute();
    return { id: row.id, hashes: await collectBodies(ctx.sql, trx, bodyIds.map((b) => b.body_id)) };
  });
  await ctx.options.files?.remove(hashes);
  ctx.bus.emit({ type: "deleted", mailboxId: id });
  ctx.bus.forget(id);
}

export async function renameMailbox(ctx: AccountContext, from: string, to: string): Promise<void> {
  const src = normalizeMailboxName(from);
  const dst = normalizeMailboxName(to);
  if (src === "INBOX") return await renameInbox(ctx, dst);
  if (dst === src || dst.startsWith(src + HIERARCHY_DELIMITER)) {
    throw new StoreError("CANNOT", `Cannot rename ${JSON.stringify(src)} into itself`);
  }
  const renamed = await transact(ctx.db, async (trx) => {
    const row = await mailboxByName(ctx, trx, src);
    if (!row) throw new StoreError("NONEXISTENT", `No mailbox ${JSON.stringify(src)}`);
    if (await mailboxByName(ctx, trx, dst)) {
      throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(dst)} already exists`);
    }
    const prefix = src + HIERARCHY_DELIMITER;
    const children = (await trx.selectFrom("mailboxes").select(["id", "name"])
      .where("account_id", "=", ctx.accountId).execute())
      .filter((m) => m.name.startsWith(prefix));
    const moves = [{ id: row.id, name: dst }].concat(
      children.map((c) => ({ id: c.id, name: dst + c.name.slice(src.length) })),
    );
    for (const m of moves) {
      if (await mailboxByName(ctx, trx, m.name)) {
        throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(m.name)} already exists`);
      }
    }
    // Two steps so that a child renamed onto a name another child leaves
    // cannot hit the unique constraint midway.
    for (const m of moves) {
      // \u0001, not \u0000: PostgreSQL text cannot hold a NUL.
      await trx.updateTable("mailboxes").set({ name: `\u0001${m.id}` }).where("id", "=", m.id)
        .execute();
    }
    for (const m of moves) {
      await trx.updateTable("mailboxes").set({ name: m.name }).where("id", "=", m.id).execute();
    }
    const parents = await createParents(ctx, trx, dst);
    return { moves, parents };
  });
  announceCreated(ctx, renamed.parents);
  for (const m of renamed.moves) {
    const known = ctx.bus.known(m.id);
    if (known) known.name = m.name;
    ctx.bus.emit({ type: "renamed", mailboxId: m.id, name: m.name });
  }
}

/** RENAME INBOX: moves its messages to a new mailbox, INBOX stays, empty (RFC 3501 §6.3.5). */
async function renameInbox(ctx: AccountContext, dst: string): Promise<void> {
  const inbox = await mailboxByName(ctx, ctx.db, "INBOX");
  if (!inbox) throw new StoreError("NONEXISTENT", "No INBOX");
  const created = await createMailbox(ctx, dst);
  const all = [{ from: 1, to: 0xffffffff }];
  await moveMessages(ctx, inbox.id, all, created.id, true);
}

export async function setSubscribed(
  ctx: AccountContext,
  name: string,
  subscribed: boolean,
): Promise<void> {
  const normalized = normalizeMailboxName(name);
  if (subscribed) {
    await ctx.db.insertInto("subscriptions").values({
      account_id: ctx.accountId,
      name: normalized,
    })
      .onConflict((oc) => oc.doNothing()).execute();
  } else {
    await ctx.db.deleteFrom("subscriptions").where("account_id", "=", ctx.accountId)
      .where("name", "=", normalized).execute();
  }
  ctx.bus.emitAccount(ctx.accountId, { type: "subscription", name: normalized, subscribed });
}

export async function listSubscriptions(ctx: AccountContext): Promise<string[]> {
  const rows = await ctx.db.selectFrom("subscriptions").select("name")
    .where("account_id", "=", ctx.accountId).orderBy("name").execute();
  return rows.map((r) => r.name);
}

/** STATUS from the compact index (uid_blocks.ts), not a scan of the messages. */
export async function status(ctx: AccountContext, mailboxId: number): Promise<MailboxStatus> {
  const row = await mailboxRow(ctx, ctx.db, mailboxId);
  const blocks = await readBlocks(ctx.db, mailboxId);
  const summary = summarize(blocks, SEEN);
  const deleted = countFlagged(blocks, DELETED);
  return {
    messages: summary.messages,
    // \Recent: the messages above the claim counter, counted in the same blocks.
    recent: ctx.options.disableRecent ? 0 : countAbove(blocks, row.recent_uid),
    unseen: summary.unseen,
    uidNext: row.uid_next,
    uidValidity: row.uid_validity,
    highestModSeq: row.highest_modseq,
    appendLimit: await effectiveLimit(ctx, row),
    // Kept by every writing transaction (migration 6): one row read.
    size: row.total_size,
    deleted,
    // Only \Deleted messages' rows are read, and only when the index says there are some.
    deletedStorage: deleted === 0 ? 0 : await sumSizes(ctx, mailboxId),
  };
}

/** Sum of the sizes of the messages with \Deleted in a mailbox (STATUS DELETED-STORAGE). */
async function sumSizes(ctx: AccountContext, mailboxId: number): Promise<number> {
  const row = await ctx.db.selectFrom("messages")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), eb.lit(0)).as("total"))
    .where("mailbox_id", "=", mailboxId)
    .where(sql`system_flags & ${DELETED}`, "!=", 0).executeTakeFirst();
  return Number(row?.total ?? 0);
}

/** The limits `effectiveLimit()` applies, for the whole account at once (one decision rule). */
export async function appendLimits(ctx: AccountContext): Promise<AppendLimits> {
  const own = await ctx.db.selectFrom("mailboxes").select(["id", "append_limit"])
    .where("account_id", "=", ctx.accountId).where("append_limit", "is not", null).execute();
  return {
    account: (await getAppendLimit(ctx)) ?? ctx.options.appendLimit,
    mailboxes: Object.fromEntries(own.map((r) => [r.id, r.append_limit!])),
  };
}

export { getAppendLimit };

export async function setAppendLimit(ctx: AccountContext, bytes: number | null): Promise<void> {
  await ctx.db.updateTable("accounts").set({ append_limit: bytes })
    .where("id", "=", ctx.accountId).execute();
}
