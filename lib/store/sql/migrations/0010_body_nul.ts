import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * Whether a body holds a NUL octet: 0 or 1, recorded when the body is
 * stored (APPEND, LMTP, restore; COPY and MOVE share the row). A literal
 * cannot carry NUL (RFC 3501 §4.3.1), so FETCH of BODY[] and RFC822 data
 * scans the message for it; with 0 here it does not have to. Bodies
 * stored before this migration keep NULL and are scanned as before.
 */
export const bodyNul: Migration = {
  version: 10,
  name: "body_nul",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("bodies").addColumn("has_nul", "integer").execute();
  },
};
