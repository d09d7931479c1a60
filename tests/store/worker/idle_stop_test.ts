/**
 * Store threads that stop when idle (worker_store.ts): the writer stops
 * right after start-up has opened the store, each thread stops after a
 * spell with nothing to do, and the next request starts it again. Nothing
 * stored or watched may be lost on the way, on libSQL and PostgreSQL.
 */
import assert from "node:assert/strict";
import type { AccountEvent } from "../../../lib/store/mail_store.ts";
import { ThreadedMailStore } from "../../../lib/store/worker/worker_store.ts";
import { ALL, collect, type Kind, message, on, testStoreOptions } from "../sql/_helpers.ts";

/** The spell the tests use: short, so that the threads stop while they wait. */
const IDLE_MS = 30;

/** Waits for `cond` (a stop happens at a check of the thread's idleness, not at a set time). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

for (const kind of ["file", "postgres"] as Kind[]) {
  Deno.test({
    name: `store threads stop when idle and start again at the next request (${kind})`,
    ...on(kind),
    async fn() {
      const { dir, options } = await testStoreOptions(kind);
      const store = await ThreadedMailStore.open(options, { idleStopMs: IDLE_MS });
      try {
        assert.equal(
          store.writerRunning,
          false,
          "the writer stopped once start-up had opened the store",
        );
        const acct = (await store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        const sent = message(1);
        const { uid } = await acct.append(inbox.id, { content: sent, flags: ["\\Seen"] });
        await until(() => store.readerRunning, "a read started the reader thread");
        await until(
          () => !store.writerRunning && !store.readerRunning,
          "both threads stopped with nothing to do",
        );
        // A new writer and reader open the store again: what was stored is there.
        const [got] = await collect(acct.fetch(inbox.id, ALL, { flags: true, content: true }));
        assert.equal(got.uid, uid);
        assert.deepEqual(got.flags, ["\\Seen"]);
        assert.deepEqual(got.content, sent);
        await until(() => !store.writerRunning, "the writer stopped again");
        const second = await acct.append(inbox.id, { content: message(2) });
        assert.equal(second.uid, uid + 1, "UIDs go on where they were");
        assert.deepEqual(await store.listAccounts(), ["a"]);
      } finally {
        await store.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });

  Deno.test({
    name: `a watch keeps the writer running, and reaches a writer started again (${kind})`,
    ...on(kind),
    async fn() {
      const { dir, options } = await testStoreOptions(kind);
      const store = await ThreadedMailStore.open(options, { idleStopMs: IDLE_MS });
      try {
        const acct = (await store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        await until(() => !store.writerRunning, "the writer stopped");
        // The new writer has not opened the account: the watch must open it
        // before the APPEND that follows commits.
        const events: AccountEvent[] = [];
        const unwatch = acct.watchAccount((e) => events.push(e));
        await acct.append(inbox.id, { content: message(1) });
        // Events and replies share one port: the event came before the reply.
        assert.ok(
          events.some((e) => e.type === "append"),
          `the account watch saw the APPEND (${JSON.stringify(events)})`,
        );
        // Many spells go by: a thread whose events a watch waits for stays.
        await new Promise((r) => setTimeout(r, IDLE_MS * 10));
        assert.equal(store.writerRunning, true, "the watch kept the writer");
        unwatch();
        await until(() => !store.writerRunning, "the writer stopped once the watch ended");
      } finally {
        await store.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
