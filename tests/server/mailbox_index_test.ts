/**
 * The shared per-mailbox index (lib/server/mailbox_index.ts): on its own
 * (typed arrays after a run of events), and in a server where one session
 * changes a mailbox while another answers FETCH FLAGS, SEARCH and SELECT
 * from the index, including a change made by another process.
 */
import assert from "node:assert/strict";
import { indexAnswers, MailboxIndex } from "../../lib/server/mailbox_index.ts";
import {
  appendedFlags,
  FLAG_BITS,
  FLAG_HAS_KEYWORDS,
  type MailboxSnapshot,
} from "../../lib/store/mail_store.ts";
import { openSqlStore } from "../../lib/store/imapsql.ts";
import { parseImapSqlConfig } from "../../lib/config/storage.ts";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

function snapshot(
  uids: number[],
  flags: number[],
  highestModSeq: number,
): MailboxSnapshot & { flags: Uint8Array } {
  return {
    mailbox: {
      id: 7,
      name: "INBOX",
      uidValidity: 1,
      uidNext: uids.length ? uids[uids.length - 1] + 1 : 1,
      highestModSeq,
      specialUse: null,
      subscribed: true,
      objectId: "x",
    },
    uids: Uint32Array.from(uids),
    flags: Uint8Array.from(flags),
    flagsInUse: [],
    firstUnseenUid: null,
    recent: 0,
    unseen: 0,
  };
}

const all = [{ from: 1, to: 0xffffffff }];

Deno.test("mailbox index: typed arrays after a run of events", () => {
  const seen = FLAG_BITS["\\Seen"];
  const index = new MailboxIndex(7, snapshot([1, 2, 4], [seen, 0, FLAG_HAS_KEYWORDS], 10));
  assert.deepEqual([...index.uids()], [1, 2, 4]);
  // Keywords of message 4 are not known yet: a keyword search cannot be answered.
  assert.equal(index.complete, false);
  assert.equal(index.search({ type: "flag", flag: "$Junk", present: true }), null);
  assert.deepEqual(index.search({ type: "flag", flag: "\\Seen", present: false }), [2, 4]);
  // MODSEQs are not known until an event or a read brings them.
  assert.equal(index.knows(all, true), false);
  assert.equal(index.search({ type: "modSeq", min: 1 }), null);

  index.apply({
    type: "flags",
    mailboxId: 7,
    changes: [{ uid: 4, flags: ["\\Flagged", "$Junk"], modSeq: 11 }],
  });
  index.apply({
    type: "append",
    mailboxId: 7,
    uids: [5, 6],
    modSeq: 13,
    flags: appendedFlags([
      { bits: FLAG_BITS["\\Seen"], keywords: "[]", modSeq: 12 },
      { bits: 0, keywords: "[]", modSeq: 13 },
    ]),
  });
  index.apply({ type: "expunge", mailboxId: 7, uids: [2, 99], modSeq: 14 });
  // A repeated append (the bus may repeat events) changes nothing.
  index.apply({ type: "append", mailboxId: 7, uids: [5], modSeq: 12 });
  assert.deepEqual([...index.uids()], [1, 4, 5, 6]);
  assert.equal(index.highestModSeq, 14);
  assert.equal(index.complete, true);
  assert.deepEqual(index.flagsAt(index.indexOf(4)), ["\\Flagged", "$Junk"]);
  assert.deepEqual(index.flagsAt(index.indexOf(1)), ["\\Seen"]);
  assert.equal(index.modSeqAt(index.indexOf(5)), 12);
  assert.equal(index.modSeqAt(index.indexOf(1)), 0);
  assert.equal(index.firstUnseenUid, 4);
  assert.deepEqual(index.search({ type: "flag", flag: "$junk", present: true }), [4]);
  assert.deepEqual(
    index.search({
      type: "or",
      left: { type: "flag", flag: "\\Seen", present: true },
      right: { type: "uid", set: [{ from: 6, to: 6 }] },
    }),
    [1, 5, 6],
  );
  // A read older than an event the index applied is not taken.
  index.learn({ uid: 4, flags: [], modSeq: 9 });
  assert.deepEqual(index.flagsAt(index.indexOf(4)), ["\\Flagged", "$Junk"]);
  index.learn({ uid: 1, flags: ["\\Seen", "\\Answered"], modSeq: 3 });
  assert.deepEqual(index.flagsAt(index.indexOf(1)), ["\\Answered", "\\Seen"]);
  assert.equal(index.knows(all, true), true);
  assert.deepEqual(index.search({ type: "modSeq", min: 11 }), [4, 5, 6]);
  // An append announced without flags leaves that message unknown.
  index.apply({ type: "append", mailboxId: 7, uids: [8], modSeq: 15 });
  assert.equal(index.systemFlagsKnown, false);
  assert.equal(index.search({ type: "all" }), null);
  assert.equal(index.knows([{ from: 1, to: 6 }], false), true);
  assert.equal(index.knows([{ from: 1, to: 8 }], false), false);
  // Headers are not in the index.
  index.learn({ uid: 8, flags: [], modSeq: 15 });
  assert.equal(index.search({ type: "header", name: "subject", value: "x" }), null);
  index.apply({ type: "deleted", mailboxId: 7 });
  assert.equal(index.search({ type: "all" }), null);
});

const enc = new TextEncoder();

async function session(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.login("alice", "alice-pw");
  return c;
}

function fetchLines(reply: { untagged: string[] }): string[] {
  return reply.untagged.filter((l) => / FETCH /.test(l));
}

Deno.test("mailbox index: a second session's FETCH FLAGS and SEARCH follow the first's changes", async () => {
  const server = await startTestServer();
  const a = await session(server.port);
  const b = await session(server.port);
  try {
    for (let i = 1; i <= 5; i++) {
      const msg = `Subject: m${i}\r\n\r\nbody ${i}\r\n`;
      await a.writeRaw(
        `ap${i} APPEND INBOX (${i % 2 ? "\\Seen" : ""}) {${msg.length}+}\r\n${msg}\r\n`,
      );
      assert.match((await a.readUntilTagged(`ap${i}`)).tagged, /OK/);
    }
    assert.match((await a.command("SELECT INBOX")).tagged, /OK/);
    // B's SELECT comes from A's index.
    const before = { ...indexAnswers };
    const sel = await b.command("SELECT INBOX");
    assert.equal(indexAnswers.select, before.select + 1);
    assert.ok(sel.untagged.includes("* 5 EXISTS"), sel.untagged.join("\n"));
    assert.ok(sel.untagged.some((l) => l.includes("[UNSEEN 2]")), sel.untagged.join("\n"));
    // A's SELECT claimed \Recent: B has none.
    assert.deepEqual(fetchLines(await b.command("FETCH 1:* (FLAGS)")), [
      "* 1 FETCH (FLAGS (\\Seen))",
      "* 2 FETCH (FLAGS ())",
      "* 3 FETCH (FLAGS (\\Seen))",
      "* 4 FETCH (FLAGS ())",
      "* 5 FETCH (FLAGS (\\Seen))",
    ]);

    // A changes flags: B's next FETCH and SEARCH see them.
    assert.match((await a.command("STORE 2 +FLAGS.SILENT (\\Flagged $Work)")).tagged, /OK/);
    let r = await b.command("UID FETCH 2 (UID FLAGS)");
    assert.ok(
      fetchLines(r).some((l) => l === "* 2 FETCH (UID 2 FLAGS (\\Flagged $Work))"),
      r.untagged.join("\n"),
    );
    assert.ok((await b.command("SEARCH UNSEEN")).untagged.includes("* SEARCH 2 4"));
    assert.ok((await b.command("SEARCH KEYWORD $work")).untagged.includes("* SEARCH 2"));
    assert.ok((await b.command("SEARCH FLAGGED UNSEEN")).untagged.includes("* SEARCH 2"));
    // None of these went to the store: the FETCH FLAGS of message 2 with a keyword neither
    // (the STORE's event brought its keywords).
    assert.equal(indexAnswers.fetch, before.fetch + 2);
    assert.equal(indexAnswers.search, before.search + 3);

    // A expunges: B's FETCH leaves the message out until B is told.
    assert.match((await a.command("STORE 3 +FLAGS.SILENT (\\Deleted)")).tagged, /OK/);
    assert.match((await a.command("EXPUNGE")).tagged, /OK/);
    r = await b.command("FETCH 3 (FLAGS)");
    assert.equal(fetchLines(r).length, 0, r.untagged.join("\n"));
    assert.match(r.tagged, /EXPUNGEISSUED/);
    r = await b.command("NOOP");
    assert.ok(r.untagged.includes("* 3 EXPUNGE"), r.untagged.join("\n"));
    assert.ok((await b.command("SEARCH SEEN")).untagged.includes("* SEARCH 1 4"));

    // A appends: B sees it after EXISTS, with its flags, from the index.
    const msg = "Subject: m6\r\n\r\nsix\r\n";
    await a.writeRaw(`ap6 APPEND INBOX (\\Answered) {${msg.length}+}\r\n${msg}\r\n`);
    assert.match((await a.readUntilTagged("ap6")).tagged, /OK/);
    r = await b.command("NOOP");
    assert.ok(r.untagged.includes("* 5 EXISTS"), r.untagged.join("\n"));
    r = await b.command("UID FETCH 1:* (FLAGS)");
    assert.ok(
      fetchLines(r).some((l) => /^\* 5 FETCH \(UID 6 FLAGS \(\\Answered( \\Recent)?\)\)$/.test(l)),
      r.untagged.join("\n"),
    );
    assert.ok((await b.command("UID SEARCH ANSWERED")).untagged.includes("* SEARCH 6"));
    r = await b.command("SEARCH RETURN (COUNT MIN) UNSEEN");
    assert.ok(r.untagged.some((l) => /ESEARCH .*MIN 2 COUNT 3/.test(l)), r.untagged.join("\n"));

    // CONDSTORE: the first FETCH reads the MODSEQs from the store and the index learns
    // them; later ones, CHANGEDSINCE and SEARCH MODSEQ come from the index.
    assert.match((await b.command("ENABLE CONDSTORE")).tagged, /OK/);
    r = await b.command("UID FETCH 1:* (FLAGS)");
    const modSeqs = fetchLines(r).map((l) => Number(/MODSEQ \((\d+)\)/.exec(l)![1]));
    assert.equal(modSeqs.length, 5);
    const top = Math.max(...modSeqs);
    assert.match((await a.command("STORE 1 +FLAGS.SILENT (\\Draft)")).tagged, /OK/);
    r = await b.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${top})`);
    const changed = fetchLines(r);
    assert.equal(changed.length, 1, r.untagged.join("\n"));
    assert.match(changed[0], /^\* 1 FETCH \(UID 1 (MODSEQ \(\d+\) )?FLAGS \(\\Seen \\Draft\)/);
    r = await b.command(`SEARCH MODSEQ ${top + 1}`);
    assert.ok(
      r.untagged.some((l) => /^\* SEARCH 1 \(MODSEQ \d+\)$/.test(l)),
      r.untagged.join("\n"),
    );

    // QRESYNC: the flag changes since a MODSEQ come from the index, even for messages
    // whose own MODSEQ it never read (unchanged since it was built).
    assert.match((await b.command("ENABLE QRESYNC")).tagged, /OK/);
    const status = await b.command("STATUS INBOX (UIDVALIDITY HIGHESTMODSEQ)");
    const uidValidity = /UIDVALIDITY (\d+)/.exec(status.untagged.join(" "))![1];
    const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(status.untagged.join(" "))![1]);
    // After A's own EXPUNGE of message 3, its message 4 is UID 5.
    assert.match((await a.command("STORE 4 +FLAGS.SILENT (\\Answered)")).tagged, /OK/);
    const fetches = indexAnswers.fetch;
    r = await b.command(`SELECT INBOX (QRESYNC (${uidValidity} ${highest}))`);
    assert.match(r.tagged, /OK/);
    assert.equal(indexAnswers.fetch, fetches + 1);
    const resync = fetchLines(r);
    assert.equal(resync.length, 1, r.untagged.join("\n"));
    assert.match(resync[0], /UID 5 FLAGS \(\\Answered \\Seen\)/);
  } finally {
    a.close();
    b.close();
    await server.close();
  }
});

Deno.test("mailbox index: a SELECT from the index sees what another process committed", async () => {
  const server = await startTestServer();
  const a = await session(server.port);
  const b = await session(server.port);
  try {
    const msg = "Subject: one\r\n\r\nbody\r\n";
    await a.writeRaw(`ap APPEND INBOX {${msg.length}+}\r\n${msg}\r\n`);
    assert.match((await a.readUntilTagged("ap")).tagged, /OK/);
    assert.match((await a.command("SELECT INBOX")).tagged, /OK/);
    // A second store on the same file stands for the deliver and admin CLIs.
    const options = parseImapSqlConfig({ dsn: "imapsql.db" }, "storage.imapsql.test", {
      stateDir: `${server.dir}/data`,
    });
    const other = await openSqlStore(options);
    try {
      const acct = (await other.openAccount("alice"))!;
      const inbox = (await acct.getMailbox("INBOX"))!;
      await acct.append(inbox.id, { content: enc.encode("Subject: two\r\n\r\nx\r\n") });
      await acct.storeFlags(inbox.id, [{ from: 1, to: 1 }], "add", ["\\Seen"]);
    } finally {
      await other.close();
    }
    const selects = indexAnswers.select;
    const sel = await b.command("SELECT INBOX");
    assert.equal(indexAnswers.select, selects + 1);
    assert.ok(sel.untagged.includes("* 2 EXISTS"), sel.untagged.join("\n"));
    assert.ok(sel.untagged.some((l) => l.includes("[UNSEEN 2]")), sel.untagged.join("\n"));
    assert.ok((await b.command("SEARCH SEEN")).untagged.includes("* SEARCH 1"));
    const r = await b.command("FETCH 1:* (FLAGS)");
    assert.ok(fetchLines(r)[0].startsWith("* 1 FETCH (FLAGS (\\Seen"), r.untagged.join("\n"));
  } finally {
    a.close();
    b.close();
    await server.close();
  }
});
