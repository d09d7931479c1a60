import { type Kysely, sql } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * SAVEDATE (RFC 8514 §3): the time each message was saved into its mailbox,
 * set by APPEND, COPY and MOVE. Messages stored before this migration take
 * their internal date, the best estimate at hand (for APPEND and delivery
 * it is the moment they were saved).
 *
 * OBJECTID (RFC 8474) needs no column: MAILBOXID derives from the mailbox
 * row's id and UIDVALIDITY, EMAILID from the content hash of the body.
 */
export const savedateObjectid: Migration = {
  version: 7,
  name: "savedate_objectid",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("messages").addColumn("save_date", "integer").execute();
    await sql`update messages set save_date = internal_date`.execute(db);
  },
};
