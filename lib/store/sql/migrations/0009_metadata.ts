import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * METADATA (RFC 5464): annotations on the server (`mailbox_id` 0, the
 * account's own "server" entries, RFC 5464 §3.2) and on each mailbox. The
 * entry name is kept lower-cased (entry names are case-insensitive) and
 * starts with "/private/" or "/shared/". A mailbox's rows follow it through
 * RENAME (the id stays) and go with DELETE.
 */
export const metadata: Migration = {
  version: 9,
  name: "metadata",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable("metadata")
      .addColumn("account_id", "integer", (c) => c.notNull())
      .addColumn("mailbox_id", "integer", (c) => c.notNull())
      .addColumn("entry", "text", (c) => c.notNull())
      .addColumn("value", "blob", (c) => c.notNull())
      .addPrimaryKeyConstraint("metadata_pk", ["account_id", "mailbox_id", "entry"])
      .execute();
  },
};
