/**
 * The append queue's group commit: it waits for `nextTask` (on a store
 * thread, one task turn) before its first transaction, and takes every
 * append queued meanwhile into that transaction.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { message } from "./_helpers.ts";

Deno.test("appends queued while the queue waits for nextTask commit in one transaction", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapsql-group-" });
  try {
    const options = parseImapSqlConfig({ dsn: "file:mail.db" }, "storage.imapsql.test", {
      stateDir: dir,
    });
    // A turn that ends when the test says so (a store thread's ends after the waiting requests).
    let open = () => {};
    let waits = 0;
    const nextTask = () => {
      waits++;
      return new Promise<void>((resolve) => (open = resolve));
    };
    const store = await openSqlStore(options, { nextTask });
    try {
      const acct = (await store.openAccount("a", { create: true }))!;
      const inbox = (await acct.getMailbox("INBOX"))!;
      const before = store.appends.commits;
      const first = acct.append(inbox.id, { content: message(1) });
      // The others arrive in later tasks, while the queue waits.
      const rest: Promise<{ uid: number }>[] = [];
      for (let i = 2; i <= 8; i++) {
        await new Promise((r) => setTimeout(r, 0));
        rest.push(acct.append(inbox.id, { content: message(i) }));
      }
      await new Promise((r) => setTimeout(r, 0));
      assert.equal(waits, 1);
      assert.equal(store.appends.commits, before, "nothing committed before the turn");
      open();
      const uids = (await Promise.all([first, ...rest])).map((r) => r.uid);
      assert.deepEqual(uids, [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(store.appends.commits - before, 1);
    } finally {
      open();
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
