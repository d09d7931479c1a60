/**
 * imapflow with `qresync: true` (RFC 7162) against the server: a client that
 * knew INBOX at some MODSEQ comes back after another client flagged,
 * expunged and delivered, reopens the mailbox with QRESYNC and learns
 * exactly what changed (VANISHED (EARLIER) and FETCH with MODSEQ), then
 * hears another session's expunge as VANISHED while the mailbox is open.
 */
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { connectImapflow } from "../_support/imapflow.ts";

const MSG = (n: number) =>
  `From: s${n}@example.com\r\nTo: alice@example.com\r\nSubject: message ${n}\r\n` +
  `Message-ID: <q${n}@example.com>\r\n\r\nBody ${n}.\r\n`;

function flowFor(srv: TestServer, qresync: boolean) {
  return connectImapflow(srv.port, { qresync });
}

interface FlagsEvent {
  uid?: number;
  modseq?: bigint;
  flags: Set<string>;
}

interface ExpungeEvent {
  uid?: number;
  vanished: boolean;
  earlier?: boolean;
}

Deno.test("imapflow qresync: a client resyncs a changed mailbox with SELECT (QRESYNC)", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    // The client's first visit: five messages, then it leaves knowing the MODSEQ.
    const first = await flowFor(srv, true);
    for (let n = 1; n <= 5; n++) await first.append("INBOX", MSG(n));
    const known = await first.mailboxOpen("INBOX");
    assert.ok(first.enabled.has("QRESYNC"));
    const uidValidity = known.uidValidity;
    const modSeq = known.highestModseq;
    assert.ok(modSeq && modSeq > 0n);
    await first.logout();

    // Another client changes the mailbox meanwhile.
    const other = await flowFor(srv, false);
    await other.mailboxOpen("INBOX");
    await other.messageFlagsAdd({ uid: "2" }, ["\\Seen"], { uid: true });
    await other.messageFlagsAdd({ uid: "4" }, ["\\Flagged"], { uid: true });
    await other.messageDelete({ uid: "1,3" }, { uid: true });
    await other.append("INBOX", MSG(6));

    // The client comes back and resyncs.
    const back = await flowFor(srv, true);
    const flags: FlagsEvent[] = [];
    const expunged: ExpungeEvent[] = [];
    back.on("flags", (e: FlagsEvent) => flags.push(e));
    back.on("expunge", (e: ExpungeEvent) => expunged.push(e));
    // imapflow's types leave out the QRESYNC options it reads (uidValidity, changedSince).
    const resync = { uidValidity, changedSince: modSeq } as Record<string, unknown>;
    const box = await back.mailboxOpen("INBOX", resync);
    assert.equal((box as unknown as { qresync?: boolean }).qresync, true);
    assert.equal(box.exists, 4);
    // imapflow updates the mailbox object as changes come: keep the value of the SELECT.
    const resyncedAt = box.highestModseq!;
    assert.ok(resyncedAt > modSeq!);
    assert.deepEqual(expunged.map((e) => [e.uid, e.vanished, e.earlier]), [
      [1, true, true],
      [3, true, true],
    ]);
    assert.deepEqual(
      flags.map((f) => [f.uid, [...f.flags].sort()]),
      [[2, ["\\Seen"]], [4, ["\\Flagged"]], [6, []]],
    );
    assert.ok(flags.every((f) => typeof f.modseq === "bigint" && f.modseq > modSeq!));

    // FETCH (CHANGEDSINCE) through imapflow: only what changed after the resync point.
    const changed = [];
    for await (
      const m of back.fetch("1:*", { uid: true, flags: true }, {
        uid: true,
        changedSince: resyncedAt - 1n,
      })
    ) changed.push(m.uid);
    assert.deepEqual(changed, [6]);

    // While open, another session's expunge arrives as VANISHED (no EARLIER).
    expunged.length = 0;
    await other.messageDelete({ uid: "4" }, { uid: true });
    await back.noop();
    assert.deepEqual(expunged.map((e) => [e.uid, e.vanished, e.earlier]), [[4, true, false]]);
    const status = await back.status("INBOX", { highestModseq: true, messages: true });
    assert.equal(status.messages, 3);
    assert.ok(status.highestModseq! > resyncedAt);

    await other.logout();
    await back.logout();
  } finally {
    await srv.close();
  }
});
