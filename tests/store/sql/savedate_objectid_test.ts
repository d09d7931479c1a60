/**
 * SAVEDATE (RFC 8514) and OBJECTID (RFC 8474) in the SQL store: the save
 * date set by APPEND, COPY and MOVE, EMAILID kept across COPY and MOVE,
 * MAILBOXID kept across RENAME and never shared; their search keys.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import type { SearchKey } from "../../../lib/store/mail_store.ts";
import { threadObjectId } from "../../../lib/mime/mod.ts";
import { ALL, collect, KINDS, message, on, openInbox, openTestStore } from "./_helpers.ts";

for (const kind of KINDS) {
  Deno.test(`save dates, EMAILID and their search keys (${kind})`, on(kind), async () => {
    const { t, acct, inbox } = await openInbox(kind);
    try {
      const other = await acct.createMailbox("Other");
      const old = new Date("2020-03-01T10:00:00Z");
      await acct.append(inbox.id, { content: message(1), internalDate: old });
      await acct.append(inbox.id, { content: message(2), internalDate: old });
      const before = Date.now();
      const [one, two] = await collect(
        acct.fetch(inbox.id, ALL, { saveDate: true, emailId: true, internalDate: true }),
      );
      // APPEND saves now, whatever the internal date says.
      assert.ok(one.saveDate instanceof Date && one.saveDate.getTime() >= before - 60_000);
      assert.equal(one.internalDate?.getTime(), old.getTime());
      assert.match(one.emailId!, /^M[0-9a-f]{64}$/);
      assert.notEqual(one.emailId, two.emailId);

      // Back-date the save date, then COPY and MOVE: the destination is saved anew.
      await sql`update messages set save_date = ${old.getTime()}`.execute(t.store.db);
      await acct.copy(inbox.id, [{ from: 1, to: 1 }], other.id);
      await acct.move(inbox.id, [{ from: 2, to: 2 }], other.id);
      const copies = await collect(acct.fetch(other.id, ALL, { saveDate: true, emailId: true }));
      assert.deepEqual(copies.map((r) => r.emailId), [one.emailId, two.emailId]);
      for (const r of copies) assert.ok(r.saveDate!.getTime() > old.getTime());
      const [left] = await collect(acct.fetch(inbox.id, ALL, { saveDate: true }));
      assert.equal(left.saveDate?.getTime(), old.getTime());

      const s = (id: number, key: SearchKey) => acct.search(id, key);
      assert.deepEqual(await s(inbox.id, { type: "saveDate", op: "on", date: "2020-03-01" }), [1]);
      assert.deepEqual(
        await s(other.id, { type: "saveDate", op: "before", date: "2020-03-02" }),
        [],
      );
      assert.deepEqual(await s(other.id, { type: "saveDate", op: "since", date: "2020-03-02" }), [
        1,
        2,
      ]);
      assert.deepEqual(await s(other.id, { type: "saveDateSupported" }), [1, 2]);
      assert.deepEqual(await s(other.id, { type: "emailId", id: two.emailId! }), [2]);
      assert.deepEqual(await s(other.id, { type: "emailId", id: "Mffff" }), []);
      assert.deepEqual(await s(other.id, { type: "emailId", id: "F1-2" }), []);
      assert.deepEqual(await s(other.id, { type: "threadId", id: "T1" }), []);
      // THREADID: a reply that names message 1's Message-ID in References joins its thread.
      const root = new TextEncoder().encode("Message-ID: <root@x>\r\n\r\nhi\r\n");
      const reply = new TextEncoder().encode(
        "Message-ID: <r1@x>\r\nReferences: <root@x> <mid@x>\r\n\r\nre\r\n",
      );
      await acct.append(other.id, { content: root });
      await acct.append(other.id, { content: reply });
      const thread = threadObjectId(root);
      assert.equal(threadObjectId(reply), thread);
      assert.deepEqual(await s(other.id, { type: "threadId", id: thread }), [3, 4]);
      assert.deepEqual(
        await s(other.id, { type: "not", key: { type: "emailId", id: one.emailId! } }),
        [2, 3, 4],
      );
      // A message without a save date (a store that lost it) matches no SAVED* key, FETCH gives null.
      await sql`update messages set save_date = null where uid = 1`.execute(t.store.db);
      assert.deepEqual(
        await s(inbox.id, { type: "saveDate", op: "since", date: "1970-01-01" }),
        [],
      );
      const [none] = await collect(acct.fetch(inbox.id, ALL, { saveDate: true }));
      assert.equal(none.saveDate, null);

      // OLDER / YOUNGER arrive as instants.
      const t0 = old.getTime();
      assert.deepEqual(await s(other.id, { type: "internalTime", op: "before", time: t0 + 1 }), [
        1,
        2,
      ]);
      // Messages 3 and 4 were appended now.
      assert.deepEqual(await s(other.id, { type: "internalTime", op: "since", time: t0 + 1 }), [
        3,
        4,
      ]);
    } finally {
      await t.cleanup();
    }
  });

  Deno.test(`MAILBOXID stays across RENAME and is never shared (${kind})`, on(kind), async () => {
    const t = await openTestStore(kind);
    try {
      const acct = (await t.store.openAccount("a", { create: true }))!;
      const a = await acct.createMailbox("A");
      await acct.renameMailbox("A", "B");
      assert.equal((await acct.getMailbox("B"))!.objectId, a.objectId);
      assert.match(a.objectId, /^[A-Za-z0-9_-]{1,255}$/);
      const ids = (await acct.listMailboxes()).map((m) => m.objectId);
      assert.equal(new Set(ids).size, ids.length);
      await acct.deleteMailbox("B");
      const again = await acct.createMailbox("B");
      assert.notEqual(again.objectId, a.objectId);
    } finally {
      await t.cleanup();
    }
  });
}
