import { type Kysely, sql } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * PREVIEW text (RFC 8970) in a table of its own, `body_preview`, keyed by
 * body. Migration 8 added it as the last column of `bodies`, behind the
 * body blob: reading it made SQLite load each body's row (a page or more
 * for every message, plus every overflow page of a long body before the
 * column), so `FETCH 1:2000 (PREVIEW)` read about as many pages as
 * messages. Here 2,000 previews fill about a hundred pages. The previews
 * already stored are copied; `bodies.preview` is no longer read or written
 * (it stays: dropping a column rewrites the whole table). A body without a
 * row here gets its preview computed at its first FETCH PREVIEW, as before.
 */
export const bodyPreview: Migration = {
  version: 12,
  name: "body_preview",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable("body_preview")
      .addColumn(
        "body_id",
        "integer",
        (c) => c.primaryKey().references("bodies.id").onDelete("cascade"),
      )
      .addColumn("preview", "text", (c) => c.notNull())
      .execute();
    await sql`insert into body_preview (body_id, preview)
      select id, preview from bodies where preview is not null`.execute(db);
  },
};
