import assert from "node:assert/strict";
import { type MailboxEvent, StoreError } from "../../../lib/store/mail_store.ts";
import { ALL, collect, KINDS, message, on, openInbox, openTestStore } from "./_helpers.ts";

for (const kind of KINDS) {
  Deno.test(
    `openAccount() creates the default mailboxes with special-use (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      try {
        assert.equal(await t.store.openAccount("alice"), null);
        const acct = await t.store.openAccount("Alice", { create: true });
        assert.ok(acct);
        const boxes = await acct.listMailboxes();
        assert.deepEqual(
          boxes.map((b) => [b.name, b.specialUse, b.subscribed]).sort(),
          [
            ["Archive", "\\Archive", true],
            ["Drafts", "\\Drafts", true],
            ["INBOX", null, true],
            ["Junk", "\\Junk", true],
            ["Sent", "\\Sent", true],
            ["Trash", "\\Trash", true],
          ],
        );
        // Account names are case-insensitive; a second create opens the same account.
        const again = await t.store.openAccount("ALICE", { create: true });
        assert.equal(again?.accountName, "Alice");
        assert.deepEqual(await t.store.listAccounts(), ["Alice"]);
        assert.equal((await acct.getMailbox("inbox"))?.name, "INBOX");
        assert.equal((await acct.getMailbox("Inbox/"))?.name, "INBOX");
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `append() then fetch() returns the message byte for byte (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        const content = message(1, "X-8bit: caf\xe9\r\n");
        const date = new Date("2024-03-01T10:00:00Z");
        const r = await acct.append(inbox.id, {
          content,
          flags: ["\\seen", "$Label1"],
          internalDate: date,
        });
        assert.equal(r.uid, 1);
        assert.equal(r.uidValidity, inbox.uidValidity);
        assert.ok(r.modSeq > inbox.highestModSeq);
        const fields = {
          flags: true,
          internalDate: true,
          size: true,
          modSeq: true,
          envelope: true,
          bodyStructure: true,
          header: true,
          content: true,
        };
        const check = async (acct2: typeof acct) => {
          const [rec] = await collect(acct2.fetch(inbox.id, ALL, fields));
          assert.deepEqual(rec.content, content);
          assert.deepEqual(rec.flags, ["\\Seen", "$Label1"]);
          assert.equal(rec.internalDate?.getTime(), date.getTime());
          assert.equal(rec.size, content.length);
          assert.equal(rec.modSeq, r.modSeq);
          assert.equal(rec.envelope?.subject, "Message 1");
          assert.equal(rec.bodyStructure?.kind, "single");
          const headerText = new TextDecoder().decode(rec.header);
          assert.ok(headerText.startsWith("From: Alice"));
          assert.ok(headerText.endsWith("\r\n\r\n"));
        };
        await check(acct);
        // Header-only fetch does not need the body.
        const [h] = await collect(acct.fetch(inbox.id, ALL, { header: true }));
        assert.equal(h.content, undefined);
        const text = new TextDecoder("latin1").decode(content);
        assert.equal(h.header?.length, text.indexOf("\r\n\r\n") + 4);
        if (kind === "file") {
          await t.reopen();
          await check((await t.store.openAccount("a"))!);
        }
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `fetch() returns exactly the requested UID ranges, in chunks (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        await acct.append(inbox.id, { content: message(1) });
        // Doubling by COPY reaches 1024 messages with 10 transactions.
        for (let i = 0; i < 10; i++) await acct.copy(inbox.id, ALL, inbox.id);
        const uids = async (set: { from: number; to: number }[]) =>
          (await collect(acct.fetch(inbox.id, set, { flags: true }))).map((r) => r.uid);
        assert.deepEqual((await uids(ALL)).length, 1024);
        assert.deepEqual(await uids(ALL), Array.from({ length: 1024 }, (_, i) => i + 1));
        assert.deepEqual(await uids([{ from: 5, to: 7 }, { from: 1000, to: 99999 }]), [
          5,
          6,
          7,
          ...Array.from({ length: 25 }, (_, i) => 1000 + i),
        ]);
        const sparse = Array.from({ length: 600 }, (_, i) => ({ from: i * 2 + 1, to: i * 2 + 1 }));
        assert.deepEqual(await uids(sparse), sparse.map((r) => r.from).filter((u) => u <= 1024));
        assert.deepEqual(await uids([{ from: 2000, to: 3000 }]), []);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `storeFlags() assigns a new MODSEQ and honours unchangedSince (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox: box } = await openInbox(kind);
      try {
        for (let i = 1; i <= 3; i++) await acct.append(box.id, { content: message(i) });
        const before = (await acct.status(box.id)).highestModSeq;
        const r1 = await acct.storeFlags(box.id, [{ from: 1, to: 2 }], "add", ["\\Seen", "Work"]);
        assert.deepEqual(r1.changed.map((c) => c.uid), [1, 2]);
        assert.deepEqual(r1.changed[0].flags, ["\\Seen", "Work"]);
        assert.ok(r1.changed[0].modSeq > before);
        assert.equal((await acct.status(box.id)).highestModSeq, r1.changed[0].modSeq);
        assert.equal((await acct.status(box.id)).unseen, 1);
        // Adding again changes nothing and does not raise HIGHESTMODSEQ.
        const r2 = await acct.storeFlags(box.id, [{ from: 1, to: 2 }], "add", ["\\seen", "work"]);
        assert.deepEqual(r2.changed, []);
        assert.equal((await acct.status(box.id)).highestModSeq, r1.changed[0].modSeq);
        const r3 = await acct.storeFlags(box.id, ALL, "remove", ["WORK"], {
          unchangedSince: before,
        });
        assert.deepEqual(r3.modified, [1, 2]);
        assert.deepEqual(r3.changed, []);
        const r4 = await acct.storeFlags(box.id, [{ from: 3, to: 3 }], "set", [
          "\\Flagged",
          "\\Recent",
        ]);
        assert.deepEqual(r4.changed[0].flags, ["\\Flagged"]);
        const recs = await collect(acct.fetch(box.id, ALL, { flags: true, modSeq: true }));
        assert.deepEqual(recs.map((r) => r.flags), [["\\Seen", "Work"], ["\\Seen", "Work"], [
          "\\Flagged",
        ]]);
        assert.equal(recs[2].modSeq, r4.changed[0].modSeq);
        const snap = await acct.select(box.id);
        assert.ok(snap.flagsInUse.includes("Work"));
        assert.ok(snap.flagsInUse.includes("\\Seen"));
        assert.equal(snap.firstUnseenUid, 3);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `expunge() removes only \\Deleted messages and leaves tombstones (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox: box } = await openInbox(kind);
      try {
        for (let i = 1; i <= 5; i++) await acct.append(box.id, { content: message(i) });
        await acct.storeFlags(box.id, [{ from: 2, to: 4 }], "add", ["\\Deleted"]);
        assert.deepEqual(await acct.expunge(box.id, [{ from: 4, to: 5 }]), [4]);
        assert.deepEqual(await acct.expunge(box.id), [2, 3]);
        assert.deepEqual(await acct.expunge(box.id), []);
        const snap = await acct.select(box.id);
        assert.deepEqual([...snap.uids], [1, 5]);
        const tomb = await t.store.db.selectFrom("expunged").select(["uid", "modseq"])
          .where("mailbox_id", "=", box.id).orderBy("uid").execute();
        assert.deepEqual(tomb.map((r) => r.uid), [2, 3, 4]);
        assert.ok(tomb[0].modseq > tomb[2].modseq);
        assert.equal(snap.mailbox.highestModSeq, tomb[0].modseq);
        // UIDs are never reused.
        const r = await acct.append(box.id, { content: message(6) });
        assert.equal(r.uid, 6);
        // Bodies no message names any more are gone.
        const bodies = await t.store.db.selectFrom("bodies").select("id").execute();
        assert.equal(bodies.length, 3);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `copy() and move() keep flags and dates; move leaves tombstones (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        const arch = (await acct.getMailbox("Archive"))!;
        const date = new Date("2020-01-02T03:04:05Z");
        for (let i = 1; i <= 4; i++) {
          await acct.append(inbox.id, {
            content: message(i),
            flags: ["\\Flagged", `k${i}`],
            internalDate: date,
          });
        }
        const c = await acct.copy(inbox.id, [{ from: 2, to: 3 }], arch.id);
        assert.deepEqual(c.sourceUids, [2, 3]);
        assert.deepEqual(c.destUids, [1, 2]);
        assert.equal(c.uidValidity, arch.uidValidity);
        const m = await acct.move(inbox.id, [{ from: 3, to: 4 }], arch.id);
        assert.deepEqual(m.sourceUids, [3, 4]);
        assert.deepEqual(m.destUids, [3, 4]);
        const recs = await collect(
          acct.fetch(arch.id, ALL, { flags: true, internalDate: true, content: true }),
        );
        assert.deepEqual(recs.map((r) => r.flags), [
          ["\\Flagged", "k2"],
          ["\\Flagged", "k3"],
          ["\\Flagged", "k3"],
          ["\\Flagged", "k4"],
        ]);
        assert.ok(recs.every((r) => r.internalDate?.getTime() === date.getTime()));
        assert.deepEqual(recs[3].content, message(4));
        assert.deepEqual([...(await acct.select(inbox.id)).uids], [1, 2]);
        const tomb = await t.store.db.selectFrom("expunged").select("uid")
          .where("mailbox_id", "=", inbox.id).execute();
        assert.deepEqual(tomb.map((r) => r.uid).sort(), [3, 4]);
        // Copies share one body row.
        assert.equal((await t.store.db.selectFrom("bodies").select("id").execute()).length, 4);
        await assert.rejects(
          acct.copy(inbox.id, ALL, 99999),
          (e) => e instanceof StoreError && e.code === "NONEXISTENT",
        );
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `renameMailbox() moves a whole hierarchy; RENAME INBOX moves its messages (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const work = await acct.createMailbox("Work/2024/Q1");
        assert.equal(work.name, "Work/2024/Q1");
        assert.ok(await acct.getMailbox("Work/2024"));
        await assert.rejects(
          acct.createMailbox("Work"),
          (e) => e instanceof StoreError && e.code === "ALREADYEXISTS",
        );
        await acct.append(work.id, { content: message(1) });
        await acct.renameMailbox("Work", "Old/Job");
        const names = (await acct.listMailboxes()).map((b) => b.name);
        assert.ok(names.includes("Old"));
        assert.ok(names.includes("Old/Job/2024/Q1"));
        assert.ok(!names.some((n) => n.startsWith("Work")));
        const moved = (await acct.getMailbox("Old/Job/2024/Q1"))!;
        assert.equal(moved.id, work.id);
        assert.equal(moved.uidValidity, work.uidValidity);
        await assert.rejects(
          acct.renameMailbox("Old", "Old/x"),
          (e) => e instanceof StoreError && e.code === "CANNOT",
        );
        await assert.rejects(
          acct.renameMailbox("Nope", "X"),
          (e) => e instanceof StoreError && e.code === "NONEXISTENT",
        );
        await assert.rejects(
          acct.renameMailbox("Old", "Sent"),
          (e) => e instanceof StoreError && e.code === "ALREADYEXISTS",
        );
        const inbox = (await acct.getMailbox("INBOX"))!;
        await acct.append(inbox.id, { content: message(2) });
        await acct.renameMailbox("inbox", "Saved");
        assert.equal((await acct.status(inbox.id)).messages, 0);
        const saved = (await acct.getMailbox("Saved"))!;
        assert.equal((await acct.status(saved.id)).messages, 1);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(
    `deleteMailbox() removes the mailbox and its messages, never INBOX (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      try {
        const acct = (await t.store.openAccount("a", { create: true }))!;
        const box = await acct.createMailbox("Tmp");
        const child = await acct.createMailbox("Tmp/Child");
        await acct.append(box.id, { content: message(1) });
        await acct.deleteMailbox("Tmp");
        assert.equal(await acct.getMailbox("Tmp"), null);
        assert.equal((await acct.getMailbox("Tmp/Child"))?.id, child.id);
        assert.equal((await t.store.db.selectFrom("bodies").select("id").execute()).length, 0);
        await assert.rejects(
          acct.select(box.id),
          (e) => e instanceof StoreError && e.code === "NONEXISTENT",
        );
        await assert.rejects(
          acct.deleteMailbox("inbox"),
          (e) => e instanceof StoreError && e.code === "CANNOT",
        );
        await assert.rejects(
          acct.deleteMailbox("Tmp"),
          (e) => e instanceof StoreError && e.code === "NONEXISTENT",
        );
        // A new mailbox of the same name gets a new UIDVALIDITY.
        const again = await acct.createMailbox("Tmp");
        assert.notEqual(again.uidValidity, box.uidValidity);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(`account B reaches nothing of account A by any name (${kind})`, on(kind), async () => {
    const t = await openTestStore(kind);
    try {
      const a = (await t.store.openAccount("a", { create: true }))!;
      const b = (await t.store.openAccount("b", { create: true }))!;
      const aInbox = (await a.getMailbox("INBOX"))!;
      const bInbox = (await b.getMailbox("INBOX"))!;
      assert.notEqual(aInbox.id, bInbox.id);
      await a.append(aInbox.id, { content: message(1), flags: ["\\Deleted"] });
      const secret = await a.createMailbox("Secret");
      const denied = (e: unknown) => e instanceof StoreError && e.code === "NONEXISTENT";
      await assert.rejects(b.select(aInbox.id), denied);
      await assert.rejects(b.status(aInbox.id), denied);
      await assert.rejects(collect(b.fetch(aInbox.id, ALL, { content: true })), denied);
      await assert.rejects(b.append(aInbox.id, { content: message(2) }), denied);
      await assert.rejects(b.storeFlags(aInbox.id, ALL, "add", ["\\Seen"]), denied);
      await assert.rejects(b.expunge(aInbox.id), denied);
      await assert.rejects(b.copy(aInbox.id, ALL, bInbox.id), denied);
      await assert.rejects(b.move(aInbox.id, ALL, bInbox.id), denied);
      await assert.rejects(b.copy(bInbox.id, ALL, aInbox.id), denied);
      await assert.rejects(b.search(aInbox.id, { type: "all" }), denied);
      await assert.rejects(b.poll(aInbox.id), denied);
      // B's watch on A's mailbox id hears nothing of A's changes.
      const heard: MailboxEvent[] = [];
      b.watch(aInbox.id, (e) => heard.push(e));
      await a.append(aInbox.id, { content: message(3) });
      assert.equal(heard.length, 0);
      assert.equal(await b.getMailbox("Secret"), null);
      assert.equal(await b.getMailbox("a/INBOX"), null);
      await assert.rejects(b.deleteMailbox("Secret"), denied);
      await assert.rejects(b.renameMailbox("Secret", "Mine"), denied);
      assert.ok(!(await b.listMailboxes()).some((m) => m.id === secret.id));
      assert.equal((await a.status(aInbox.id)).messages, 2);
      assert.equal((await b.status(bInbox.id)).messages, 0);
    } finally {
      await t.cleanup();
    }
  });

  Deno.test(
    `watch() tells every watcher of appends, flags, expunges, renames and deletes (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      try {
        const s1 = (await t.store.openAccount("a", { create: true }))!;
        const s2 = (await t.store.openAccount("A"))!;
        const box = await s1.createMailbox("Box");
        const seen1: MailboxEvent[] = [];
        const seen2: MailboxEvent[] = [];
        s1.watch(box.id, (e) => seen1.push(e));
        const stop = s2.watch(box.id, (e) => seen2.push(e));
        await s2.append(box.id, { content: message(1) });
        await s1.storeFlags(box.id, ALL, "add", ["\\Deleted"]);
        await s2.expunge(box.id);
        await s1.renameMailbox("Box", "Box2");
        stop();
        await s1.deleteMailbox("Box2");
        assert.deepEqual(seen1.map((e) => e.type), [
          "append",
          "flags",
          "expunge",
          "renamed",
          "deleted",
        ]);
        assert.deepEqual(seen2.map((e) => e.type), ["append", "flags", "expunge", "renamed"]);
        // Each change carries the mailbox's MODSEQ after it (RFC 7162): 1 at creation, +1 a change.
        // An append names each new message's flags and MODSEQ (for the socket thread's index).
        assert.deepEqual(seen1[0], {
          type: "append",
          mailboxId: box.id,
          uids: [1],
          modSeq: 2,
          flags: { system: new Uint8Array([0]), keywords: {}, modSeqs: new Float64Array([2]) },
        });
        assert.deepEqual(seen1[2], { type: "expunge", mailboxId: box.id, uids: [1], modSeq: 4 });
        assert.deepEqual(seen1[3], { type: "renamed", mailboxId: box.id, name: "Box2" });
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(`select() and status() count messages and unseen (${kind})`, on(kind), async () => {
    const { t, acct, inbox: box } = await openInbox(kind);
    try {
      await acct.append(box.id, { content: message(1), flags: ["\\Seen", "\\Deleted"] });
      await acct.append(box.id, { content: message(2) });
      const st = await acct.status(box.id);
      assert.deepEqual({ ...st, highestModSeq: 0 }, {
        messages: 2,
        // No session has claimed them as \Recent yet.
        recent: 2,
        unseen: 1,
        uidNext: 3,
        uidValidity: box.uidValidity,
        highestModSeq: 0,
        appendLimit: 32 * 1024 * 1024,
        size: message(1).length + message(2).length,
        deleted: 1,
        deletedStorage: message(1).length,
      });
      await acct.setAppendLimit(100);
      assert.equal((await acct.status(box.id)).appendLimit, 100);
      await assert.rejects(
        acct.append(box.id, { content: message(3, "X-Pad: " + "x".repeat(200) + "\r\n") }),
        (e) => e instanceof StoreError && e.code === "TOOBIG",
      );
      const snap = await acct.select(box.id, { readOnly: true });
      assert.deepEqual([...snap.uids], [1, 2]);
      assert.equal(snap.unseen, 1);
      assert.equal(snap.firstUnseenUid, 2);
    } finally {
      await t.cleanup();
    }
  });
}

for (const kind of KINDS) {
  Deno.test(
    `claimRecent() hands each message to one claimer; peek takes nothing (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox: box } = await openInbox(kind);
      try {
        await acct.append(box.id, { content: message(1) });
        await acct.append(box.id, { content: message(2) });
        assert.equal((await acct.status(box.id)).recent, 2);
        assert.deepEqual(await acct.claimRecent(box.id, 2, { peek: true }), { from: 1, to: 2 });
        assert.equal((await acct.status(box.id)).recent, 2);
        // Two claims at once: one gets the range, the other nothing.
        const [a, b] = await Promise.all([
          acct.claimRecent(box.id, 2),
          acct.claimRecent(box.id, 2),
        ]);
        assert.deepEqual([a, b].filter((r) => r !== null), [{ from: 1, to: 2 }]);
        assert.equal((await acct.status(box.id)).recent, 0);
        assert.equal(await acct.claimRecent(box.id, 2), null);
        await acct.append(box.id, { content: message(3) });
        assert.equal((await acct.status(box.id)).recent, 1);
        assert.deepEqual(await acct.claimRecent(box.id, 3), { from: 3, to: 3 });
        assert.equal((await acct.select(box.id)).recent, 0);
      } finally {
        await t.cleanup();
      }
    },
  );
}

Deno.test("with disable_recent, nothing is ever \\Recent", async () => {
  const t = await openTestStore("memory", { disable_recent: true });
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const box = (await acct.getMailbox("INBOX"))!;
    await acct.append(box.id, { content: message(1) });
    assert.equal((await acct.status(box.id)).recent, 0);
    assert.equal(await acct.claimRecent(box.id, 1), null);
    assert.equal(await acct.claimRecent(box.id, 1, { peek: true }), null);
  } finally {
    await t.cleanup();
  }
});

Deno.test("poll() delivers changes made by another process's store on the same file", async () => {
  const t = await openTestStore("file");
  const other = await openTestStore("file");
  try {
    // The second store opens the first one's database, as the admin CLI would.
    await other.store.close();
    const { openSqlStore } = await import("../../../lib/store/imapsql.ts");
    const { parseImapSqlConfig } = await import("../../../lib/config/storage.ts");
    other.store = await openSqlStore(
      parseImapSqlConfig({ dsn: "file:mail.db" }, "s", { stateDir: t.dir }),
    );
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const box = (await acct.getMailbox("INBOX"))!;
    await acct.append(box.id, { content: message(1) });
    await acct.select(box.id);
    const events: MailboxEvent[] = [];
    acct.watch(box.id, (e) => events.push(e));
    await acct.poll(box.id);
    assert.equal(events.length, 0);
    const cli = (await other.store.openAccount("a"))!;
    await cli.append(box.id, { content: message(2) });
    await cli.storeFlags(box.id, [{ from: 1, to: 1 }], "add", ["\\Deleted"]);
    await cli.append(box.id, { content: message(3), flags: ["\\Deleted"] });
    await cli.expunge(box.id, [{ from: 1, to: 1 }]);
    await acct.poll(box.id);
    assert.deepEqual(events.map((e) => e.type), ["expunge", "append"]);
    // Found by polling: both at the mailbox's MODSEQ when found.
    assert.deepEqual(events[0], { type: "expunge", mailboxId: box.id, uids: [1], modSeq: 6 });
    // Each found message with its flags and own MODSEQ: 2 was appended at 2, 3 (with \Deleted) at 4.
    assert.deepEqual(events[1], {
      type: "append",
      mailboxId: box.id,
      uids: [2, 3],
      modSeq: 6,
      flags: {
        system: new Uint8Array([0, 8]),
        keywords: {},
        modSeqs: new Float64Array([3, 5]),
      },
    });
    events.length = 0;
    await acct.poll(box.id);
    assert.equal(events.length, 0);
    await cli.storeFlags(box.id, [{ from: 2, to: 2 }], "add", ["\\Seen"]);
    await acct.poll(box.id);
    assert.equal(events.length, 1);
    const ev = events[0] as MailboxEvent;
    assert.deepEqual(ev.type === "flags" && ev.changes.map((c) => [c.uid, c.flags]), [
      [2, ["\\Seen"]],
    ]);
    // Another process changes the mailbox, then this process does: the gap
    // is not skipped, the next poll() still reports the other's append.
    events.length = 0;
    await cli.append(box.id, { content: message(4) });
    await acct.storeFlags(box.id, [{ from: 2, to: 2 }], "add", ["\\Flagged"]);
    await acct.poll(box.id);
    const appended = events.filter((e) => e.type === "append");
    assert.deepEqual(appended.flatMap((e) => e.type === "append" ? e.uids : []), [4]);
  } finally {
    await other.cleanup();
    await t.cleanup();
  }
});

Deno.test("appends committed together fail alone when their mailbox is not theirs", async () => {
  const t = await openTestStore("file");
  try {
    const a = (await t.store.openAccount("a", { create: true }))!;
    const b = (await t.store.openAccount("b", { create: true }))!;
    const aInbox = (await a.getMailbox("INBOX"))!;
    const bInbox = (await b.getMailbox("INBOX"))!;
    const gone = await a.createMailbox("Gone");
    const jobs = Array.from(
      { length: 12 },
      (_, i) =>
        i === 5
          ? b.append(aInbox.id, { content: message(i) }) // another account's mailbox
          : i === 7
          ? a.deleteMailbox("Gone").then(() => a.append(gone.id, { content: message(i) }))
          : a.append(aInbox.id, { content: message(i) }),
    );
    const settled = await Promise.allSettled(jobs);
    const failed = settled.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    assert.deepEqual(failed, [5, 7]);
    assert.equal((await a.status(aInbox.id)).messages, 10);
    assert.equal((await b.status(bInbox.id)).messages, 0);
    // Closing with nothing queued leaves no pending work behind.
    await t.store.close();
    await assert.rejects(a.append(aInbox.id, { content: message(99) }));
    t.store = await (await import("../../../lib/store/imapsql.ts")).openSqlStore(
      (await import("../../../lib/config/storage.ts")).parseImapSqlConfig(
        { dsn: "file:mail.db" },
        "s",
        { stateDir: t.dir },
      ),
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("new accounts get their \\Junk mailbox under the junk_mailbox name", async () => {
  const t = await openTestStore("memory", { junk_mailbox: "Spam" });
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    assert.equal((await acct.getMailbox("Spam"))?.specialUse, "\\Junk");
    assert.equal(await acct.getMailbox("Junk"), null);
  } finally {
    await t.cleanup();
  }
});

Deno.test("the store rejects invalid mailbox names", async () => {
  const t = await openTestStore("memory");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    await assert.rejects(
      acct.createMailbox("a//b"),
      (e) => e instanceof StoreError && e.code === "CANNOT",
    );
    await assert.rejects(
      acct.createMailbox(""),
      (e) => e instanceof StoreError && e.code === "CANNOT",
    );
    assert.equal((await acct.createMailbox("inbox/Sub")).name, "INBOX/Sub");
  } finally {
    await t.cleanup();
  }
});

Deno.test("concurrent sessions' appends, flag changes and fetches never collide", async () => {
  const t = await openTestStore("file");
  try {
    const sessions = await Promise.all(
      Array.from({ length: 4 }, () => t.store.openAccount("a", { create: true })),
    );
    const box = (await sessions[0]!.getMailbox("INBOX"))!;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const s = sessions[i % 4]!;
        if (i % 5 === 4) return s.storeFlags(box.id, ALL, "add", [`k${i}`]).then(() => 0);
        if (i % 7 === 6) return collect(s.fetch(box.id, ALL, { content: true })).then(() => 0);
        return s.append(box.id, { content: message(i) }).then((r) => r.uid);
      }),
    );
    const uids = results.filter((u) => u > 0).sort((a, b) => a - b);
    assert.deepEqual(uids, Array.from({ length: uids.length }, (_, i) => i + 1));
    const snap = await sessions[1]!.select(box.id);
    assert.deepEqual([...snap.uids], uids);
  } finally {
    await t.cleanup();
  }
});

Deno.test("vanished() and search by MODSEQ read the tombstones and rows changed since a MODSEQ", async () => {
  const t = await openTestStore("file");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const box = (await acct.getMailbox("INBOX"))!;
    for (let i = 1; i <= 6; i++) await acct.append(box.id, { content: message(i) }); // MODSEQ 2..7
    await acct.storeFlags(box.id, [{ from: 1, to: 2 }], "add", ["\\Deleted"]); // 8
    await acct.expunge(box.id); // 9: UIDs 1, 2
    await acct.storeFlags(box.id, [{ from: 5, to: 5 }], "add", ["\\Deleted"]); // 10
    await acct.expunge(box.id); // 11: UID 5
    await acct.storeFlags(box.id, [{ from: 4, to: 4 }], "add", ["\\Seen"]); // 12
    const all = [{ from: 1, to: 0xffffffff }];
    assert.deepEqual(await acct.vanished(box.id, 1, all), [1, 2, 5]);
    assert.deepEqual(await acct.vanished(box.id, 9, all), [5]);
    assert.deepEqual(await acct.vanished(box.id, 11, all), []);
    assert.deepEqual(await acct.vanished(box.id, 1, [{ from: 2, to: 4 }, { from: 6, to: 9 }]), [2]);
    assert.deepEqual(await acct.vanished(box.id, 1, []), []);
    // CHANGEDSINCE's key: UID sets beside MODSEQ, answered from the index.
    const since = (n: number, set = all) =>
      acct.search(box.id, {
        type: "and",
        keys: [{ type: "uid", set }, { type: "modSeq", min: n }],
      });
    assert.deepEqual(await since(1), [3, 4, 6]);
    assert.deepEqual(await since(12), [4]);
    assert.deepEqual(await since(13), []);
    assert.deepEqual(await since(1, [{ from: 4, to: 6 }]), [4, 6]);
    assert.deepEqual(await acct.search(box.id, { type: "modSeq", min: 7 }), [4, 6]);
    // The same answers by the general path (MODSEQ with another key).
    const flagged = await acct.search(box.id, {
      type: "and",
      keys: [{ type: "modSeq", min: 7 }, { type: "flag", flag: "\\Deleted", present: false }],
    });
    assert.deepEqual(flagged, [4, 6]);
  } finally {
    await t.cleanup();
  }
});
