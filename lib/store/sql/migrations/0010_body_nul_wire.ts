import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";
import { wireOf, wireRow } from "../body_wire.ts";

/**
 * What FETCH needs to copy rather than compute, recorded when a body is
 * stored (APPEND, LMTP, restore; COPY and MOVE share the row). Bodies
 * stored before this migration have neither, and FETCH works as before.
 *
 * - `bodies.has_nul`: whether the body holds a NUL octet, 0 or 1. A literal
 *   cannot carry NUL (RFC 3501 §4.3.1), so FETCH of BODY[] and RFC822 data
 *   scans the message for it; with 0 here it does not have to.
 * - `body_wire`: ENVELOPE and BODYSTRUCTURE as a FETCH response writes
 *   them (body_wire.ts), in a table of their own so that reading them does
 *   not walk the overflow pages of a body stored before them in a row;
 *   filled here for the bodies already stored, a chunk at a time, from
 *   their stored structures.
 */
export const bodyNulWire: Migration = {
  version: 10,
  name: "body_nul_wire",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("bodies").addColumn("has_nul", "integer").execute();
    await db.schema.createTable("body_wire")
      .addColumn(
        "body_id",
        "integer",
        (c) => c.primaryKey().references("bodies.id").onDelete("cascade"),
      )
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("envelope", "blob", (c) => c.notNull())
      .addColumn("body_structure", "blob", (c) => c.notNull())
      .addColumn("envelope_ascii", "blob")
      .addColumn("body_structure_ascii", "blob")
      .execute();
    let cursor = 0;
    for (;;) {
      const rows: { id: number; envelope: string; body_structure: string }[] = await db
        .selectFrom("bodies").select(["id", "envelope", "body_structure"])
        .where("id", ">", cursor).orderBy("id").limit(500).execute();
      for (const r of rows) {
        const wire = wireOf(JSON.parse(r.envelope), JSON.parse(r.body_structure));
        await db.insertInto("body_wire").values(wireRow(r.id, wire)).execute();
      }
      if (rows.length < 500) break;
      cursor = rows[rows.length - 1].id;
    }
  },
};
