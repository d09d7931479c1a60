/**
 * UIDONLY (RFC 9586) from a raw client: after ENABLE UIDONLY every FETCH
 * response is a UIDFETCH, every expunge a VANISHED, and commands with
 * message numbers are BAD [UIDREQUIRED]; a session that did not enable it,
 * watching the same changes, still gets FETCH and EXPUNGE.
 */
import assert from "node:assert/strict";
import { TestClient } from "../_support/imap_client.ts";
import { message, withMailbox } from "../_support/mailbox_fixture.ts";

async function waitFor(client: TestClient, pattern: RegExp): Promise<string[]> {
  // Cross-session changes arrive through the bus: ask until they are there.
  const seen: string[] = [];
  for (let i = 0; i < 50; i++) {
    const r = await client.command("NOOP");
    seen.push(...r.untagged);
    if (seen.some((l) => pattern.test(l))) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  return seen;
}

Deno.test("UIDONLY: UIDFETCH and VANISHED for this session, FETCH and EXPUNGE for a legacy one", async () => {
  await withMailbox(
    [message(1), message(2), message(3)],
    "SELECT",
    async ({ srv, client, uids }) => {
      // ENABLE while selected takes effect at once (the view reads the session's set).
      const en = await client.command("ENABLE UIDONLY");
      assert.deepEqual(en.untagged, ["* ENABLED UIDONLY"]);

      for (
        const cmd of [
          "FETCH 1 FLAGS",
          "STORE 1 +FLAGS (\\Seen)",
          "SEARCH ALL",
          "COPY 1 INBOX",
          "MOVE 1 INBOX",
          "SORT (ARRIVAL) UTF-8 ALL",
          "THREAD ORDEREDSUBJECT UTF-8 ALL",
          "UID SEARCH 2",
          "UID SEARCH OR UID 1 2:3",
        ]
      ) {
        const r = await client.command(cmd);
        assert.match(r.tagged, /^t\d+ BAD \[UIDREQUIRED\] /, cmd);
        assert.deepEqual(r.untagged, [], cmd);
      }

      const f = await client.command(`UID FETCH ${uids[0]}:* (FLAGS)`);
      assert.deepEqual(f.untagged, uids.map((u) => `* ${u} UIDFETCH (FLAGS (\\Recent))`));
      const s = await client.command(`UID SEARCH RETURN (ALL) UID ${uids[1]}:*`);
      assert.deepEqual(s.untagged, [
        `* ESEARCH (TAG "${s.tagged.split(" ")[0]}") UID ALL ${uids[1]}:${uids[2]}`,
      ]);

      const other = await TestClient.connect(srv.port);
      try {
        await other.login("alice", "alice-pw");
        assert.match((await other.command("SELECT INBOX")).tagged, /OK/);
        await other.command(`UID STORE ${uids[1]} +FLAGS.SILENT (\\Flagged \\Deleted)`);
        assert.match((await other.command("EXPUNGE")).untagged[0], /^\* 2 EXPUNGE$/);

        const seen = await waitFor(client, /VANISHED/);
        // The flag change and the expunge of one message: the expunge wins,
        // told by UID; nothing names a message number.
        assert.deepEqual(seen.filter((l) => /VANISHED|FETCH|EXPUNGE/.test(l)), [
          `* VANISHED ${uids[1]}`,
        ]);

        await other.command(`UID STORE ${uids[2]} +FLAGS.SILENT (\\Answered)`);
        const flags = await waitFor(client, /UIDFETCH/);
        assert.deepEqual(flags.filter((l) => /FETCH/.test(l)), [
          `* ${uids[2]} UIDFETCH (FLAGS (\\Answered \\Recent))`,
        ]);

        // This session's own EXPUNGE, seen by the legacy one as EXPUNGE.
        await client.command(`UID STORE ${uids[0]} +FLAGS.SILENT (\\Deleted)`);
        const mine = await client.command("EXPUNGE");
        assert.deepEqual(mine.untagged, [`* VANISHED ${uids[0]}`]);
        const legacy = await waitFor(other, /EXPUNGE/);
        assert.deepEqual(legacy.filter((l) => /EXPUNGE|VANISHED/.test(l)), ["* 1 EXPUNGE"]);
        assert.match(
          (await other.command("FETCH 1 (UID)")).untagged[0],
          /^\* 1 FETCH \(UID \d+\)$/,
        );
      } finally {
        other.close();
      }
    },
  );
});
