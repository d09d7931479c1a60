/**
 * PREVIEW (RFC 8970) in the SQL store: stored at APPEND (and shared by
 * copies) in `body_preview`, read beside the other fields; a body stored
 * before migration 8 (no `body_preview` row) gets NIL with LAZY, and its preview computed and stored by
 * the first FETCH without it.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { ALL, collect, KINDS, message, openInbox } from "./_helpers.ts";

for (const kind of KINDS) {
  Deno.test(`previews are stored at APPEND and computed once for older bodies (${kind})`, async () => {
    const { t, acct, inbox } = await openInbox(kind);
    try {
      await acct.append(inbox.id, { content: message(1) });
      await acct.append(inbox.id, { content: message(2) });
      const stored = async () =>
        (await sql<{ preview: string | null }>`select p.preview from bodies b
          left join body_preview p on p.body_id = b.id order by b.id`.execute(t.store.db)).rows
          .map((r) => r.preview);
      assert.deepEqual(await stored(), [
        "Body of message 1. Second line.",
        "Body of message 2. Second line.",
      ]);
      const first = await collect(acct.fetch(inbox.id, ALL, { preview: true, envelope: true }));
      assert.deepEqual(first.map((r) => r.preview), await stored());
      assert.equal(first[0].envelope?.subject, "Message 1");

      // As a body from before migration 8: no preview stored.
      await sql`delete from body_preview`.execute(t.store.db);
      const lazy = await collect(acct.fetch(inbox.id, ALL, { preview: "lazy" }));
      assert.deepEqual(lazy.map((r) => r.preview), [null, null]);
      assert.deepEqual(await stored(), [null, null]);
      // Without LAZY: computed (with the content path too) and stored.
      const [one] = await collect(acct.fetch(inbox.id, [{ from: 1, to: 1 }], {
        preview: true,
        content: true,
      }));
      assert.equal(one.preview, "Body of message 1. Second line.");
      assert.deepEqual(await stored(), ["Body of message 1. Second line.", null]);
      const all = await collect(acct.fetch(inbox.id, ALL, { preview: true }));
      assert.deepEqual(all.map((r) => r.preview), [
        "Body of message 1. Second line.",
        "Body of message 2. Second line.",
      ]);
      assert.deepEqual(await stored(), all.map((r) => r.preview));
    } finally {
      await t.cleanup();
    }
  });
}
