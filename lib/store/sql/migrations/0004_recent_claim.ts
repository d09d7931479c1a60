import { type Kysely, sql } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * \Recent as one counter per mailbox (RFC 3501 §2.3.2): `recent_uid` is the
 * largest UID some session has claimed as recent; messages above it are
 * recent for the next session that selects the mailbox (or is told of them
 * first). A claim is one UPDATE that also keeps the value it replaced in
 * `recent_prev`, read back with RETURNING, so the claimer learns its range
 * without a transaction. Existing mailboxes start from their old
 * per-message flags: claimed up to the UID before the first message still
 * marked recent (all of them when none is).
 */
export const recentClaim: Migration = {
  version: 4,
  name: "recent_claim",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("mailboxes")
      .addColumn("recent_uid", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("mailboxes")
      .addColumn("recent_prev", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update mailboxes set recent_uid = coalesce(
        (select min(m.uid) - 1 from messages m where m.mailbox_id = mailboxes.id and m.recent = 1),
        uid_next - 1)`.execute(db);
  },
};
