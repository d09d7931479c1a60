/**
 * Migration 10: a body records at APPEND (and restore) whether it holds a
 * NUL octet, and FETCH of its content says `nulFree` only when the row says
 * none; a body stored before the migration (NULL) is not called NUL-free,
 * so the FETCH writer still scans it. COPY shares the row, and the flag.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { ALL, collect, KINDS, message, on, openInbox } from "./_helpers.ts";

const enc = new TextEncoder();

for (const kind of KINDS) {
  Deno.test(
    `bodies record whether they hold NUL; FETCH of content reports it (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        await acct.append(inbox.id, { content: message(1) });
        const withNul = enc.encode("Subject: nul\r\n\r\na\0b\r\n");
        await acct.append(inbox.id, { content: withNul });
        await acct.createMailbox("Old");
        const old = (await acct.getMailbox("Old"))!;
        await acct.restoreMessages(old.id, [
          { uid: 7, content: message(3), flags: [], internalDate: new Date(0) },
          {
            uid: 8,
            content: enc.encode("Subject: r\r\n\r\n\0\r\n"),
            flags: [],
            internalDate: new Date(0),
          },
        ]);
        const stored = async () =>
          (await sql<{ has_nul: number | null }>`select has_nul from bodies order by id`.execute(
            t.store.db,
          )).rows.map((r) => r.has_nul === null ? null : Number(r.has_nul));
        assert.deepEqual(await stored(), [0, 1, 0, 1]);

        const flags = async (mailboxId: number) =>
          (await collect(acct.fetch(mailboxId, ALL, { content: true }))).map((r) => r.nulFree);
        assert.deepEqual(await flags(inbox.id), [true, undefined]);
        assert.deepEqual(await flags(old.id), [true, undefined]);
        // A copy reads the same body row.
        await acct.copy(inbox.id, [{ from: 1, to: 2 }], old.id);
        assert.deepEqual(await flags(old.id), [true, undefined, true, undefined]);
        // Without the content, nothing is claimed (a header read does not read the flag).
        const headers = await collect(acct.fetch(inbox.id, ALL, { header: true }));
        assert.deepEqual(headers.map((r) => r.nulFree), [undefined, undefined]);

        // As bodies stored before migration 10: unknown, so not NUL-free.
        await sql`update bodies set has_nul = null`.execute(t.store.db);
        assert.deepEqual(await flags(inbox.id), [undefined, undefined]);
        const [second] = await collect(
          acct.fetch(inbox.id, [{ from: 2, to: 2 }], { content: true }),
        );
        assert.deepEqual([...second.content!], [...withNul]);
      } finally {
        await t.cleanup();
      }
    },
  );
}
