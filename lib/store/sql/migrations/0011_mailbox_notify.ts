import { PostgresAdapter, sql } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * PostgreSQL only (a no-op on SQLite): a trigger that sends
 * `pg_notify('imapd_mailbox', 'account:mailbox:modseq')` in the transaction
 * that changes a mailbox row (its HIGHESTMODSEQ or name) or deletes it, so
 * other nodes wake at commit (pg_listen.ts). Payload small: ids and MODSEQ.
 */
export const mailboxNotify: Migration = {
  version: 11,
  name: "mailbox_notify",
  async up(db) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create or replace function imapd_mailbox_notify() returns trigger
      language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          perform pg_notify('imapd_mailbox', old.account_id || ':' || old.id || ':' || old.highest_modseq);
        elsif new.highest_modseq <> old.highest_modseq or new.name <> old.name then
          perform pg_notify('imapd_mailbox', new.account_id || ':' || new.id || ':' || new.highest_modseq);
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger mailboxes_notify after update or delete on mailboxes
      for each row execute function imapd_mailbox_notify()`.execute(db);
  },
};
