/**
 * What the store's sections (mailboxes, append, fetch, flags, expunge/copy/
 * move, search, sync) share: the account they act in, the row types they
 * read, and the few helpers more than one of them needs.
 */
import { type Kysely, PostgresAdapter, type Transaction } from "kysely";
import type { MailboxInfo, QuotaLimits, SpecialUse } from "../mail_store.ts";
import { StoreError } from "../mail_store.ts";
import type { BodyStructure } from "../../mime/types.ts";
import { decompress } from "./body_files.ts";
import type { StoreSql } from "./dialect.ts";
import type { EventBus } from "./event_bus.ts";
import type { Db } from "./schema.ts";
import type { Compression } from "../config.ts";
import type { BodyFiles } from "./body_files.ts";
import { type normalizeUidSet, uidSteps } from "./uid_ranges.ts";

/** Rows per query when streaming FETCH and SEARCH. */
export const CHUNK = 500;

/** A query runner: the database, or the transaction under way. */
export type Runner = Kysely<Db> | Transaction<Db>;

export interface SqlStoreOptions {
  appendLimit: number;
  /** The default quota of every account (`quota` of the storage); each may set its own. */
  quota: QuotaLimits;
  disableRecent: boolean;
  compression: Compression;
  junkMailbox: string;
  /** Set for `msg_store fs`. */
  files: BodyFiles | null;
  /** Statements the dialect has prepared so far (a figure for benchmarks), when known. */
  preparedStatements?: () => number;
  /**
   * Resolves one task later, after requests that have already arrived: the
   * append queue waits for it before a commit, so APPENDs that came in
   * together commit together (a store thread's `TimeSlice.nextTask`; none
   * in-process, where appends come one by one).
   */
  nextTask?: () => Promise<void>;
  /** Called by close() after the database is destroyed. */
  onClose?: () => Promise<void> | void;
}

/** What every account shares: the database, its SQL dialect, the event bus, the options. */
export interface StoreShared {
  readonly db: Kysely<Db>;
  readonly sql: StoreSql;
  readonly bus: EventBus;
  readonly options: SqlStoreOptions;
}

/** One account's view of the store, passed to every section. */
export interface AccountContext extends StoreShared {
  readonly accountId: number;
  /** Mailbox ids found in this account: watch() delivers events of these only. */
  readonly owned: Set<number>;
  /** Whether pollAccount() has run once (it announces mailboxes other processes created after). */
  accountPolled: boolean;
  /**
   * A small writing transaction (a flag change, a \Recent claim), run
   * again on the errors `transact()` retries, so `fn` must be re-runnable.
   * On SQLite it joins the append queue's next group commit
   * (`AppendQueue.write()`); elsewhere it is `transact()`.
   */
  readonly write: <T>(fn: (trx: Transaction<Db>) => Promise<T>) => Promise<T>;
}

export type MailboxRow = {
  id: number;
  account_id: number;
  name: string;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  special_use: string | null;
  append_limit: number | null;
  recent_uid: number;
  recent_prev: number;
  message_count: number;
  total_size: number;
};

export type MessageRow = {
  uid: number;
  body_id: number;
  internal_date: number;
  size: number;
  system_flags: number;
  keywords: string;
  modseq: number;
  recent: number;
  sent_day: string | null;
  save_date?: number | null;
};

/** Records that the mailbox is this account's: its events reach the account's watchers. */
export function own(ctx: AccountContext, mailboxId: number): void {
  ctx.owned.add(mailboxId);
  ctx.bus.own(mailboxId, ctx.accountId);
}

/**
 * Whether reads in `db` take row locks: inside a transaction on PostgreSQL
 * (see postgres_dialect.ts). SQLite needs none: BEGIN IMMEDIATE already
 * holds the one write lock, and it has no FOR UPDATE.
 */
export function lockRows(db: Runner): boolean {
  return db.isTransaction && db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The mailbox row by id, inside this account, or NONEXISTENT. In a
 * transaction on PostgreSQL the row is locked until it ends: the mailbox's
 * writers take turns (its UIDNEXT and HIGHESTMODSEQ are their counter).
 */
export async function mailboxRow(
  ctx: AccountContext,
  db: Runner,
  mailboxId: number,
): Promise<MailboxRow> {
  const q = db.selectFrom("mailboxes").selectAll()
    .where("id", "=", mailboxId).where("account_id", "=", ctx.accountId);
  const row = await (lockRows(db) ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
  own(ctx, mailboxId);
  return row;
}

export async function mailboxByName(
  ctx: AccountContext,
  db: Runner,
  name: string,
): Promise<MailboxRow | undefined> {
  const q = db.selectFrom("mailboxes").selectAll()
    .where("account_id", "=", ctx.accountId).where("name", "=", name);
  return await (lockRows(db) ? q.forUpdate() : q).executeTakeFirst();
}

export function toInfo(row: MailboxRow, subscribed: boolean): MailboxInfo {
  return {
    id: row.id,
    name: row.name,
    uidValidity: row.uid_validity,
    uidNext: row.uid_next,
    highestModSeq: row.highest_modseq,
    specialUse: row.special_use as SpecialUse | null,
    subscribed,
    objectId: mailboxObjectId(row.id, row.uid_validity),
  };
}

/**
 * MAILBOXID (RFC 8474 §4): the row id and UIDVALIDITY. RENAME keeps both;
 * a row id SQLite hands out again after a DELETE comes with a new
 * UIDVALIDITY (nextUidValidity() rises), so no two mailboxes share one.
 * objectid = 1*255(ALPHA / DIGIT / "_" / "-"); "F" keeps it apart from
 * EMAILIDs ("M") and THREADIDs.
 */
export function mailboxObjectId(id: number, uidValidity: number): string {
  return `F${id}-${uidValidity}`;
}

/**
 * EMAILID (RFC 8474 §5.1): the content hash of the stored message, so a
 * COPY or MOVE (which share the body) keeps it, and identical content has
 * one EMAILID, as §5.1 allows.
 */
export function emailObjectId(hash: string): string {
  return `M${hash}`;
}

/** The mailbox as `MailboxInfo`, with its subscription looked up. */
export async function mailboxInfo(ctx: AccountContext, row: MailboxRow): Promise<MailboxInfo> {
  const sub = await ctx.db.selectFrom("subscriptions").select("name")
    .where("account_id", "=", ctx.accountId).where("name", "=", row.name).executeTakeFirst();
  own(ctx, row.id);
  return toInfo(row, sub !== undefined);
}

/**
 * The APPEND limit in force for a mailbox: its own, else the account's, else
 * the store's (RFC 7889). The one rule: `appendLimits()` (mailboxes.ts) gives
 * the same figures for the whole account, which the server enforces at the
 * literal and announces in CAPABILITY; STATUS and APPEND itself use this.
 */
export async function effectiveLimit(ctx: AccountContext, row: MailboxRow): Promise<number> {
  if (row.append_limit !== null) return row.append_limit;
  return (await getAppendLimit(ctx)) ?? ctx.options.appendLimit;
}

/**
 * `effectiveLimit()` of a mailbox by id, in one query (the mailbox's limit
 * and its account's together), or NONEXISTENT: APPEND asks this for every
 * message, and each query waits its turn at the store's connection.
 */
export async function appendLimitOf(ctx: AccountContext, mailboxId: number): Promise<number> {
  const row = await ctx.db.selectFrom("mailboxes")
    .innerJoin("accounts", "accounts.id", "mailboxes.account_id")
    .select(["mailboxes.append_limit as own", "accounts.append_limit as account"])
    .where("mailboxes.id", "=", mailboxId).where("mailboxes.account_id", "=", ctx.accountId)
    .executeTakeFirst();
  if (!row) throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
  own(ctx, mailboxId);
  return row.own ?? row.account ?? ctx.options.appendLimit;
}

/** The account's own APPEND limit, or null for the store's. */
export async function getAppendLimit(ctx: AccountContext): Promise<number | null> {
  const row = await ctx.db.selectFrom("accounts").select("append_limit")
    .where("id", "=", ctx.accountId).executeTakeFirst();
  return row?.append_limit ?? null;
}

/** Message rows for a normalized set, ascending, inside a transaction. */
export async function selectRows(
  ctx: AccountContext,
  trx: Transaction<Db>,
  mailboxId: number,
  set: ReturnType<typeof normalizeUidSet>,
  extra?: (row: MessageRow) => boolean,
): Promise<MessageRow[]> {
  const out: MessageRow[] = [];
  for (const step of uidSteps(set, CHUNK)) {
    let q = trx.selectFrom("messages")
      .select([
        "uid",
        "body_id",
        "internal_date",
        "size",
        "system_flags",
        "keywords",
        "modseq",
        "recent",
        "sent_day",
      ])
      .where("mailbox_id", "=", mailboxId);
    q = step.kind === "range"
      ? q.where("uid", ">=", step.from).where("uid", "<=", step.to)
      : q.where(ctx.sql.inSet("uid", step.uids));
    const rows = await q.orderBy("uid").execute();
    for (const r of rows) if (!extra || extra(r)) out.push(r);
  }
  return out;
}

/** Deletes bodies among `ids` that no message names any more; returns their hashes. */
export async function collectBodies(
  sql: StoreSql,
  trx: Transaction<Db>,
  ids: readonly number[],
): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    // SELECT then DELETE, not DELETE ... RETURNING: the dialect reads at most
    // one row from RETURNING (see libsql_dialect.ts).
    const gone = await trx.selectFrom("bodies").select(["id", "hash"])
      .where(sql.inSet("id", chunk))
      .where((eb) =>
        eb.not(eb.exists(
          eb.selectFrom("messages").select("uid").whereRef("messages.body_id", "=", "bodies.id"),
        ))
      ).execute();
    if (gone.length === 0) continue;
    const goneIds = gone.map((g) => g.id);
    await trx.deleteFrom("body_search").where(sql.inSet("body_id", goneIds)).execute();
    await trx.deleteFrom("body_wire").where(sql.inSet("body_id", goneIds)).execute();
    await trx.deleteFrom("body_preview").where(sql.inSet("body_id", goneIds)).execute();
    await trx.deleteFrom("bodies").where(sql.inSet("id", goneIds)).execute();
    hashes.push(...gone.map((g) => g.hash));
  }
  return hashes;
}

/** One message's body (decompressed, from the row or its file) and cached structure. */
export async function bodyOf(
  ctx: AccountContext,
  bodyId: number,
): Promise<{ body: Uint8Array; structure: BodyStructure | null }> {
  const row = await ctx.db.selectFrom("bodies")
    .select(["body", "compression", "hash", "body_structure"])
    .where("id", "=", bodyId).modifyEnd(ctx.sql.oneRow).executeTakeFirst();
  if (!row) return { body: new Uint8Array(), structure: null };
  const files = ctx.options.files;
  const stored = row.body === null && files ? await files.read(row.hash) : toBytes(row.body);
  return {
    body: decompress(stored, row.compression),
    structure: JSON.parse(row.body_structure) as BodyStructure,
  };
}

/** What messageOf() reads: the message's bytes and, when asked, its structures as stored JSON text. */
export interface MessageBytes {
  /** The top-level header block. */
  header: Uint8Array;
  /** Header block and body: the whole message. */
  content: Uint8Array;
  envelope?: string;
  bodyStructure?: string;
  /** The message is known to hold no NUL octet (recorded when stored, migration 10). */
  nulFree: boolean;
}

/**
 * A message's bytes (header block, then body) and, when asked, its cached
 * structures, in one read of its `bodies` row (see ONE_ROW). Columns after
 * `body` (compression, envelope, body_structure) are only reached by
 * walking the body's overflow pages, so the row is read once here, not once
 * in the FETCH query and again for the body.
 */
export async function messageOf(
  ctx: AccountContext,
  bodyId: number,
  want: { envelope?: boolean; bodyStructure?: boolean } = {},
): Promise<MessageBytes> {
  const row = await ctx.db.selectFrom("bodies")
    .select(["header", "body", "compression", "hash", "has_nul"])
    .$if(!!want.envelope, (qb) => qb.select("envelope"))
    .$if(!!want.bodyStructure, (qb) => qb.select("body_structure"))
    .where("id", "=", bodyId).modifyEnd(ctx.sql.oneRow).executeTakeFirst();
  if (!row) return { header: new Uint8Array(), content: new Uint8Array(), nulFree: true };
  const files = ctx.options.files;
  const stored = row.body === null && files ? await files.read(row.hash) : toBytes(row.body);
  const header = toBytes(row.header);
  const out: MessageBytes = {
    header,
    content: concat(header, decompress(stored, row.compression)),
    nulFree: row.has_nul === 0,
  };
  const r = row as { envelope?: string; body_structure?: string };
  if (r.envelope !== undefined) out.envelope = r.envelope;
  if (r.body_structure !== undefined) out.bodyStructure = r.body_structure;
  return out;
}

export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TypeError(`Expected a blob, got ${typeof v}`);
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
