import { type Kysely, sql } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * QUOTA (RFC 9208): each mailbox keeps its message count and the sum of its
 * messages' sizes, updated by the transaction that adds or removes messages,
 * so an account's usage is exact (the sum over its mailboxes) and STATUS
 * SIZE (RFC 8438) is one row read. Accounts get their own limits:
 * `quota_storage` in bytes and `quota_messages`, null for the storage's
 * default, -1 for none. Existing mailboxes are counted from their messages.
 */
export const quota: Migration = {
  version: 6,
  name: "quota",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("mailboxes")
      .addColumn("message_count", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("mailboxes")
      .addColumn("total_size", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("accounts").addColumn("quota_storage", "integer").execute();
    await db.schema.alterTable("accounts").addColumn("quota_messages", "integer").execute();
    await sql`update mailboxes set
        message_count = (select count(*) from messages m where m.mailbox_id = mailboxes.id),
        total_size = coalesce(
          (select sum(m.size) from messages m where m.mailbox_id = mailboxes.id), 0)`.execute(db);
  },
};
