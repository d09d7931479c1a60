/**
 * The append queue's group commit: it waits for `nextTask` (on a store
 * thread, one task turn) before its first transaction, and takes every
 * append queued meanwhile into that transaction.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { ALL, collect, message } from "./_helpers.ts";
import { StoreError } from "../../../lib/store/mail_store.ts";
import type { SqlMailStore } from "../../../lib/store/sql/sql_store.ts";

/**
 * A store on a temp file whose group commit takes its turn at once until
 * `held.hold` is set; then each turn ends when the test calls `held.open()`.
 * After `fn` the store is closed and the directory removed.
 */
interface Held {
  store: SqlMailStore;
  options: ReturnType<typeof parseImapSqlConfig>;
  hold: boolean;
  open: () => void;
}

async function withHeldStore(fn: (held: Held) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "imapsql-group-" });
  try {
    const options = parseImapSqlConfig({ dsn: "file:mail.db" }, "storage.imapsql.test", {
      stateDir: dir,
    });
    const held = { options, hold: false, open: () => {} } as Held;
    held.store = await openSqlStore(options, {
      nextTask: () =>
        held.hold ? new Promise<void>((resolve) => (held.open = resolve)) : Promise.resolve(),
    });
    try {
      await fn(held);
    } finally {
      held.open();
      await held.store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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

Deno.test(
  "flag changes and \\Recent claims share a commit; a failed one undoes only itself",
  () =>
    withHeldStore(async (held) => {
      const { store, options } = held;
      const acct = (await store.openAccount("a", { create: true }))!;
      const inbox = (await acct.getMailbox("INBOX"))!;
      await acct.appendAll(inbox.id, [{ content: message(1) }, { content: message(2) }]);
      held.hold = true;
      const before = store.appends.commits;
      // Queued while the queue waits for its turn: a flag change, one on a
      // mailbox that does not exist, another flag change, a \Recent claim.
      const seen = acct.storeFlags(inbox.id, [{ from: 1, to: 1 }], "add", ["\\Seen"]);
      const gone = acct.storeFlags(inbox.id + 1000, [{ from: 1, to: 1 }], "add", ["\\Seen"]);
      const flagged = acct.storeFlags(inbox.id, [{ from: 2, to: 2 }], "add", ["\\Flagged"]);
      const claim = acct.claimRecent(inbox.id, 2);
      gone.catch(() => {});
      await new Promise((r) => setTimeout(r, 0));
      assert.equal(store.appends.commits, before);
      held.open();
      assert.deepEqual((await seen).changed.map((c) => [c.uid, c.flags]), [[1, ["\\Seen"]]]);
      await assert.rejects(gone, (e) => e instanceof StoreError && e.code === "NONEXISTENT");
      assert.deepEqual((await flagged).changed.map((c) => [c.uid, c.flags]), [[2, ["\\Flagged"]]]);
      assert.deepEqual(await claim, { from: 1, to: 2 });
      assert.equal(store.appends.commits - before, 1);
      // Committed: a new connection sees the flags and the claim.
      await store.close();
      const again = await openSqlStore(options);
      try {
        const a = (await again.openAccount("a"))!;
        const recs = await collect(a.fetch(inbox.id, ALL, { flags: true }));
        assert.deepEqual(recs.map((r) => r.flags), [["\\Seen"], ["\\Flagged"]]);
        assert.equal(await a.claimRecent(inbox.id, 2), null);
      } finally {
        await again.close();
      }
    }),
);

Deno.test(
  "EXPUNGE, COPY and MOVE share a commit with flag changes; events keep the MODSEQ order",
  () =>
    withHeldStore(async (held) => {
      const { store, options } = held;
      const acct = (await store.openAccount("a", { create: true }))!;
      const inbox = (await acct.getMailbox("INBOX"))!;
      const archive = (await acct.getMailbox("Archive"))!;
      await acct.appendAll(inbox.id, [1, 2, 3, 4].map((n) => ({ content: message(n) })));
      await acct.storeFlags(inbox.id, [{ from: 1, to: 2 }], "add", ["\\Deleted"]);
      const events: string[] = [];
      const unwatch = acct.watch(inbox.id, (e) => {
        const modSeq = e.type === "flags" ? e.changes[0].modSeq : "modSeq" in e ? e.modSeq : 0;
        events.push(`${e.type} ${modSeq}`);
      });
      // A message count quota that no COPY of two messages fits: it fails alone.
      await acct.setQuota({ messages: 3 });
      held.hold = true;
      const before = store.appends.commits;
      const expunged = acct.expunge(inbox.id);
      const copied = acct.copy(inbox.id, [{ from: 3, to: 4 }], archive.id);
      const seen = acct.storeFlags(inbox.id, [{ from: 3, to: 3 }], "add", ["\\Seen"]);
      const moved = acct.move(inbox.id, [{ from: 4, to: 4 }], archive.id);
      copied.catch(() => {});
      await new Promise((r) => setTimeout(r, 0));
      assert.equal(store.appends.commits, before, "nothing committed before the turn");
      held.open();
      assert.deepEqual(await expunged, [1, 2]);
      await assert.rejects(copied, (e) => e instanceof StoreError && e.code === "OVERQUOTA");
      assert.deepEqual((await seen).changed.map((c) => c.uid), [3]);
      assert.deepEqual((await moved).sourceUids, [4]);
      assert.equal(store.appends.commits - before, 1, "one transaction for all four");
      unwatch();
      // The inbox's events in the order of their MODSEQs, none skipped.
      const modSeqs = events.map((e) => Number(e.split(" ")[1]));
      assert.deepEqual(events.map((e) => e.split(" ")[0]), ["expunge", "flags", "expunge"]);
      assert.deepEqual(modSeqs, [...modSeqs].sort((a, b) => a - b));
      await store.close();
      const again = await openSqlStore(options);
      try {
        const a = (await again.openAccount("a"))!;
        assert.deepEqual((await collect(a.fetch(inbox.id, ALL, {}))).map((r) => r.uid), [3]);
        assert.equal((await collect(a.fetch(archive.id, ALL, {}))).length, 1);
        const check = await again.db.selectFrom("messages").select("uid").execute();
        assert.equal(check.length, 2);
      } finally {
        await again.close();
      }
    }),
);

Deno.test(
  "an APPEND, a STORE of it and an EXPUNGE in one batch leave the index right",
  () =>
    withHeldStore(async (held) => {
      const { store } = held;
      const acct = (await store.openAccount("a", { create: true }))!;
      const inbox = (await acct.getMailbox("INBOX"))!;
      await acct.appendAll(inbox.id, [{ content: message(1) }, { content: message(2) }]);
      held.hold = true;
      const before = store.appends.commits;
      // Queued in this order while the queue waits: the append gets UID 3,
      // the flag change marks it \Deleted, the EXPUNGE (which finds \Deleted
      // messages through the index) removes it, then another append.
      // (A turn after each: an append is queued once it is prepared.)
      const turn = () => new Promise((r) => setTimeout(r, 0));
      const appended = acct.append(inbox.id, { content: message(3) });
      await turn();
      const deleted = acct.storeFlags(inbox.id, [{ from: 3, to: 3 }], "add", ["\\Deleted"]);
      await turn();
      const expunged = acct.expunge(inbox.id);
      await turn();
      const last = acct.append(inbox.id, { content: message(4) });
      await new Promise((r) => setTimeout(r, 0));
      held.open();
      assert.equal((await appended).uid, 3);
      assert.deepEqual((await deleted).changed.map((c) => c.uid), [3]);
      assert.deepEqual(await expunged, [3]);
      assert.equal((await last).uid, 4);
      assert.equal(store.appends.commits - before, 1, "one transaction for all four");
      held.hold = false;
      const snap = await acct.select(inbox.id);
      assert.deepEqual([...snap.uids], [1, 2, 4]);
      assert.deepEqual(
        (await collect(acct.fetch(inbox.id, ALL, { flags: true }))).map((r) => r.uid),
        [1, 2, 4],
      );
    }),
);
