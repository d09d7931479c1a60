/**
 * `MailStore` over Kysely (SQLite dialect). Concurrency: every query goes
 * through the dialect's one connection; each write is one transaction that
 * awaits nothing but the database (parsing, hashing, compression and body
 * files happen before it begins), so no transaction waits on a socket.
 */
import { ONE_ROW } from "./libsql_dialect.ts";
import { type Kysely, sql, type Transaction } from "kysely";
import type {
  AccountStore,
  AppendInput,
  AppendResult,
  CopyResult,
  FlagChange,
  FlagMode,
  MailboxEvent,
  MailboxInfo,
  MailboxSnapshot,
  MailboxStatus,
  MailStore,
  MessageFields,
  MessageRecord,
  SearchKey,
  SpecialUse,
  StoreFlagsResult,
  UidRange,
  UidSet,
} from "../mail_store.ts";
import { HIERARCHY_DELIMITER, StoreError, SYSTEM_FLAGS } from "../mail_store.ts";
import type { BodyStructure, Envelope } from "../../mime/types.ts";
import { parseMessage } from "../../mime/parse.ts";
import type { Compression } from "../config.ts";
import { type BodyFiles, compress, decompress, sha256Hex } from "./body_files.ts";
import { EventBus } from "./event_bus.ts";
import { applyFlags, DELETED, flagList, parseFlags, sameFlags, SEEN } from "./flags.ts";
import type { Db } from "./schema.ts";
import {
  type EvalContext,
  evaluate,
  needs,
  prefilter,
  type SearchRow,
  searchText,
  sentDay,
} from "./search.ts";
import { inJsonArray, jsonRows, keywordsInUse } from "./sqlite_sql.ts";
import { normalizeUidSet, uidSteps } from "./uid_ranges.ts";

/** Rows per query when streaming FETCH and SEARCH. */
export const CHUNK = 500;

export interface SqlStoreOptions {
  appendLimit: number;
  disableRecent: boolean;
  compression: Compression;
  junkMailbox: string;
  /** Set for `msg_store fs`. */
  files: BodyFiles | null;
  /** Statements the dialect has prepared so far (a figure for benchmarks), when known. */
  preparedStatements?: () => number;
  /** Called by close() after the database is destroyed. */
  onClose?: () => Promise<void> | void;
}

const DEFAULT_MAILBOXES: [string, SpecialUse | null][] = [
  ["INBOX", null],
  ["Sent", "\\Sent"],
  ["Drafts", "\\Drafts"],
  ["Trash", "\\Trash"],
  ["Junk", "\\Junk"],
  ["Archive", "\\Archive"],
];

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

function accountKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TypeError(`Expected a blob, got ${typeof v}`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

let lastUidValidity = 0;
function nextUidValidity(): number {
  // Seconds since the epoch, strictly increasing within the process, so a
  // mailbox deleted and created again gets a new UIDVALIDITY (RFC 3501 §2.3.1.1).
  lastUidValidity = Math.max(Math.floor(Date.now() / 1000), lastUidValidity + 1);
  return lastUidValidity;
}

type MailboxRow = {
  id: number;
  account_id: number;
  name: string;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  special_use: string | null;
  append_limit: number | null;
  recent_uid: number;
};

export class SqlMailStore implements MailStore {
  readonly db: Kysely<Db>;
  readonly bus = new EventBus();
  readonly options: SqlStoreOptions;
  #closed = false;

  constructor(db: Kysely<Db>, options: SqlStoreOptions) {
    this.db = db;
    this.options = options;
  }

  get appendLimit(): number {
    return this.options.appendLimit;
  }

  async openAccount(name: string, options?: { create?: boolean }): Promise<AccountStore | null> {
    const key = accountKey(name);
    if (key === "") throw new StoreError("CANNOT", "Empty account name");
    const row = await this.db.selectFrom("accounts").select(["id", "name"])
      .where("name_key", "=", key).executeTakeFirst();
    if (row) return new SqlAccountStore(this, row.id, row.name);
    if (!options?.create) return null;
    const created = await this.db.transaction().execute(async (trx) => {
      const again = await trx.selectFrom("accounts").select(["id", "name"])
        .where("name_key", "=", key).executeTakeFirst();
      if (again) return again;
      const { id } = await trx.insertInto("accounts").values({
        name,
        name_key: key,
        append_limit: null,
      })
        .returning("id").executeTakeFirstOrThrow();
      for (const [defaultName, specialUse] of DEFAULT_MAILBOXES) {
        // junk_mailbox names the \Junk mailbox new accounts get (maddy's directive).
        const mailbox = specialUse === "\\Junk" ? this.options.junkMailbox : defaultName;
        await trx.insertInto("mailboxes").values({
          account_id: id,
          name: mailbox,
          uid_validity: nextUidValidity(),
          uid_next: 1,
          highest_modseq: 1,
          special_use: specialUse,
          append_limit: null,
        }).execute();
        await trx.insertInto("subscriptions").values({ account_id: id, name: mailbox })
          .onConflict((oc) => oc.doNothing()).execute();
      }
      return { id, name };
    });
    return new SqlAccountStore(this, created.id, created.name);
  }

  async listAccounts(): Promise<string[]> {
    const rows = await this.db.selectFrom("accounts").select("name").orderBy("name_key").execute();
    return rows.map((r) => r.name);
  }

  async deleteAccount(name: string): Promise<void> {
    const key = accountKey(name);
    const mailboxIds: number[] = [];
    const hashes = await this.db.transaction().execute(async (trx) => {
      const account = await trx.selectFrom("accounts").select("id").where("name_key", "=", key)
        .executeTakeFirst();
      if (!account) throw new StoreError("NONEXISTENT", `No account ${JSON.stringify(name)}`);
      const boxes = await trx.selectFrom("mailboxes").select("id")
        .where("account_id", "=", account.id).execute();
      mailboxIds.push(...boxes.map((b) => b.id));
      const bodyIds = await trx.selectFrom("messages").select("body_id").distinct()
        .where(
          "mailbox_id",
          "in",
          trx.selectFrom("mailboxes").select("id").where("account_id", "=", account.id),
        )
        .execute();
      await trx.deleteFrom("messages").where(
        "mailbox_id",
        "in",
        trx.selectFrom("mailboxes").select("id").where("account_id", "=", account.id),
      ).execute();
      await trx.deleteFrom("accounts").where("id", "=", account.id).execute();
      return await collectBodies(trx, bodyIds.map((b) => b.body_id));
    });
    await this.options.files?.remove(hashes);
    for (const id of mailboxIds) {
      this.bus.emit({ type: "deleted", mailboxId: id });
      this.bus.forget(id);
    }
  }

  #appendQueue: AppendJob[] = [];
  #flushing: Promise<void> | null = null;

  /**
   * Commits a prepared APPEND. Appends that arrive while a commit is under
   * way are committed together in the next transaction (group commit): one
   * fsync for many sessions' messages. Each caller's promise settles after
   * the transaction holding its message has committed, so an OK still means
   * durable. A job whose mailbox is gone fails alone; a database error fails
   * its whole batch (nothing of it was committed).
   */
  commitAppend(job: AppendJobInput): Promise<AppendCommitted> {
    return new Promise((resolve, reject) => {
      this.#appendQueue.push({ ...job, resolve, reject });
      this.#flushing ??= this.#flushAppends();
    });
  }

  async #flushAppends(): Promise<void> {
    try {
      while (this.#appendQueue.length > 0) {
        let batch: AppendJob[] = [];
        try {
          const results = await this.db.transaction().execute(async (trx) => {
            // Taken once the connection is ours: everything queued meanwhile rides along.
            batch = this.#appendQueue.splice(0, 256);
            const out: (AppendCommitted | StoreError)[] = [];
            for (const job of batch) {
              out.push(await insertAppend(trx, job, this.options.disableRecent));
            }
            return out;
          });
          batch.forEach((job, i) => {
            const r = results[i];
            if (r instanceof StoreError) job.reject(r);
            else job.resolve(r);
          });
        } catch (e) {
          // Failed before taking its batch (closed database...): fail what waits.
          const failed = batch.length > 0 ? batch : this.#appendQueue.splice(0);
          for (const job of failed) job.reject(e);
        }
      }
    } finally {
      this.#flushing = null;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Appends already queued commit before the database goes.
    await this.#flushing;
    await this.db.destroy();
    await this.options.onClose?.();
  }
}

export interface AppendJobInput {
  accountId: number;
  mailboxId: number;
  hash: string;
  size: number;
  header: Uint8Array;
  body: Uint8Array | null;
  compression: string;
  envelope: string;
  bodyStructure: string;
  bits: number;
  keywords: string;
  internalDate: number;
  sentDay: string | null;
}

export interface AppendCommitted {
  uid: number;
  uidValidity: number;
  modSeq: number;
  name: string;
}

interface AppendJob extends AppendJobInput {
  resolve: (r: AppendCommitted) => void;
  reject: (e: unknown) => void;
}

/** One APPEND inside a group-commit transaction; a missing mailbox is returned, not thrown. */
async function insertAppend(
  trx: Transaction<Db>,
  job: AppendJob,
  disableRecent: boolean,
): Promise<AppendCommitted | StoreError> {
  // The mailbox first: if it is gone, nothing of this job is written.
  const box = await trx.updateTable("mailboxes")
    .set((eb) => ({
      uid_next: eb("uid_next", "+", 1),
      highest_modseq: eb("highest_modseq", "+", 1),
    }))
    .where("id", "=", job.mailboxId).where("account_id", "=", job.accountId)
    .returning(["uid_next", "highest_modseq", "uid_validity", "name"]).executeTakeFirst();
  if (!box) return new StoreError("NONEXISTENT", `No mailbox with id ${job.mailboxId}`);
  const existing = await trx.selectFrom("bodies").select("id").where("hash", "=", job.hash)
    .executeTakeFirst();
  const bodyId = existing?.id ?? (await trx.insertInto("bodies").values({
    hash: job.hash,
    size: job.size,
    header: job.header,
    body: job.body,
    compression: job.compression,
    envelope: job.envelope,
    body_structure: job.bodyStructure,
  }).returning("id").executeTakeFirstOrThrow()).id;
  const uid = box.uid_next - 1;
  await trx.insertInto("messages").values({
    mailbox_id: job.mailboxId,
    uid,
    body_id: bodyId,
    internal_date: job.internalDate,
    size: job.size,
    system_flags: job.bits,
    keywords: job.keywords,
    modseq: box.highest_modseq,
    recent: disableRecent ? 0 : 1,
    sent_day: job.sentDay,
  }).execute();
  return { uid, uidValidity: box.uid_validity, modSeq: box.highest_modseq, name: box.name };
}

/** Deletes bodies among `ids` that no message names any more; returns their hashes. */
async function collectBodies(trx: Transaction<Db>, ids: readonly number[]): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    // SELECT then DELETE, not DELETE ... RETURNING: the dialect reads at most
    // one row from RETURNING (see libsql_dialect.ts).
    const gone = await trx.selectFrom("bodies").select(["id", "hash"])
      .where(inJsonArray("id", chunk))
      .where((eb) =>
        eb.not(eb.exists(
          eb.selectFrom("messages").select("uid").whereRef("messages.body_id", "=", "bodies.id"),
        ))
      ).execute();
    if (gone.length === 0) continue;
    await trx.deleteFrom("bodies").where(inJsonArray("id", gone.map((g) => g.id))).execute();
    hashes.push(...gone.map((g) => g.hash));
  }
  return hashes;
}

type MessageRow = {
  uid: number;
  body_id: number;
  internal_date: number;
  size: number;
  system_flags: number;
  keywords: string;
  modseq: number;
  recent: number;
  sent_day: string | null;
};

export class SqlAccountStore implements AccountStore {
  readonly accountName: string;
  #store: SqlMailStore;
  #db: Kysely<Db>;
  #accountId: number;
  /** Mailbox ids found in this account: watch() delivers events of these only. */
  #owned = new Set<number>();

  constructor(store: SqlMailStore, accountId: number, accountName: string) {
    this.#store = store;
    this.#db = store.db;
    this.#accountId = accountId;
    this.accountName = accountName;
  }

  get #bus(): EventBus {
    return this.#store.bus;
  }

  // ---- mailboxes -------------------------------------------------------

  async #mailbox(db: Kysely<Db> | Transaction<Db>, mailboxId: number): Promise<MailboxRow> {
    const row = await db.selectFrom("mailboxes").selectAll()
      .where("id", "=", mailboxId).where("account_id", "=", this.#accountId).executeTakeFirst();
    if (!row) throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
    this.#owned.add(mailboxId);
    return row;
  }

  async #mailboxByName(
    db: Kysely<Db> | Transaction<Db>,
    name: string,
  ): Promise<MailboxRow | undefined> {
    return await db.selectFrom("mailboxes").selectAll()
      .where("account_id", "=", this.#accountId).where("name", "=", name).executeTakeFirst();
  }

  async #info(row: MailboxRow): Promise<MailboxInfo> {
    const sub = await this.#db.selectFrom("subscriptions").select("name")
      .where("account_id", "=", this.#accountId).where("name", "=", row.name).executeTakeFirst();
    this.#owned.add(row.id);
    return toInfo(row, sub !== undefined);
  }

  async listMailboxes(): Promise<MailboxInfo[]> {
    const rows = await this.#db.selectFrom("mailboxes").selectAll()
      .where("account_id", "=", this.#accountId).orderBy("name").execute();
    const subs = new Set(
      (await this.#db.selectFrom("subscriptions").select("name")
        .where("account_id", "=", this.#accountId).execute()).map((s) => s.name),
    );
    for (const r of rows) this.#owned.add(r.id);
    return rows.map((r) => toInfo(r, subs.has(r.name)));
  }

  async getMailbox(name: string): Promise<MailboxInfo | null> {
    let normalized: string;
    try {
      normalized = normalizeMailboxName(name);
    } catch {
      return null;
    }
    const row = await this.#mailboxByName(this.#db, normalized);
    return row ? await this.#info(row) : null;
  }

  async createMailbox(name: string, options?: { specialUse?: SpecialUse }): Promise<MailboxInfo> {
    const normalized = normalizeMailboxName(name);
    const row = await this.#db.transaction().execute(async (trx) => {
      if (await this.#mailboxByName(trx, normalized)) {
        throw new StoreError(
          "ALREADYEXISTS",
          `Mailbox ${JSON.stringify(normalized)} already exists`,
        );
      }
      await this.#createParents(trx, normalized);
      return await trx.insertInto("mailboxes").values({
        account_id: this.#accountId,
        name: normalized,
        uid_validity: nextUidValidity(),
        uid_next: 1,
        highest_modseq: 1,
        special_use: options?.specialUse ?? null,
        append_limit: null,
      }).returningAll().executeTakeFirstOrThrow();
    });
    return await this.#info(row);
  }

  async #createParents(trx: Transaction<Db>, name: string): Promise<void> {
    const parts = name.split(HIERARCHY_DELIMITER);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(HIERARCHY_DELIMITER);
      if (await this.#mailboxByName(trx, parent)) continue;
      await trx.insertInto("mailboxes").values({
        account_id: this.#accountId,
        name: parent,
        uid_validity: nextUidValidity(),
        uid_next: 1,
        highest_modseq: 1,
        special_use: null,
        append_limit: null,
      }).execute();
    }
  }

  /**
   * Deletes one mailbox and its messages. Its children stay (RFC 3501 §6.3.4
   * allows either; the server shows the missing parent as \Noselect).
   */
  async deleteMailbox(name: string): Promise<void> {
    const normalized = normalizeMailboxName(name);
    if (normalized === "INBOX") throw new StoreError("CANNOT", "INBOX cannot be deleted");
    const { id, hashes } = await this.#db.transaction().execute(async (trx) => {
      const row = await this.#mailboxByName(trx, normalized);
      if (!row) throw new StoreError("NONEXISTENT", `No mailbox ${JSON.stringify(normalized)}`);
      const bodyIds = await trx.selectFrom("messages").select("body_id").distinct()
        .where("mailbox_id", "=", row.id).execute();
      await trx.deleteFrom("messages").where("mailbox_id", "=", row.id).execute();
      await trx.deleteFrom("mailboxes").where("id", "=", row.id).execute();
      return { id: row.id, hashes: await collectBodies(trx, bodyIds.map((b) => b.body_id)) };
    });
    await this.#store.options.files?.remove(hashes);
    this.#bus.emit({ type: "deleted", mailboxId: id });
    this.#bus.forget(id);
  }

  async renameMailbox(from: string, to: string): Promise<void> {
    const src = normalizeMailboxName(from);
    const dst = normalizeMailboxName(to);
    if (src === "INBOX") return await this.#renameInbox(dst);
    if (dst === src || dst.startsWith(src + HIERARCHY_DELIMITER)) {
      throw new StoreError("CANNOT", `Cannot rename ${JSON.stringify(src)} into itself`);
    }
    const renamed = await this.#db.transaction().execute(async (trx) => {
      const row = await this.#mailboxByName(trx, src);
      if (!row) throw new StoreError("NONEXISTENT", `No mailbox ${JSON.stringify(src)}`);
      if (await this.#mailboxByName(trx, dst)) {
        throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(dst)} already exists`);
      }
      const prefix = src + HIERARCHY_DELIMITER;
      const children = (await trx.selectFrom("mailboxes").select(["id", "name"])
        .where("account_id", "=", this.#accountId).execute())
        .filter((m) => m.name.startsWith(prefix));
      const moves = [{ id: row.id, name: dst }].concat(
        children.map((c) => ({ id: c.id, name: dst + c.name.slice(src.length) })),
      );
      for (const m of moves) {
        if (await this.#mailboxByName(trx, m.name)) {
          throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(m.name)} already exists`);
        }
      }
      // Two steps so that a child renamed onto a name another child leaves
      // cannot hit the unique constraint midway.
      for (const m of moves) {
        await trx.updateTable("mailboxes").set({ name: `\u0000${m.id}` }).where("id", "=", m.id)
          .execute();
      }
      for (const m of moves) {
        await trx.updateTable("mailboxes").set({ name: m.name }).where("id", "=", m.id).execute();
      }
      await this.#createParents(trx, dst);
      return moves;
    });
    for (const m of renamed) {
      const known = this.#bus.known(m.id);
      if (known) known.name = m.name;
      this.#bus.emit({ type: "renamed", mailboxId: m.id, name: m.name });
    }
  }

  /** RENAME INBOX: moves its messages to a new mailbox, INBOX stays, empty (RFC 3501 §6.3.5). */
  async #renameInbox(dst: string): Promise<void> {
    const inbox = await this.#mailboxByName(this.#db, "INBOX");
    if (!inbox) throw new StoreError("NONEXISTENT", "No INBOX");
    const created = await this.createMailbox(dst);
    const all = [{ from: 1, to: 0xffffffff }];
    await this.move(inbox.id, all, created.id);
  }

  async setSubscribed(name: string, subscribed: boolean): Promise<void> {
    const normalized = normalizeMailboxName(name);
    if (subscribed) {
      await this.#db.insertInto("subscriptions").values({
        account_id: this.#accountId,
        name: normalized,
      })
        .onConflict((oc) => oc.doNothing()).execute();
    } else {
      await this.#db.deleteFrom("subscriptions").where("account_id", "=", this.#accountId)
        .where("name", "=", normalized).execute();
    }
  }

  async listSubscriptions(): Promise<string[]> {
    const rows = await this.#db.selectFrom("subscriptions").select("name")
      .where("account_id", "=", this.#accountId).orderBy("name").execute();
    return rows.map((r) => r.name);
  }

  async #effectiveLimit(row: MailboxRow): Promise<number> {
    if (row.append_limit !== null) return row.append_limit;
    const acct = await this.getAppendLimit();
    return acct ?? this.#store.appendLimit;
  }

  async status(mailboxId: number): Promise<MailboxStatus> {
    const row = await this.#mailbox(this.#db, mailboxId);
    const counts = await this.#db.selectFrom("messages")
      .select((eb) => [
        eb.fn.countAll<number>().as("messages"),
        // \Recent: the messages above the mailbox's claim counter (migration 2).
        eb.fn.sum<number>(eb("uid", ">", row.recent_uid).$castTo<number>()).as("recent"),
        eb.fn.sum<number>(eb("system_flags", "&", SEEN).$castTo<number>()).as("seen"),
      ])
      .where("mailbox_id", "=", mailboxId).executeTakeFirstOrThrow();
    const messages = Number(counts.messages);
    return {
      messages,
      recent: this.#store.options.disableRecent ? 0 : Number(counts.recent ?? 0),
      // SEEN is bit 1, so the sum of (flags & SEEN) counts seen messages.
      unseen: messages - Number(counts.seen ?? 0),
      uidNext: row.uid_next,
      uidValidity: row.uid_validity,
      highestModSeq: row.highest_modseq,
      appendLimit: await this.#effectiveLimit(row),
    };
  }

  async getAppendLimit(): Promise<number | null> {
    const row = await this.#db.selectFrom("accounts").select("append_limit")
      .where("id", "=", this.#accountId).executeTakeFirst();
    return row?.append_limit ?? null;
  }

  async setAppendLimit(bytes: number | null): Promise<void> {
    await this.#db.updateTable("accounts").set({ append_limit: bytes })
      .where("id", "=", this.#accountId).execute();
  }

  // ---- select ----------------------------------------------------------

  async select(mailboxId: number): Promise<MailboxSnapshot> {
    const row = await this.#mailbox(this.#db, mailboxId);
    const uidRows = await this.#db.selectFrom("messages").select("uid")
      .where("mailbox_id", "=", mailboxId).orderBy("uid").execute();
    const uids = new Uint32Array(uidRows.length);
    for (let i = 0; i < uidRows.length; i++) uids[i] = uidRows[i].uid;
    const firstUnseen = await this.#db.selectFrom("messages").select("uid")
      .where("mailbox_id", "=", mailboxId)
      .where((eb) => eb(eb("system_flags", "&", SEEN), "=", 0))
      .orderBy("uid").limit(1).executeTakeFirst();
    const status = await this.status(mailboxId);
    const keywords = await keywordsInUse(mailboxId).execute(this.#db);
    // Not claimed yet: the session claims with claimRecent() (RFC 3501 §2.3.2).
    const recent = status.recent;
    this.#bus.init(mailboxId, {
      modSeq: row.highest_modseq,
      uidNext: row.uid_next,
      name: row.name,
    });
    return {
      mailbox: await this.#info(row),
      uids,
      flagsInUse: [...SYSTEM_FLAGS, ...keywords.rows.map((k) => k.value).sort()],
      firstUnseenUid: firstUnseen?.uid ?? null,
      recent,
      unseen: status.unseen,
    };
  }

  /**
   * Moves the mailbox's \Recent claim counter up to `uid` in one
   * transaction and returns the range this caller got, or null when
   * another session got there first (or disable_recent is on). With
   * `peek` (EXAMINE), only looks.
   */
  async claimRecent(
    mailboxId: number,
    uid: number,
    options?: { peek?: boolean },
  ): Promise<UidRange | null> {
    if (this.#store.options.disableRecent) return null;
    if (options?.peek) {
      const row = await this.#mailbox(this.#db, mailboxId);
      return row.recent_uid < uid ? { from: row.recent_uid + 1, to: uid } : null;
    }
    return await this.#db.transaction().execute(async (trx) => {
      const row = await this.#mailbox(trx, mailboxId);
      if (row.recent_uid >= uid) return null;
      await trx.updateTable("mailboxes").set({ recent_uid: uid })
        .where("id", "=", mailboxId).execute();
      return { from: row.recent_uid + 1, to: uid };
    });
  }

  // ---- append ----------------------------------------------------------

  async append(mailboxId: number, input: AppendInput): Promise<AppendResult> {
    const { options } = this.#store;
    const content = input.content;
    const limitRow = await this.#mailbox(this.#db, mailboxId);
    const limit = await this.#effectiveLimit(limitRow);
    if (content.length > limit) {
      throw new StoreError(
        "TOOBIG",
        `Message of ${content.length} bytes exceeds the limit of ${limit}`,
      );
    }
    // Everything slow happens before the transaction begins.
    const parsed = parseMessage(content);
    const header = content.slice(0, parsed.headerSize);
    const body = content.subarray(parsed.headerSize);
    const hash = await sha256Hex(content);
    const packed = compress(body, options.compression);
    const flags = parseFlags(input.flags ?? []);
    const internalDate = (input.internalDate ?? new Date()).getTime();
    const files = options.files;
    files?.hold(hash);
    try {
      if (files) await files.write(hash, packed.data);
      const result = await this.#store.commitAppend({
        accountId: this.#accountId,
        mailboxId,
        hash,
        size: content.length,
        header,
        body: files ? null : packed.data,
        compression: packed.algorithm,
        envelope: JSON.stringify(parsed.envelope),
        bodyStructure: JSON.stringify(parsed.body),
        bits: flags.bits,
        keywords: JSON.stringify(flags.keywords),
        internalDate,
        sentDay: sentDay(parsed.envelope.date),
      });
      this.#bus.advance(mailboxId, result.modSeq - 1, {
        modSeq: result.modSeq,
        uidNext: result.uid + 1,
        name: result.name,
      });
      this.#bus.emit({ type: "append", mailboxId, uids: [result.uid] });
      return { uid: result.uid, uidValidity: result.uidValidity, modSeq: result.modSeq };
    } finally {
      files?.unhold(hash);
    }
  }

  // ---- fetch -----------------------------------------------------------

  async *fetch(
    mailboxId: number,
    uids: UidSet,
    fields: MessageFields,
  ): AsyncIterable<MessageRecord> {
    const box = await this.#mailbox(this.#db, mailboxId);
    const set = normalizeUidSet(uids, box.uid_next - 1);
    const wantBody = !!(fields.envelope || fields.bodyStructure || fields.header || fields.content);
    for (const step of uidSteps(set, CHUNK)) {
      let cursor = step.kind === "range" ? step.from : 0;
      for (;;) {
        let q = this.#db.selectFrom("messages as m")
          .select([
            "m.uid",
            "m.system_flags",
            "m.keywords",
            "m.internal_date",
            "m.size",
            "m.modseq",
            "m.body_id",
          ])
          .where("m.mailbox_id", "=", mailboxId);
        q = step.kind === "range"
          ? q.where("m.uid", ">=", cursor).where("m.uid", "<=", step.to)
          : q.where(inJsonArray("m.uid", step.uids));
        const rows = wantBody
          ? await q.innerJoin("bodies as b", "b.id", "m.body_id")
            .$if(!!fields.envelope, (qb) => qb.select("b.envelope"))
            .$if(!!fields.bodyStructure, (qb) => qb.select("b.body_structure"))
            .$if(!!(fields.header || fields.content), (qb) => qb.select("b.header"))
            .$if(!!fields.content, (qb) => qb.select(["b.compression", "b.hash"]))
            .orderBy("m.uid").limit(CHUNK).execute()
          : await q.orderBy("m.uid").limit(CHUNK).execute();
        for (const row of rows as (MessageRow & Record<string, unknown>)[]) {
          // Only content may need a file read: skip the await otherwise.
          const rec = this.#record(row, fields);
          yield fields.content ? await this.#content(rec, row) : rec;
        }
        if (step.kind === "list" || rows.length < CHUNK) break;
        cursor = rows[rows.length - 1].uid + 1;
      }
    }
  }

  #record(row: MessageRow & Record<string, unknown>, fields: MessageFields): MessageRecord {
    const rec: MessageRecord = { uid: row.uid };
    if (fields.flags) {
      rec.flags = flagList(row.system_flags, row.keywords === "[]" ? [] : JSON.parse(row.keywords));
    }
    if (fields.internalDate) rec.internalDate = new Date(row.internal_date);
    if (fields.size) rec.size = row.size;
    if (fields.modSeq) rec.modSeq = row.modseq;
    if (fields.envelope) rec.envelope = JSON.parse(row.envelope as string) as Envelope;
    if (fields.bodyStructure) {
      rec.bodyStructure = JSON.parse(row.body_structure as string) as BodyStructure;
    }
    if (fields.header) rec.header = toBytes(row.header);
    return rec;
  }

  async #content(
    rec: MessageRecord,
    row: MessageRow & Record<string, unknown>,
  ): Promise<MessageRecord> {
    // Bodies are read one at a time (see ONE_ROW): a chunk of 5 MB bodies in one read would not fit.
    const { body } = await this.#bodyOf(row.body_id);
    rec.content = concat(toBytes(row.header), body);
    return rec;
  }

  // ---- flags -----------------------------------------------------------

  async storeFlags(
    mailboxId: number,
    uids: UidSet,
    mode: FlagMode,
    flags: readonly string[],
    options?: { unchangedSince?: number },
  ): Promise<StoreFlagsResult> {
    const change = parseFlags(flags);
    const unchangedSince = options?.unchangedSince;
    const result = await this.#db.transaction().execute(async (trx) => {
      const box = await this.#mailbox(trx, mailboxId);
      const set = normalizeUidSet(uids, box.uid_next - 1);
      const rows = await this.#selectRows(trx, mailboxId, set);
      const changed: { uid: number; bits: number; keywords: string[] }[] = [];
      const modified: number[] = [];
      for (const row of rows) {
        if (unchangedSince !== undefined && row.modseq > unchangedSince) {
          modified.push(row.uid);
          continue;
        }
        const current = { bits: row.system_flags, keywords: JSON.parse(row.keywords) as string[] };
        const next = applyFlags(current, mode, change);
        if (!sameFlags(current, next)) changed.push({ uid: row.uid, ...next });
      }
      if (changed.length === 0) return { changed: [], modified, modSeq: box.highest_modseq, box };
      const modSeq = box.highest_modseq + 1;
      await trx.updateTable("mailboxes").set({ highest_modseq: modSeq }).where("id", "=", mailboxId)
        .execute();
      // One UPDATE per distinct resulting flag set (usually one: "+FLAGS \Seen" on
      // messages that had the same flags), each over a JSON list of UIDs looked up
      // by primary key. (UPDATE ... FROM json_each made SQLite scan the mailbox
      // once per changed message.)
      const groups = new Map<string, { bits: number; keywords: string; uids: number[] }>();
      for (const c of changed) {
        const keywords = JSON.stringify(c.keywords);
        const key = `${c.bits} ${keywords}`;
        let g = groups.get(key);
        if (!g) groups.set(key, g = { bits: c.bits, keywords, uids: [] });
        g.uids.push(c.uid);
      }
      for (const g of groups.values()) {
        for (let i = 0; i < g.uids.length; i += CHUNK) {
          await trx.updateTable("messages")
            .set({ system_flags: g.bits, keywords: g.keywords, modseq: modSeq })
            .where("mailbox_id", "=", mailboxId)
            .where(inJsonArray("uid", g.uids.slice(i, i + CHUNK)))
            .execute();
        }
      }
      return { changed, modified, modSeq, box };
    });
    const changes: FlagChange[] = result.changed.map((c) => ({
      uid: c.uid,
      flags: flagList(c.bits, c.keywords),
      modSeq: result.modSeq,
    }));
    if (changes.length) {
      this.#bus.advance(mailboxId, result.box.highest_modseq, {
        modSeq: result.modSeq,
        uidNext: result.box.uid_next,
        name: result.box.name,
      });
      this.#bus.emit({ type: "flags", mailboxId, changes });
    }
    return { changed: changes, modified: result.modified };
  }

  /** Message rows for a normalized set, ascending, inside a transaction. */
  async #selectRows(
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
        : q.where(inJsonArray("uid", step.uids));
      const rows = await q.orderBy("uid").execute();
      for (const r of rows) if (!extra || extra(r)) out.push(r);
    }
    return out;
  }

  // ---- expunge, copy, move ---------------------------------------------

  async expunge(mailboxId: number, uids?: UidSet): Promise<number[]> {
    const result = await this.#db.transaction().execute(async (trx) => {
      const box = await this.#mailbox(trx, mailboxId);
      const set = normalizeUidSet(uids ?? [{ from: 1, to: 0xffffffff }], box.uid_next - 1);
      const rows = await this.#selectRows(
        trx,
        mailboxId,
        set,
        (r) => (r.system_flags & DELETED) !== 0,
      );
      if (rows.length === 0) return null;
      const modSeq = box.highest_modseq + 1;
      const hashes = await this.#removeRows(trx, mailboxId, rows, modSeq);
      return { uids: rows.map((r) => r.uid), modSeq, box, hashes };
    });
    if (!result) return [];
    await this.#store.options.files?.remove(result.hashes);
    this.#bus.advance(mailboxId, result.box.highest_modseq, {
      modSeq: result.modSeq,
      uidNext: result.box.uid_next,
      name: result.box.name,
    });
    this.#bus.emit({ type: "expunge", mailboxId, uids: result.uids });
    return result.uids;
  }

  /** Deletes rows, leaves tombstones at `modSeq`, collects bodies; returns removed file hashes. */
  async #removeRows(
    trx: Transaction<Db>,
    mailboxId: number,
    rows: readonly MessageRow[],
    modSeq: number,
  ): Promise<string[]> {
    await trx.updateTable("mailboxes").set({ highest_modseq: modSeq }).where("id", "=", mailboxId)
      .execute();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK).map((r) => r.uid);
      await trx.deleteFrom("messages").where("mailbox_id", "=", mailboxId)
        .where(inJsonArray("uid", part)).execute();
      await trx.insertInto("expunged")
        .columns(["mailbox_id", "uid", "modseq"])
        .expression((eb) =>
          eb.selectFrom(jsonRows(part.map((u) => [u]), 1).as("c"))
            .select((
              e,
            ) => [e.val(mailboxId).as("mailbox_id"), "c.c0" as never, e.val(modSeq).as("modseq")])
        )
        .execute(); // UIDs are never reused, so a tombstone never conflicts.
    }
    return await collectBodies(trx, [...new Set(rows.map((r) => r.body_id))]);
  }

  copy(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult> {
    return this.#copy(mailboxId, uids, destMailboxId, false);
  }

  move(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult> {
    return this.#copy(mailboxId, uids, destMailboxId, true);
  }

  async #copy(
    mailboxId: number,
    uids: UidSet,
    destMailboxId: number,
    move: boolean,
  ): Promise<CopyResult> {
    const disableRecent = this.#store.options.disableRecent;
    const result = await this.#db.transaction().execute(async (trx) => {
      const src = await this.#mailbox(trx, mailboxId);
      const dst = await this.#mailbox(trx, destMailboxId);
      const set = normalizeUidSet(uids, src.uid_next - 1);
      const rows = await this.#selectRows(trx, mailboxId, set);
      if (rows.length === 0) return null;
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
          ])
          .expression((eb) =>
            eb.selectFrom(jsonRows(part, 7).as("c")).select((e) => [
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
            ])
          ).execute();
      }
      let srcModSeq = src.highest_modseq;
      let hashes: string[] = [];
      if (move) {
        // A move within one mailbox already raised its MODSEQ above.
        srcModSeq = (mailboxId === destMailboxId ? dstModSeq : src.highest_modseq) + 1;
        hashes = await this.#removeRows(trx, mailboxId, rows, srcModSeq);
      }
      return { rows, first, src, dst, dstModSeq, srcModSeq, hashes };
    });
    const dstBox = await this.#mailbox(this.#db, destMailboxId).catch(() => null);
    if (!result) {
      return { uidValidity: dstBox?.uid_validity ?? 0, sourceUids: [], destUids: [] };
    }
    const sourceUids = result.rows.map((r) => r.uid);
    const destUids = sourceUids.map((_, i) => result.first + i);
    this.#bus.advance(destMailboxId, result.dst.highest_modseq, {
      modSeq: result.dstModSeq,
      uidNext: result.first + sourceUids.length,
      name: result.dst.name,
    });
    this.#bus.emit({ type: "append", mailboxId: destMailboxId, uids: destUids });
    if (move) {
      await this.#store.options.files?.remove(result.hashes);
      this.#bus.advance(
        mailboxId,
        mailboxId === destMailboxId ? result.dstModSeq : result.src.highest_modseq,
        {
          modSeq: result.srcModSeq,
          uidNext: mailboxId === destMailboxId
            ? result.first + sourceUids.length
            : result.src.uid_next,
          name: result.src.name,
        },
      );
      this.#bus.emit({ type: "expunge", mailboxId, uids: sourceUids });
    }
    return { uidValidity: result.dst.uid_validity, sourceUids, destUids };
  }

  // ---- search ----------------------------------------------------------

  async search(mailboxId: number, key: SearchKey): Promise<number[]> {
    const box = await this.#mailbox(this.#db, mailboxId);
    const p = prefilter(key);
    const need = needs(key);
    const ctxBase = { disableRecent: this.#store.options.disableRecent };
    const out: number[] = [];
    let cursor = p.uidMin;
    const max = Math.min(p.uidMax, box.uid_next - 1);
    while (cursor <= max) {
      // One fixed shape whatever the key: neutral bounds when a term is absent.
      const rows: SearchRow[] = await this.#db.selectFrom("messages")
        .select([
          "uid",
          "system_flags",
          "keywords",
          "internal_date",
          "size",
          "modseq",
          "recent",
          "sent_day",
          "body_id",
        ])
        .where("mailbox_id", "=", mailboxId)
        .where("uid", ">=", cursor).where("uid", "<=", max)
        .where((eb) => eb(eb("system_flags", "&", p.mustHave), "=", p.mustHave))
        .where((eb) => eb(eb("system_flags", "&", p.mustNot), "=", 0))
        .where("internal_date", ">=", p.dateMin).where("internal_date", "<", p.dateMax)
        .where("size", ">=", p.sizeMin).where("size", "<=", p.sizeMax)
        .where("modseq", ">=", p.modSeqMin)
        .orderBy("uid").limit(CHUNK).execute();
      if (rows.length === 0) break;
      const headers = need.header || need.body
        ? await this.#headers(rows.map((r) => r.body_id))
        : null;
      for (const row of rows) {
        const ctx: EvalContext = { ...ctxBase };
        if (headers) {
          const header = headers.get(row.body_id) ?? new Uint8Array();
          const body = need.body ? await this.#bodyOf(row.body_id) : null;
          Object.assign(ctx, searchText(header, body?.body ?? null, body?.structure));
        }
        if (evaluate(key, row, ctx)) out.push(row.uid);
      }
      if (rows.length < CHUNK) break;
      cursor = rows[rows.length - 1].uid + 1;
    }
    return out;
  }

  async #headers(bodyIds: number[]): Promise<Map<number, Uint8Array>> {
    const rows = await this.#db.selectFrom("bodies").select(["id", "header"])
      .where(inJsonArray("id", [...new Set(bodyIds)])).execute();
    return new Map(rows.map((r) => [r.id, toBytes(r.header)]));
  }

  async #bodyOf(
    bodyId: number,
  ): Promise<{ body: Uint8Array; structure: BodyStructure | null }> {
    const row = await this.#db.selectFrom("bodies")
      .select(["body", "compression", "hash", "body_structure"])
      .where("id", "=", bodyId).modifyEnd(sql.raw(ONE_ROW)).executeTakeFirst();
    if (!row) return { body: new Uint8Array(), structure: null };
    const files = this.#store.options.files;
    const stored = row.body === null && files ? await files.read(row.hash) : toBytes(row.body);
    return {
      body: decompress(stored, row.compression),
      structure: JSON.parse(row.body_structure) as BodyStructure,
    };
  }

  // ---- change notification ---------------------------------------------

  /**
   * Events reach the listener only once this account has found the mailbox
   * (select, status, fetch... succeeded): a mailbox id of another account
   * never delivers anything, even though the bus is store-wide.
   */
  watch(mailboxId: number, listener: (event: MailboxEvent) => void): () => void {
    return this.#bus.watch(mailboxId, (event) => {
      if (this.#owned.has(mailboxId)) listener(event);
    });
  }

  async poll(mailboxId: number): Promise<void> {
    const known = this.#bus.known(mailboxId);
    const row = await this.#db.selectFrom("mailboxes")
      .select(["highest_modseq", "uid_next", "name", "account_id"])
      .where("id", "=", mailboxId).executeTakeFirst();
    if (row && row.account_id !== this.#accountId) {
      throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
    }
    if (!row) {
      if (!known || !this.#owned.has(mailboxId)) {
        throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
      }
      this.#bus.forget(mailboxId);
      this.#bus.emit({ type: "deleted", mailboxId });
      return;
    }
    this.#owned.add(mailboxId);
    if (!known) {
      this.#bus.init(mailboxId, {
        modSeq: row.highest_modseq,
        uidNext: row.uid_next,
        name: row.name,
      });
      return;
    }
    if (row.name !== known.name) {
      known.name = row.name;
      this.#bus.emit({ type: "renamed", mailboxId, name: row.name });
    }
    if (row.highest_modseq <= known.modSeq) return;
    const since = known.modSeq;
    const oldNext = known.uidNext;
    const changed = await this.#db.selectFrom("messages")
      .select(["uid", "system_flags", "keywords", "modseq"])
      .where("mailbox_id", "=", mailboxId).where("modseq", ">", since).orderBy("uid").execute();
    const gone = await this.#db.selectFrom("expunged").select("uid")
      .where("mailbox_id", "=", mailboxId).where("modseq", ">", since)
      .where("uid", "<", oldNext).orderBy("uid").execute();
    this.#bus.sync(mailboxId, {
      modSeq: row.highest_modseq,
      uidNext: row.uid_next,
      name: row.name,
    });
    if (gone.length) this.#bus.emit({ type: "expunge", mailboxId, uids: gone.map((g) => g.uid) });
    const appended = changed.filter((c) => c.uid >= oldNext).map((c) => c.uid);
    const flags = changed.filter((c) => c.uid < oldNext).map((c) => ({
      uid: c.uid,
      flags: flagList(c.system_flags, JSON.parse(c.keywords)),
      modSeq: c.modseq,
    }));
    if (appended.length) this.#bus.emit({ type: "append", mailboxId, uids: appended });
    if (flags.length) this.#bus.emit({ type: "flags", mailboxId, changes: flags });
  }
}

function toInfo(row: MailboxRow, subscribed: boolean): MailboxInfo {
  return {
    id: row.id,
    name: row.name,
    uidValidity: row.uid_validity,
    uidNext: row.uid_next,
    highestModSeq: row.highest_modseq,
    specialUse: row.special_use as SpecialUse | null,
    subscribed,
  };
}
