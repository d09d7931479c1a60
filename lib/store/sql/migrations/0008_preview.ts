import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";

/**
 * PREVIEW (RFC 8970): each body's preview text, computed at APPEND and
 * read by FETCH PREVIEW beside the envelope, so a list of previews costs
 * what a list of envelopes does. Bodies stored before this migration keep
 * NULL here; the first FETCH PREVIEW of one computes it and stores it.
 */
export const preview: Migration = {
  version: 8,
  name: "preview",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("bodies").addColumn("preview", "text").execute();
  },
};
