/**
 * QUOTA in the store (RFC 9208): limits from the storage's default and the
 * account's own, usage kept exact by the writing transactions, also when
 * many appenders (in one store and in a second connection, as the admin CLI
 * beside the server) race for the last room.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openImapSqlStore } from "../../../lib/store/imapsql.ts";
import { type AccountStore, StoreError } from "../../../lib/store/mail_store.ts";
import { ALL, collect, KINDS, message, on, openInbox, openTestStore } from "./_helpers.ts";

/** The usage as the messages themselves say it, to hold the counters against. */
async function counted(acct: AccountStore): Promise<{ storage: number; messages: number }> {
  let storage = 0;
  let messages = 0;
  for (const box of await acct.listMailboxes()) {
    for (const r of await collect(acct.fetch(box.id, ALL, { size: true }))) {
      storage += r.size!;
      messages++;
    }
  }
  return { storage, messages };
}

function isOverQuota(e: unknown): boolean {
  return e instanceof StoreError && e.code === "OVERQUOTA";
}

for (const kind of KINDS) {
  Deno.test(
    `quota() reports the default limits, the account's own, and the usage (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind, { quota: { storage: "1M", messages: 100 } });
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        await acct.append(inbox.id, { content: message(1) });
        assert.deepEqual(await acct.quota(), {
          own: { storage: "default", messages: "default" },
          limits: { storage: 1024 * 1024, messages: 100 },
          usage: { storage: message(1).length, messages: 1 },
        });
        await acct.setQuota({ storage: 5000, messages: "none" });
        assert.deepEqual((await acct.quota()).limits, { storage: 5000, messages: null });
        assert.deepEqual((await acct.quota()).own, { storage: 5000, messages: "none" });
        await acct.setQuota({ storage: "default" });
        assert.deepEqual((await acct.quota()).limits, { storage: 1024 * 1024, messages: null });
        await assert.rejects(acct.setQuota({ messages: -5 }), StoreError);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `usage stays exact through APPEND, COPY, MOVE, EXPUNGE and DELETE (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        for (let i = 1; i <= 6; i++) {
          await acct.append(inbox.id, {
            content: message(i, "X-Pad: " + "x".repeat(i * 10) + "\r\n"),
          });
        }
        const work = await acct.createMailbox("Work");
        const check = async () => assert.deepEqual((await acct.quota()).usage, await counted(acct));
        await check();
        await acct.copy(inbox.id, [{ from: 1, to: 3 }], work.id);
        await check();
        await acct.move(inbox.id, [{ from: 4, to: 5 }], work.id);
        await check();
        await acct.move(work.id, [{ from: 1, to: 1 }], work.id); // within one mailbox
        await check();
        await acct.storeFlags(work.id, [{ from: 2, to: 3 }], "add", ["\\Deleted"]);
        assert.equal((await acct.status(work.id)).deleted, 2);
        await acct.expunge(work.id);
        await check();
        await acct.renameMailbox("INBOX", "Old"); // moves INBOX's messages
        await check();
        await acct.deleteMailbox("Work");
        await check();
        const usage = (await acct.quota()).usage;
        assert.ok(usage.messages > 0);
        // STATUS SIZE reads the same counters.
        const old = (await acct.getMailbox("Old"))!;
        assert.equal((await acct.status(old.id)).size, usage.storage);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `COPY over the quota copies nothing; MOVE is never refused for quota (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind, { quota: { messages: 3 } });
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        const trash = (await acct.getMailbox("Trash"))!;
        for (let i = 1; i <= 2; i++) await acct.append(inbox.id, { content: message(i) });
        await assert.rejects(acct.copy(inbox.id, ALL, trash.id), isOverQuota);
        assert.equal((await acct.status(trash.id)).messages, 0);
        await acct.copy(inbox.id, [{ from: 1, to: 1 }], trash.id);
        await assert.rejects(acct.append(inbox.id, { content: message(9) }), isOverQuota);
        const moved = await acct.move(inbox.id, ALL, trash.id);
        assert.deepEqual(moved.sourceUids, [1, 2]);
        assert.deepEqual((await acct.quota()).usage.messages, 3);
      } finally {
        await t.cleanup();
      }
    },
  );
}

Deno.test("concurrent appenders from two connections fill the quota exactly, never past it", async () => {
  const t = await openTestStore("file", { quota: { messages: 25 } });
  // A second store on the same file, on a store thread of its own (the server's way): another
  // writer beside this one. (Two stores on one thread would block each other: libSQL waits
  // for the lock synchronously.)
  const options = parseImapSqlConfig(
    { dsn: "file:mail.db", quota: { messages: 25 } },
    "storage.imapsql.test",
    { stateDir: t.dir },
  );
  const other = await openImapSqlStore(options, { thread: true });
  try {
    const a1 = (await t.store.openAccount("a", { create: true }))!;
    const a2 = (await other.openAccount("a"))!;
    const inbox = (await a1.getMailbox("INBOX"))!;
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      const acct = i % 2 === 0 ? a1 : a2;
      jobs.push(acct.append(inbox.id, { content: message(i, `X-N: ${i}\r\n`) }));
    }
    const results = await Promise.allSettled(jobs);
    const ok = results.filter((r) => r.status === "fulfilled").length;
    const refused = results.filter((r) => r.status === "rejected" && isOverQuota(r.reason));
    assert.equal(ok, 25);
    assert.equal(refused.length, 15);
    assert.deepEqual((await a1.quota()).usage, await counted(a1));
    assert.equal((await a1.quota()).usage.messages, 25);
  } finally {
    await other.close();
    await t.cleanup();
  }
});

Deno.test("concurrent appenders stop at the storage limit to the octet", async () => {
  const size = message(0, "X-N: 00\r\n").length;
  const t = await openTestStore("file", { quota: { storage: size * 10 + size - 1 } });
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const inbox = (await acct.getMailbox("INBOX"))!;
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        acct.append(inbox.id, {
          content: message(0, `X-N: ${String(i).padStart(2, "0")}\r\n`),
        })),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 10);
    assert.ok(results.every((r) => r.status === "fulfilled" || isOverQuota(r.reason)));
    assert.deepEqual((await acct.quota()).usage, { storage: size * 10, messages: 10 });
  } finally {
    await t.cleanup();
  }
});
