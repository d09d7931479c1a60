import { type Kysely, sql } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * The first schema. Every row that can change carries a MODSEQ and expunges
 * leave tombstones, so CONDSTORE/QRESYNC (RFC 7162) need no rewrite later.
 */
export const initial: Migration = {
  version: 1,
  name: "initial",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable("accounts")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("name_key", "text", (c) => c.notNull().unique())
      .addColumn("append_limit", "integer")
      .execute();

    await db.schema.createTable("mailboxes")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn(
        "account_id",
        "integer",
        (c) => c.notNull().references("accounts.id").onDelete("cascade"),
      )
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("uid_validity", "integer", (c) => c.notNull())
      .addColumn("uid_next", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("highest_modseq", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("special_use", "text")
      .addColumn("append_limit", "integer")
      .addUniqueConstraint("mailboxes_account_name", ["account_id", "name"])
      .execute();

    await db.schema.createTable("subscriptions")
      .addColumn(
        "account_id",
        "integer",
        (c) => c.notNull().references("accounts.id").onDelete("cascade"),
      )
      .addColumn("name", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("subscriptions_pk", ["account_id", "name"])
      .execute();

    await db.schema.createTable("bodies")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("hash", "text", (c) => c.notNull().unique())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("header", "blob", (c) => c.notNull())
      .addColumn("body", "blob")
      .addColumn("compression", "text", (c) => c.notNull().defaultTo("off"))
      .addColumn("envelope", "text", (c) => c.notNull())
      .addColumn("body_structure", "text", (c) => c.notNull())
      .execute();

    await db.schema.createTable("messages")
      .addColumn(
        "mailbox_id",
        "integer",
        (c) => c.notNull().references("mailboxes.id").onDelete("cascade"),
      )
      .addColumn("uid", "integer", (c) => c.notNull())
      .addColumn("body_id", "integer", (c) => c.notNull().references("bodies.id"))
      .addColumn("internal_date", "integer", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("system_flags", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("keywords", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("modseq", "integer", (c) => c.notNull())
      .addColumn("recent", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("sent_day", "text")
      .addPrimaryKeyConstraint("messages_pk", ["mailbox_id", "uid"])
      .modifyEnd(sql`without rowid`)
      .execute();
    await db.schema.createIndex("messages_body").on("messages").column("body_id").execute();
    await db.schema.createIndex("messages_modseq").on("messages")
      .columns(["mailbox_id", "modseq"]).execute();

    await db.schema.createTable("expunged")
      .addColumn(
        "mailbox_id",
        "integer",
        (c) => c.notNull().references("mailboxes.id").onDelete("cascade"),
      )
      .addColumn("uid", "integer", (c) => c.notNull())
      .addColumn("modseq", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("expunged_pk", ["mailbox_id", "uid"])
      .modifyEnd(sql`without rowid`)
      .execute();
  },
};
