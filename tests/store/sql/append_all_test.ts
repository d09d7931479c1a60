/** `appendAll()`: MULTIAPPEND's store side (RFC 3502), one transaction for all messages or none. */
import assert from "node:assert/strict";
import { ALL, collect, KINDS, message, on, openInbox, openTestStore } from "./_helpers.ts";
import { type MailboxEvent, StoreError } from "../../../lib/store/mail_store.ts";

for (const kind of KINDS) {
  Deno.test(
    `appendAll() stores messages with consecutive UIDs and one event (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        const events: MailboxEvent[] = [];
        const stop = acct.watch(inbox.id, (e) => events.push(e));
        const results = await acct.appendAll(inbox.id, [
          { content: message(1), flags: ["\\Seen"] },
          { content: message(2), flags: ["$Two"] },
          // The same message twice: its body is stored once, two messages point at it.
          { content: message(1) },
        ]);
        stop();
        assert.deepEqual(results.map((r) => r.uid), [1, 2, 3]);
        assert.deepEqual(results.map((r) => r.modSeq - results[0].modSeq), [0, 1, 2]);
        assert.ok(results.every((r) => r.uidValidity === inbox.uidValidity));
        // One event, at the MODSEQ of the last message (RFC 7162), with each message's
        // flags and MODSEQ (for the socket thread's mailbox index).
        assert.deepEqual(events, [
          {
            type: "append",
            mailboxId: inbox.id,
            uids: [1, 2, 3],
            modSeq: results[2].modSeq,
            flags: {
              system: new Uint8Array([1, 0, 0]),
              keywords: { 1: ["$Two"] },
              modSeqs: new Float64Array(results.map((r) => r.modSeq)),
            },
          },
        ]);
        const recs = await collect(acct.fetch(inbox.id, ALL, { flags: true, content: true }));
        assert.deepEqual(recs.map((r) => r.flags), [["\\Seen"], ["$Two"], []]);
        assert.deepEqual(recs[2].content, message(1));
        const status = await acct.status(inbox.id);
        assert.equal(status.messages, 3);
        assert.equal(status.uidNext, 4);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `appendAll() stores nothing when one message is refused (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind, { appendlimit: "1K" });
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        const big = message(3, `X-Pad: ${"x".repeat(2000)}\r\n`);
        await assert.rejects(
          acct.appendAll(inbox.id, [{ content: message(1) }, { content: message(2) }, {
            content: big,
          }]),
          (e) => e instanceof StoreError && e.code === "TOOBIG",
        );
        const trash = (await acct.getMailbox("Trash"))!;
        await acct.deleteMailbox("Trash");
        await assert.rejects(
          acct.appendAll(trash.id, [{ content: message(1) }, { content: message(2) }]),
          (e) => e instanceof StoreError && e.code === "NONEXISTENT",
        );
        const status = await acct.status(inbox.id);
        assert.equal(status.messages, 0);
        assert.equal(status.uidNext, 1);
        assert.deepEqual(await collect(acct.fetch(inbox.id, ALL, { flags: true })), []);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `appendAll() keeps each call's UIDs together beside concurrent appends (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        const group = (n: number) =>
          acct.appendAll(inbox.id, [1, 2, 3].map((i) => ({ content: message(n * 10 + i) })));
        const [a, single, b] = await Promise.all([
          group(1),
          acct.append(inbox.id, { content: message(99) }),
          group(2),
        ]);
        for (const g of [a, b]) {
          assert.deepEqual(g.map((r) => r.uid - g[0].uid), [0, 1, 2]);
        }
        const all = [...a, single, ...b].map((r) => r.uid).sort((x, y) => x - y);
        assert.deepEqual(all, [1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await t.cleanup();
      }
    },
  );
}

for (const kind of KINDS) {
  Deno.test(
    `appendAll() passes the quota with all its messages or stores none (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind, { quota: { messages: 3 } });
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        await acct.append(inbox.id, { content: message(1) });
        // Two more fit, three do not: the three are refused together, before any is stored.
        await assert.rejects(
          acct.appendAll(inbox.id, [2, 3, 4].map((n) => ({ content: message(n) }))),
          (e) => e instanceof StoreError && e.code === "OVERQUOTA",
        );
        assert.equal((await acct.status(inbox.id)).messages, 1);
        const ok = await acct.appendAll(inbox.id, [2, 3].map((n) => ({ content: message(n) })));
        assert.deepEqual(ok.map((r) => r.uid), [2, 3]);
        assert.equal((await acct.status(inbox.id)).messages, 3);
      } finally {
        await t.cleanup();
      }
    },
  );
}

for (const kind of KINDS) {
  Deno.test(
    `appendAll() with claimRecent claims \\Recent in the APPEND's own transaction (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        // Appended by another session without a claim: unclaimed, below the next one.
        const [first] = await acct.appendAll(inbox.id, [{ content: message(1) }]);
        assert.equal(first.recent, undefined);
        const commits = t.store.appends.commits;
        const results = await acct.appendAll(
          inbox.id,
          [{ content: message(2) }, { content: message(3) }],
          { claimRecent: true },
        );
        // One commit for the messages and the claim, which takes the unclaimed one too.
        assert.equal(t.store.appends.commits - commits, 1);
        assert.deepEqual(results.map((r) => r.recent), [{ from: 1, to: 3 }, { from: 1, to: 3 }]);
        // Nobody else gets them: a claim after it finds nothing, and so does another process.
        assert.equal(await acct.claimRecent(inbox.id, 3), null);
        assert.equal((await acct.status(inbox.id)).recent, 0);
      } finally {
        await t.cleanup();
      }
    },
  );
}

for (const kind of KINDS) {
  Deno.test(
    `appendByName() appends where getMailbox() finds the name, null elsewhere (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        assert.equal(await acct.appendByName("Nowhere", [{ content: message(1) }]), null);
        const done = await acct.appendByName("inbox", [{ content: message(1) }], {
          claimRecentIn: inbox.id,
        });
        assert.equal(done?.mailboxId, inbox.id);
        assert.deepEqual(done?.results.map((r) => [r.uid, r.recent]), [[1, { from: 1, to: 1 }]]);
        assert.equal((await acct.status(inbox.id)).messages, 1);
      } finally {
        await t.cleanup();
      }
    },
  );
}
