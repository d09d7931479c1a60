import type { Kysely } from "kysely";
import type { Migration } from "./migration.ts";

const BLOCK_SHIFT = 11; // uid_blocks.ts; copied so this migration never changes
const PRESENT = 0x80;
const HAS_KEYWORDS = 0x40;

/**
 * The compact per-mailbox index (see uid_blocks.ts): `uid_blocks` (one byte
 * per UID: present, has keywords, system flags) and `mailbox_keywords`,
 * filled from the messages already stored, in chunks, with portable queries
 * only (the PostgreSQL dialect runs the same list on an empty database).
 */
export const uidBlocks: Migration = {
  version: 2,
  name: "uid_blocks",
  // deno-lint-ignore no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable("uid_blocks")
      .addColumn(
        "mailbox_id",
        "integer",
        (c) => c.notNull().references("mailboxes.id").onDelete("cascade"),
      )
      .addColumn("block", "integer", (c) => c.notNull())
      .addColumn("slots", "blob", (c) => c.notNull())
      .addPrimaryKeyConstraint("uid_blocks_pk", ["mailbox_id", "block"])
      .execute();
    await db.schema.createTable("mailbox_keywords")
      .addColumn(
        "mailbox_id",
        "integer",
        (c) => c.notNull().references("mailboxes.id").onDelete("cascade"),
      )
      .addColumn("keyword", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("mailbox_keywords_pk", ["mailbox_id", "keyword"])
      .execute();

    const boxes = await db.selectFrom("mailboxes").select("id").orderBy("id").execute();
    for (const { id } of boxes) {
      const keywords = new Set<string>();
      let block = -1;
      const slots = new Uint8Array(1 << BLOCK_SHIFT);
      let end = 0;
      const flush = async () => {
        if (end > 0) {
          await db.insertInto("uid_blocks")
            .values({ mailbox_id: id, block, slots: slots.slice(0, end) }).execute();
        }
        slots.fill(0);
        end = 0;
      };
      let cursor = 0;
      for (;;) {
        const rows: { uid: number; system_flags: number; keywords: string }[] = await db
          .selectFrom("messages").select(["uid", "system_flags", "keywords"])
          .where("mailbox_id", "=", id).where("uid", ">", cursor)
          .orderBy("uid").limit(5000).execute();
        for (const r of rows) {
          const b = r.uid >>> BLOCK_SHIFT;
          if (b !== block) {
            await flush();
            block = b;
          }
          const kw = r.keywords === "[]" ? [] : JSON.parse(r.keywords) as string[];
          for (const k of kw) keywords.add(k);
          const i = r.uid & ((1 << BLOCK_SHIFT) - 1);
          slots[i] = PRESENT | (r.system_flags & 0x1f) | (kw.length ? HAS_KEYWORDS : 0);
          end = Math.max(end, i + 1);
        }
        if (rows.length < 5000) break;
        cursor = rows[rows.length - 1].uid;
      }
      await flush();
      for (const keyword of keywords) {
        await db.insertInto("mailbox_keywords").values({ mailbox_id: id, keyword }).execute();
      }
    }
  },
};
