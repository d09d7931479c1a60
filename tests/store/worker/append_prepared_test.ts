/**
 * APPEND through the store threads: once the reader thread runs, it
 * prepares each message (limit, parse, hash, compression) and the writer
 * only commits it. What is stored must be what was sent, byte for byte,
 * with the same errors as when the writer did both.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openImapSqlStore, openSqlStore } from "../../../lib/store/imapsql.ts";
import { type MailStore, StoreError } from "../../../lib/store/mail_store.ts";
import type { ThreadedMailStore } from "../../../lib/store/worker/worker_store.ts";
import { ALL, collect, message } from "../sql/_helpers.ts";

/** Reads until the reader thread has opened (it starts at the first read). */
async function withReader(store: MailStore, account: string): Promise<void> {
  const threaded = store as ThreadedMailStore;
  const acct = (await store.openAccount(account))!;
  for (let i = 0; i < 500 && !threaded.readerRunning; i++) {
    await acct.listMailboxes();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(threaded.readerRunning, "the reader thread started");
}

for (
  const [label, extra] of [
    ["bodies in the database", {}],
    ["msg_store fs, zstd", { msg_store: ["fs", "messages"], compression: "zstd" }],
  ] as const
) {
  Deno.test(`APPEND prepared on the reader thread stores every byte (${label})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "imapsql-prepared-" });
    try {
      const options = parseImapSqlConfig(
        { dsn: "file:mail.db", appendlimit: 200_000, ...extra },
        "storage.imapsql.test",
        { stateDir: dir },
      );
      const store = await openImapSqlStore(options, { thread: true });
      const big = new Uint8Array(150_000).fill(0x61);
      big.set(new TextEncoder().encode("Subject: big\r\n\r\n"));
      for (let i = 100; i < big.length; i += 78) big.set([13, 10], i);
      const sent = [
        message(1),
        message(2, "X-Nul: a\r\n").map((b, i, a) => i === a.length - 5 ? 0 : b),
        big,
      ];
      try {
        const acct = (await store.openAccount("a", { create: true }))!;
        await withReader(store, "a");
        const inbox = (await acct.getMailbox("INBOX"))!;
        const threaded = store as ThreadedMailStore;
        // Sent together: an idle writer takes the first itself, the reader
        // prepares what comes while the writer is busy.
        const [one, rest] = await Promise.all([
          acct.append(inbox.id, { content: sent[0], flags: ["\\Seen"] }),
          acct.appendAll(inbox.id, [{ content: sent[1] }, { content: sent[2] }]),
        ]);
        assert.deepEqual([one.uid, ...rest.map((r) => r.uid)], [1, 2, 3]);
        assert.equal(threaded.figures.preparedOnReader, 2, "the reader prepared the second APPEND");
        // The limit is read by the reader: too big is refused, nothing is stored.
        await assert.rejects(
          acct.append(inbox.id, { content: new Uint8Array(200_001).fill(0x61) }),
          (e) => e instanceof StoreError && e.code === "TOOBIG",
        );
        await assert.rejects(
          acct.append(inbox.id + 1000, { content: sent[0] }),
          (e) => e instanceof StoreError && e.code === "NONEXISTENT",
        );
        const got = await collect(
          acct.fetch(inbox.id, ALL, { content: true, flags: true, envelope: true }),
        );
        assert.equal(got.length, 3);
        got.forEach((r, i) => assert.deepEqual(r.content, sent[i], `message ${i + 1}`));
        assert.deepEqual(got[0].flags, ["\\Seen"]);
        assert.equal(got[2].envelope?.subject, "big");
        // SEARCH reads the fields the reader made.
        assert.deepEqual(
          await acct.search(inbox.id, { type: "header", name: "Subject", value: "message 2" }),
          [2],
        );
      } finally {
        await store.close();
      }
      // A fresh in-process store reads the same, and the database is sound.
      const again = await openSqlStore(options);
      try {
        const a = (await again.openAccount("a"))!;
        const inbox = (await a.getMailbox("INBOX"))!;
        const got = await collect(a.fetch(inbox.id, ALL, { content: true }));
        assert.deepEqual(got.map((r) => r.content), sent);
        const check = await again.db.selectFrom("messages").select("uid").execute();
        assert.equal(check.length, 3);
      } finally {
        await again.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("appendByName() finds the mailbox where it appends, on the writer or prepared on the reader", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapsql-byname-" });
  try {
    const options = parseImapSqlConfig({ dsn: "file:mail.db" }, "storage.imapsql.test", {
      stateDir: dir,
    });
    const store = await openImapSqlStore(options, { thread: true });
    try {
      const acct = (await store.openAccount("a", { create: true }))!;
      await withReader(store, "a");
      const threaded = store as ThreadedMailStore;
      const inbox = (await acct.getMailbox("INBOX"))!;
      const sent = await acct.createMailbox("Later");
      assert.equal(await acct.appendByName("Nowhere", [{ content: message(1) }]), null);
      // Sent together: the idle writer takes the first, the reader prepares the second.
      const [first, second] = await Promise.all([
        acct.appendByName("inbox", [{ content: message(1) }], { claimRecentIn: inbox.id }),
        acct.appendByName("Later", [{ content: message(2) }, { content: message(3) }], {
          claimRecentIn: inbox.id,
        }),
      ]);
      assert.equal(threaded.figures.preparedOnReader, 2, "the reader prepared the second APPEND");
      assert.equal(first?.mailboxId, inbox.id);
      assert.deepEqual(first?.results.map((r) => [r.uid, r.recent]), [[1, { from: 1, to: 1 }]]);
      // Not the mailbox to claim in: nothing is claimed.
      assert.equal(second?.mailboxId, sent.id);
      assert.deepEqual(second?.results.map((r) => [r.uid, r.recent]), [[1, undefined], [
        2,
        undefined,
      ]]);
      assert.equal((await acct.status(sent.id)).recent, 2);
      assert.equal((await acct.status(inbox.id)).recent, 0);
      // The reader's lookup fails as the writer's does.
      await acct.listMailboxes();
      const missing = await Promise.all([
        acct.appendByName("INBOX", [{ content: message(4) }]),
        acct.appendByName("Nowhere", [{ content: message(5) }]),
      ]);
      assert.equal(missing[1], null);
      assert.deepEqual(
        (await collect(acct.fetch(inbox.id, ALL, { content: true }))).map((r) => r.content),
        [message(1), message(4)],
      );
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
