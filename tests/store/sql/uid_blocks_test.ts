import assert from "node:assert/strict";
import { sql } from "kysely";
import type { AccountStore } from "../../../lib/store/mail_store.ts";
import type { SqlMailStore } from "../../../lib/store/sql/sql_store.ts";
import { countAbove, readBlocks } from "../../../lib/store/sql/uid_blocks.ts";
import { ALL, collect, message, openTestStore } from "./_helpers.ts";

/** What the messages table itself says, scanned row by row (the ground truth). */
async function truth(store: SqlMailStore, mailboxId: number) {
  const rows = await store.db.selectFrom("messages").select(["uid", "system_flags", "keywords"])
    .where("mailbox_id", "=", mailboxId).orderBy("uid").execute();
  const keywords = new Set<string>();
  for (const r of rows) for (const k of JSON.parse(r.keywords) as string[]) keywords.add(k);
  return {
    uids: rows.map((r) => r.uid),
    flags: rows.map((r) => r.system_flags | (r.keywords === "[]" ? 0 : 64)),
    unseen: rows.filter((r) => (r.system_flags & 1) === 0).map((r) => r.uid),
    keywords,
  };
}

async function checkIndex(store: SqlMailStore, acct: AccountStore, mailboxId: number) {
  const t = await truth(store, mailboxId);
  const snap = await acct.select(mailboxId, { readOnly: true });
  assert.deepEqual([...snap.uids], t.uids);
  assert.deepEqual([...snap.flags!], t.flags);
  assert.equal(snap.unseen, t.unseen.length);
  assert.equal(snap.firstUnseenUid, t.unseen[0] ?? null);
  // Keywords once used stay listed; every keyword in use is listed.
  for (const k of t.keywords) assert.ok(snap.flagsInUse.includes(k), k);
  const blocks = await readBlocks(store.db, mailboxId);
  for (const above of [0, t.uids[0] ?? 1, t.uids[t.uids.length >> 1] ?? 5, 2047, 2048, 1e6]) {
    assert.equal(
      countAbove(blocks, above),
      t.uids.filter((u) => u > above).length,
      `above ${above}`,
    );
  }
  const status = await acct.status(mailboxId);
  assert.equal(status.messages, t.uids.length);
  assert.equal(status.unseen, t.unseen.length);
  assert.deepEqual(
    await acct.search(mailboxId, { type: "flag", flag: "\\Seen", present: false }),
    t.unseen,
  );
  // FETCH (FLAGS) from the index agrees with FETCH (FLAGS MODSEQ) from the rows.
  const fromIndex = await collect(acct.fetch(mailboxId, ALL, { flags: true }));
  const fromRows = await collect(acct.fetch(mailboxId, ALL, { flags: true, modSeq: true }));
  assert.deepEqual(fromIndex, fromRows.map((r) => ({ uid: r.uid, flags: r.flags })));
}

Deno.test("the UID/flag index follows every write (append, store, expunge, copy, move)", async () => {
  const t = await openTestStore("file");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const inbox = (await acct.getMailbox("INBOX"))!;
    const other = await acct.createMailbox("Other");
    // Deterministic pseudo-random sequence of writes, across a block boundary (2,048 UIDs).
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const flags = ["\\Seen", "\\Flagged", "\\Deleted", "$Work", "$Later"];
    for (let i = 1; i <= 60; i++) {
      await acct.append(inbox.id, { content: message(i), flags: i % 3 ? ["\\Seen"] : ["$Work"] });
    }
    await acct.copy(inbox.id, ALL, inbox.id); // 120
    for (let round = 0; round < 40; round++) {
      const max = (await acct.status(inbox.id)).uidNext - 1;
      const from = 1 + rand(max);
      const set = [{ from, to: from + rand(30) }];
      switch (rand(6)) {
        case 0:
          await acct.storeFlags(inbox.id, set, "add", [flags[rand(5)]]);
          break;
        case 1:
          await acct.storeFlags(inbox.id, set, "remove", [flags[rand(5)]]);
          break;
        case 2:
          await acct.storeFlags(inbox.id, set, "set", [flags[rand(5)], flags[rand(5)]]);
          break;
        case 3:
          await acct.expunge(inbox.id, set);
          break;
        case 4:
          await acct.copy(inbox.id, set, other.id);
          break;
        case 5:
          await acct.move(inbox.id, set, other.id);
          break;
      }
      if (round % 10 === 9) {
        await checkIndex(t.store, acct, inbox.id);
        await checkIndex(t.store, acct, other.id);
      }
    }
    // Grow past the first block by copies, then expunge across the boundary.
    while ((await acct.status(inbox.id)).uidNext < 2200) await acct.copy(inbox.id, ALL, inbox.id);
    await acct.storeFlags(inbox.id, [{ from: 2000, to: 2100 }], "add", ["\\Deleted"]);
    await acct.expunge(inbox.id);
    await checkIndex(t.store, acct, inbox.id);
    await acct.deleteMailbox("Other");
    const left = await sql<{ n: number }>`select count(*) as n from uid_blocks
      where mailbox_id = ${other.id}`.execute(t.store.db);
    assert.equal(left.rows[0].n, 0);
  } finally {
    await t.cleanup();
  }
});

Deno.test("a database of the previous release gets its UID/flag index and search fields at open", async () => {
  const t = await openTestStore("file");
  try {
    let acct = (await t.store.openAccount("a", { create: true }))!;
    const inbox = (await acct.getMailbox("INBOX"))!;
    for (let i = 1; i <= 30; i++) {
      await acct.append(inbox.id, {
        content: message(i),
        flags: i % 2 ? ["\\Seen", "$Done"] : [],
      });
    }
    await acct.expunge(inbox.id, [{ from: 5, to: 9 }]); // nothing \Deleted: a no-op
    await acct.storeFlags(inbox.id, [{ from: 3, to: 6 }], "add", ["\\Deleted"]);
    await acct.expunge(inbox.id);
    const before = await acct.select(inbox.id, { readOnly: true });
    // Back to the schema of release 1: no index tables, migration 2 not applied.
    await sql`drop table uid_blocks`.execute(t.store.db);
    await sql`drop table mailbox_keywords`.execute(t.store.db);
    await sql`drop table body_search`.execute(t.store.db);
    await sql`drop table metadata`.execute(t.store.db);
    await sql`drop table body_wire`.execute(t.store.db);
    await sql`drop table body_preview`.execute(t.store.db);
    await sql`alter table mailboxes drop column recent_uid`.execute(t.store.db);
    await sql`alter table mailboxes drop column recent_prev`.execute(t.store.db);
    await sql`alter table mailboxes drop column message_count`.execute(t.store.db);
    await sql`alter table mailboxes drop column total_size`.execute(t.store.db);
    await sql`alter table accounts drop column quota_storage`.execute(t.store.db);
    await sql`alter table accounts drop column quota_messages`.execute(t.store.db);
    await sql`alter table messages drop column save_date`.execute(t.store.db);
    await sql`alter table bodies drop column preview`.execute(t.store.db);
    await sql`alter table bodies drop column has_nul`.execute(t.store.db);
    await sql`drop index expunged_modseq`.execute(t.store.db);
    await sql`delete from schema_migrations where version >= 2`.execute(t.store.db);
    const store = await t.reopen();
    acct = (await store.openAccount("a"))!;
    const after = await acct.select(inbox.id, { readOnly: true });
    assert.deepEqual([...after.uids], [...before.uids]);
    assert.deepEqual(after.flagsInUse, before.flagsInUse);
    assert.equal(after.unseen, before.unseen);
    assert.equal(after.firstUnseenUid, before.firstUnseenUid);
    await checkIndex(store, acct, inbox.id);
    // Migration 6 counted the messages kept (QUOTA usage, STATUS SIZE).
    assert.deepEqual((await acct.quota()).usage, {
      messages: after.uids.length,
      storage: [...after.uids].reduce((n, uid) => n + message(uid).length, 0),
    });
    // Bodies from before migration 8: PREVIEW computed at the first FETCH.
    const [rec] = await collect(acct.fetch(inbox.id, [{ from: 2, to: 2 }], { preview: true }));
    assert.equal(rec.preview, "Body of message 2. Second line.");
    const from = { type: "header", name: "From", value: "ALICE@example.org" } as const;
    assert.deepEqual(await acct.search(inbox.id, from), [...after.uids]);
    const subject = { type: "header", name: "subject", value: "message 2" } as const;
    assert.deepEqual(await acct.search(inbox.id, subject), [
      2,
      20,
      21,
      22,
      23,
      24,
      25,
      26,
      27,
      28,
      29,
    ]);
  } finally {
    await t.cleanup();
  }
});
