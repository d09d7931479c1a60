import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";
import { searchFieldsOf } from "../search_fields.ts";

/**
 * `body_search`: the folded FROM/TO/CC/BCC/SUBJECT text of each body (see
 * search_fields.ts), filled for the bodies already stored, a chunk at a
 * time, from their stored header blocks.
 */
export const bodySearch: Migration = {
  version: 3,
  name: "body_search",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable("body_search")
      .addColumn(
        "body_id",
        "integer",
        (c) => c.primaryKey().references("bodies.id").onDelete("cascade"),
      )
      .addColumn("from_text", "text")
      .addColumn("to_text", "text")
      .addColumn("cc_text", "text")
      .addColumn("bcc_text", "text")
      .addColumn("subject_text", "text")
      .execute();
    let cursor = 0;
    for (;;) {
      const rows: { id: number; header: Uint8Array }[] = await db.selectFrom("bodies")
        .select(["id", "header"]).where("id", ">", cursor).orderBy("id").limit(500).execute();
      for (const r of rows) {
        await db.insertInto("body_search")
          .values({ body_id: r.id, ...searchFieldsOf(new Uint8Array(r.header)) }).execute();
      }
      if (rows.length < 500) break;
      cursor = rows[rows.length - 1].id;
    }
  },
};
