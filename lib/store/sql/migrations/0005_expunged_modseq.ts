import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * QRESYNC (RFC 7162 §3.2.5.1, §3.2.6) asks for the UIDs expunged since a
 * MODSEQ: an index on (mailbox_id, modseq) of the tombstones reads just
 * those, where the primary key (mailbox_id, uid) made every resync walk all
 * the mailbox's tombstones (they are kept as long as the mailbox exists).
 */
export const expungedModseq: Migration = {
  version: 5,
  name: "expunged_modseq",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex("expunged_modseq").on("expunged")
      .columns(["mailbox_id", "modseq"]).execute();
  },
};
