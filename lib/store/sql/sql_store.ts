/**
 * `MailStore` over Kysely: accounts, and the store-wide parts every account
 * shares (the database, the event bus, the append queue). One account's
 * operations are in `account_store.ts` and the section files it calls.
 *
 * Concurrency: every query goes through the dialect's one connection; each
 * write is one transaction that awaits nothing but the database (parsing,
 * hashing, compression and body files happen before it begins), so no
 * transaction waits on a socket.
 */
import type { Kysely } from "kysely";
import type { AccountStore, MailStore, SpecialUse } from "../mail_store.ts";
import { StoreError } from "../mail_store.ts";
import { SqlAccountStore } from "./account_store.ts";
import { AppendQueue } from "./append.ts";
import { collectBodies, type SqlStoreOptions, type StoreShared } from "./context.ts";
import type { StoreSql } from "./dialect.ts";
import { EventBus } from "./event_bus.ts";
import { nextUidValidity } from "./mailboxes.ts";
import type { Db } from "./schema.ts";
import { transact } from "./retry.ts";

export { normalizeMailboxName } from "./mailboxes.ts";
export { CHUNK, type SqlStoreOptions } from "./context.ts";

const DEFAULT_MAILBOXES: [string, SpecialUse | null][] = [
  ["INBOX", null],
  ["Sent", "\\Sent"],
  ["Drafts", "\\Drafts"],
  ["Trash", "\\Trash"],
  ["Junk", "\\Junk"],
  ["Archive", "\\Archive"],
];

function accountKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

export class SqlMailStore implements MailStore, StoreShared {
  readonly db: Kysely<Db>;
  /** The engine-specific SQL (sqlite_sql.ts, later a PostgreSQL file). */
  readonly sql: StoreSql;
  readonly bus = new EventBus();
  readonly options: SqlStoreOptions;
  readonly appends: AppendQueue;
  #closed = false;
  #closers: (() => Promise<void>)[] = [];

  constructor(db: Kysely<Db>, sql: StoreSql, options: SqlStoreOptions) {
    this.db = db;
    this.sql = sql;
    this.options = options;
    this.appends = new AppendQueue(
      db,
      options.disableRecent,
      options.files,
      options.quota,
      options.nextTask,
    );
  }

  get appendLimit(): number {
    return this.options.appendLimit;
  }

  async openAccount(name: string, options?: { create?: boolean }): Promise<AccountStore | null> {
    const key = accountKey(name);
    if (key === "") throw new StoreError("CANNOT", "Empty account name");
    const row = await this.db.selectFrom("accounts").select(["id", "name"])
      .where("name_key", "=", key).executeTakeFirst();
    if (row) return new SqlAccountStore(this, this.appends, row.id, row.name);
    if (!options?.create) return null;
    const created = await transact(this.db, async (trx) => {
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
    return new SqlAccountStore(this, this.appends, created.id, created.name);
  }

  async listAccounts(): Promise<string[]> {
    const rows = await this.db.selectFrom("accounts").select("name").orderBy("name_key").execute();
    return rows.map((r) => r.name);
  }

  async deleteAccount(name: string): Promise<void> {
    const key = accountKey(name);
    const mailboxIds: number[] = [];
    const hashes = await transact(this.db, async (trx) => {
      const account = await trx.selectFrom("accounts").select("id").where("name_key", "=", key)
        .executeTakeFirst();
      if (!account) throw new StoreError("NONEXISTENT", `No account ${JSON.stringify(name)}`);
      const boxes = await trx.selectFrom("mailboxes").select("id")
        .where("account_id", "=", account.id).execute();
      mailboxIds.length = 0; // a second run (retry.ts) starts afresh
      mailboxIds.push(...boxes.map((b) => b.id));
      const bodyIds = await trx.selectFrom("messages").select("body_id").distinct()
        .where(
          "mailbox_id",
          "in",
          trx.selectFrom("mailboxes").select("id").where("account_id", "=", account.id),
        )
        .execute();
      for (const table of ["messages", "uid_blocks", "mailbox_keywords"] as const) {
        await trx.deleteFrom(table).where(
          "mailbox_id",
          "in",
          trx.selectFrom("mailboxes").select("id").where("account_id", "=", account.id),
        ).execute();
      }
      await trx.deleteFrom("metadata").where("account_id", "=", account.id).execute();
      await trx.deleteFrom("accounts").where("id", "=", account.id).execute();
      return await collectBodies(this.sql, trx, bodyIds.map((b) => b.body_id));
    });
    await this.options.files?.remove(hashes);
    for (const id of mailboxIds) {
      this.bus.emit({ type: "deleted", mailboxId: id });
      this.bus.forget(id);
    }
  }

  /** Runs `fn` when the store closes (before the database goes). */
  onClose(fn: () => Promise<void>): void {
    this.#closers.push(fn);
  }

  /**
   * Another node changed mailbox `mailboxId` of account `accountId` (a
   * PostgreSQL notification, pg_listen.ts): when a session here watches it,
   * reads the change from the database and tells the watchers. The
   * notification of a commit made here (its MODSEQ already known, its event
   * already delivered) costs nothing.
   */
  async pollChanged(accountId: number, mailboxId: number, modSeq = Infinity): Promise<void> {
    if (this.#closed || this.bus.watchers(mailboxId) === 0) return;
    const known = this.bus.known(mailboxId);
    if (!known || known.modSeq >= modSeq) return;
    await new SqlAccountStore(this, this.appends, accountId, "").poll(mailboxId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#closers) await fn().catch(() => {});
    // Appends already queued commit before the database goes.
    await this.appends.drain();
    await this.db.destroy();
    await this.options.onClose?.();
  }
}
