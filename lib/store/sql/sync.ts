/**
 * Keeping sessions in sync: the SELECT snapshot, watching a mailbox's
 * events, and polling for changes another process made.
 */
import type { MailboxEvent, MailboxSnapshot, UidRange, UidSet } from "../mail_store.ts";
import { appendedFlags, StoreError, SYSTEM_FLAGS } from "../mail_store.ts";
import { type AccountContext, mailboxInfo, mailboxRow, own } from "./context.ts";
import { flagList, SEEN } from "./flags.ts";
import { claimRecentIn } from "./append.ts";
import { countAbove, readBlocks, summarize, uidsOf } from "./uid_blocks.ts";
import { inSet, normalizeUidSet } from "./uid_ranges.ts";

/**
 * The SELECT snapshot from the compact index (uid_blocks.ts): a few rows
 * however large the mailbox, not one per message.
 *
 * The mailbox row (HIGHESTMODSEQ, UIDNEXT), the UID blocks and the keywords
 * are read in one transaction, so they describe one moment: a commit that
 * lands between two reads could otherwise give a UID list holding a message
 * at or above UIDNEXT (RFC 3501 §2.3.1.1), or a HIGHESTMODSEQ older than
 * the flags the list carries (RFC 7162 §3.1.2.1).
 */
export async function select(ctx: AccountContext, mailboxId: number): Promise<MailboxSnapshot> {
  // SQLite: a transaction reads one snapshot. PostgreSQL (READ COMMITTED):
  // mailboxRow() locks the mailbox row, which every writer of the mailbox
  // locks first, so nothing of it commits until these reads are done.
  const { row, blocks, keywords } = await ctx.db.transaction().execute(async (trx) => ({
    row: await mailboxRow(ctx, trx, mailboxId),
    blocks: await readBlocks(trx, mailboxId),
    keywords: await trx.selectFrom("mailbox_keywords").select("keyword")
      .where("mailbox_id", "=", mailboxId).execute(),
  }));
  const summary = summarize(blocks, SEEN);
  const { uids, flags } = uidsOf(blocks, summary.messages);
  // Not claimed yet: the session claims with claimRecent() (RFC 3501 §2.3.2).
  const recent = ctx.options.disableRecent ? 0 : countAbove(blocks, row.recent_uid);
  ctx.bus.init(mailboxId, {
    modSeq: row.highest_modseq,
    uidNext: row.uid_next,
    name: row.name,
  });
  return {
    mailbox: await mailboxInfo(ctx, row),
    uids,
    flagsInUse: [...SYSTEM_FLAGS, ...keywords.map((k) => k.keyword).sort()],
    firstUnseenUid: summary.firstUnseenUid,
    flags,
    recent,
    unseen: summary.unseen,
  };
}

/**
 * SELECT of a mailbox whose index the caller keeps (SelectOptions.indexed):
 * first a poll, so every change another process committed before this
 * SELECT has gone to the watchers as events (the caller's index among
 * them) before this answer; then the mailbox row and the keywords in use,
 * and no UID. Changes made in this process reached the watchers when they
 * were made. The caller checks that its index has reached the
 * HIGHESTMODSEQ answered here, and takes a full snapshot otherwise.
 */
export async function selectIndexed(
  ctx: AccountContext,
  mailboxId: number,
): Promise<MailboxSnapshot> {
  await poll(ctx, mailboxId);
  // No transaction around the two reads (its BEGIN and COMMIT were two more
  // turns at the connection): the keywords, read after the row, hold every
  // keyword of the messages the row counts, and perhaps one newer, which
  // FLAGS may name (RFC 3501 §7.2.6 asks for the flags defined, at least).
  const row = await mailboxRow(ctx, ctx.db, mailboxId);
  const keywords = await ctx.db.selectFrom("mailbox_keywords").select("keyword")
    .where("mailbox_id", "=", mailboxId).execute();
  return {
    mailbox: await mailboxInfo(ctx, row),
    uids: new Uint32Array(0),
    flagsInUse: [...SYSTEM_FLAGS, ...keywords.map((k) => k.keyword).sort()],
    firstUnseenUid: null,
    recent: 0,
    unseen: 0,
    indexed: { recentUid: ctx.options.disableRecent ? null : row.recent_uid },
  };
}

/**
 * Moves the mailbox's \Recent claim counter up to `uid` and returns the
 * range this caller got, or null when another session got there first (or
 * disable_recent is on). One conditional UPDATE (in a group commit): it keeps
 * the value it replaced in recent_prev and returns it. Sessions of this
 * process skip the statement when the bus already knows the UID is
 * claimed (every selected session asks once per batch of new mail). With
 * `peek` (EXAMINE), only looks.
 */
export async function claimRecent(
  ctx: AccountContext,
  mailboxId: number,
  uid: number,
  options?: { peek?: boolean },
): Promise<UidRange | null> {
  if (ctx.options.disableRecent) return null;
  if (options?.peek) {
    const row = await mailboxRow(ctx, ctx.db, mailboxId);
    return row.recent_uid < uid ? { from: row.recent_uid + 1, to: uid } : null;
  }
  if (ctx.bus.recentClaimed(mailboxId) >= uid) return null;
  // In the next group commit (ctx.write): after each APPEND the appending
  // session claims its message, and that UPDATE need not pay its own fsync.
  const range = await ctx.write((trx) =>
    claimRecentIn(trx, { accountId: ctx.accountId, mailboxId }, uid)
  );
  ctx.bus.noteRecentClaimed(mailboxId, uid);
  return range;
}

/**
 * Events reach the listener only once this account has found the mailbox
 * (select, status, fetch... succeeded): a mailbox id of another account
 * never delivers anything, even though the bus is store-wide.
 */
export function watch(
  ctx: AccountContext,
  mailboxId: number,
  listener: (event: MailboxEvent) => void,
): () => void {
  return ctx.bus.watch(mailboxId, (event) => {
    if (ctx.owned.has(mailboxId)) listener(event);
  });
}

export async function poll(ctx: AccountContext, mailboxId: number): Promise<void> {
  const known = ctx.bus.known(mailboxId);
  const row = await ctx.db.selectFrom("mailboxes")
    .select(["highest_modseq", "uid_next", "name", "account_id"])
    .where("id", "=", mailboxId).executeTakeFirst();
  if (row && row.account_id !== ctx.accountId) {
    throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
  }
  if (!row) {
    if (!known || !ctx.owned.has(mailboxId)) {
      throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
    }
    ctx.bus.forget(mailboxId);
    ctx.bus.emit({ type: "deleted", mailboxId });
    return;
  }
  own(ctx, mailboxId);
  if (!known) {
    ctx.bus.init(mailboxId, {
      modSeq: row.highest_modseq,
      uidNext: row.uid_next,
      name: row.name,
    });
    return;
  }
  if (row.name !== known.name) {
    known.name = row.name;
    ctx.bus.emit({ type: "renamed", mailboxId, name: row.name });
  }
  if (row.highest_modseq <= known.modSeq) return;
  const since = known.modSeq;
  const oldNext = known.uidNext;
  let changed = await ctx.db.selectFrom("messages")
    .select(["uid", "system_flags", "keywords", "modseq"])
    .where("mailbox_id", "=", mailboxId).where("modseq", ">", since).orderBy("uid").execute();
  let gone = await ctx.db.selectFrom("expunged").select(["uid", "modseq"])
    .where("mailbox_id", "=", mailboxId).where("modseq", ">", since)
    .where("uid", "<", oldNext).orderBy("uid").execute();
  // A commit of this process that published while the queries ran moved
  // the bus on (advance() only moves it over a change it delivered, and a
  // poll only over what it read): a change at or below that MODSEQ was told
  // already, and a second telling would reach sessions as an unsolicited
  // FETCH for a STORE they made themselves. A message appended in between
  // and changed since is a flag change, not a new message.
  const told = ctx.bus.known(mailboxId);
  let newFrom = oldNext;
  if (told && told.modSeq > since) {
    changed = changed.filter((c) => c.modseq > told.modSeq);
    gone = gone.filter((g) => g.modseq > told.modSeq);
    newFrom = Math.max(oldNext, told.uidNext);
  }
  ctx.bus.sync(mailboxId, {
    modSeq: row.highest_modseq,
    uidNext: row.uid_next,
    name: row.name,
  });
  const modSeq = row.highest_modseq;
  if (gone.length) {
    ctx.bus.emit({ type: "expunge", mailboxId, uids: gone.map((g) => g.uid), modSeq });
  }
  const added = changed.filter((c) => c.uid >= newFrom);
  const flags = changed.filter((c) => c.uid < newFrom).map((c) => ({
    uid: c.uid,
    flags: flagList(c.system_flags, JSON.parse(c.keywords)),
    modSeq: c.modseq,
  }));
  if (added.length) {
    ctx.bus.emit({
      type: "append",
      mailboxId,
      uids: added.map((c) => c.uid),
      modSeq,
      flags: appendedFlags(
        added.map((c) => ({ bits: c.system_flags, keywords: c.keywords, modSeq: c.modseq })),
      ),
    });
  }
  if (flags.length) ctx.bus.emit({ type: "flags", mailboxId, changes: flags });
}

/**
 * Tombstones of `uids` expunged above `sinceModSeq` (RFC 7162 §3.2.6): one
 * query on the (mailbox_id, modseq) index (migration 5), so the cost follows
 * the expunges since, not the tombstones kept; the client's set (any number
 * of ranges) is applied in one walk beside the sorted answer.
 */
export async function vanished(
  ctx: AccountContext,
  mailboxId: number,
  sinceModSeq: number,
  uids: UidSet,
): Promise<number[]> {
  await mailboxRow(ctx, ctx.db, mailboxId);
  if (uids.length === 0) return [];
  const rows = await ctx.db.selectFrom("expunged").select("uid")
    .where("mailbox_id", "=", mailboxId).where("modseq", ">", sinceModSeq)
    .orderBy("uid").execute();
  return inSet(rows.map((r) => r.uid), normalizeUidSet(uids));
}

/**
 * Polls every mailbox of the account (NOTIFY, RFC 5465): one read of the
 * account's mailbox rows; a mailbox whose MODSEQ or name moved is polled as
 * poll() does. Mailboxes another process created or deleted since the last
 * look are announced to the account's watchers (the first look only learns
 * what is there).
 */
export async function pollAccount(ctx: AccountContext): Promise<void> {
  const rows = await ctx.db.selectFrom("mailboxes")
    .select(["id", "name", "highest_modseq", "uid_next"])
    .where("account_id", "=", ctx.accountId).execute();
  const first = !ctx.accountPolled;
  ctx.accountPolled = true;
  const ids = new Set<number>();
  for (const r of rows) {
    ids.add(r.id);
    const isNew = !ctx.owned.has(r.id);
    own(ctx, r.id);
    if (isNew && !first) {
      ctx.bus.emitAccount(ctx.accountId, { type: "created", mailboxId: r.id, name: r.name });
    }
    const known = ctx.bus.known(r.id);
    if (!known) {
      ctx.bus.init(r.id, { modSeq: r.highest_modseq, uidNext: r.uid_next, name: r.name });
    } else if (known.modSeq < r.highest_modseq || known.name !== r.name) {
      await poll(ctx, r.id);
    }
  }
  for (const id of [...ctx.owned]) {
    if (ids.has(id)) continue;
    ctx.owned.delete(id);
    if (!first) ctx.bus.emit({ type: "deleted", mailboxId: id });
    ctx.bus.forget(id);
  }
}
