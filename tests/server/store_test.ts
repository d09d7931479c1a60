import assert from "node:assert/strict";
import { TestClient } from "../_support/imap_client.ts";
import { message, withMailbox as setup } from "../_support/mailbox_fixture.ts";

Deno.test("STORE +FLAGS answers the new flags, and NOOP does not repeat them", async () => {
  await setup([message(1), message(2)], "SELECT", async ({ client }) => {
    const r = await client.command("STORE 1 +FLAGS (\\Flagged $Label1)");
    assert.match(r.tagged, /^t\d+ OK STORE completed$/);
    // The new keyword is announced with FLAGS and PERMANENTFLAGS first (RFC 3501 §7.2.6).
    assert.deepEqual(r.untagged, [
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)",
      "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags permitted",
      "* 1 FETCH (FLAGS (\\Flagged \\Recent $Label1))",
    ]);
    assert.deepEqual((await client.command("NOOP")).untagged, []);
    const minus = await client.command("STORE 1 -FLAGS \\Flagged");
    assert.deepEqual(minus.untagged, ["* 1 FETCH (FLAGS (\\Recent $Label1))"]);
    const set = await client.command("STORE 1:2 FLAGS (\\draft \\SEEN)");
    assert.deepEqual(set.untagged, [
      "* 1 FETCH (FLAGS (\\Seen \\Draft \\Recent))",
      "* 2 FETCH (FLAGS (\\Seen \\Draft \\Recent))",
    ]);
  });
});

Deno.test("STORE answers every message of the set, changed or not", async () => {
  await setup([message(1), message(2), message(3)], "SELECT", async ({ client }) => {
    await client.command("STORE 2 +FLAGS.SILENT (\\Seen)");
    const r = await client.command("STORE 1:3 +FLAGS (\\Seen)");
    assert.deepEqual(r.untagged, [
      "* 1 FETCH (FLAGS (\\Seen \\Recent))",
      "* 2 FETCH (FLAGS (\\Seen \\Recent))",
      "* 3 FETCH (FLAGS (\\Seen \\Recent))",
    ]);
  });
});

Deno.test("STORE .SILENT answers nothing, now or at the next NOOP", async () => {
  await setup([message(1), message(2)], "SELECT", async ({ client }) => {
    const r = await client.command("STORE 1:* +FLAGS.SILENT (\\Deleted)");
    assert.match(r.tagged, /OK/);
    assert.deepEqual(r.untagged, []);
    assert.deepEqual((await client.command("NOOP")).untagged, []);
    const flags = await client.command("FETCH 1:2 FLAGS");
    assert.deepEqual(flags.untagged, [
      "* 1 FETCH (FLAGS (\\Deleted \\Recent))",
      "* 2 FETCH (FLAGS (\\Deleted \\Recent))",
    ]);
  });
});

Deno.test("UID STORE includes UID and ignores UIDs that do not exist", async () => {
  await setup([message(1), message(2)], "SELECT", async ({ client, uids }) => {
    const r = await client.command(`UID STORE ${uids[1]}:${uids[1] + 20} +FLAGS (\\Answered)`);
    assert.deepEqual(r.untagged, [`* 2 FETCH (UID ${uids[1]} FLAGS (\\Answered \\Recent))`]);
    const none = await client.command(`UID STORE ${uids[1] + 30} +FLAGS (\\Answered)`);
    assert.match(none.tagged, /OK/);
    assert.deepEqual(none.untagged, []);
  });
});

Deno.test("STORE in a mailbox opened with EXAMINE is refused with NO", async () => {
  await setup([message(1)], "EXAMINE", async ({ client }) => {
    const r = await client.command("STORE 1 +FLAGS (\\Seen)");
    assert.match(r.tagged, /^t\d+ NO Mailbox is read-only$/);
    assert.deepEqual((await client.command("FETCH 1 FLAGS")).untagged, [
      "* 1 FETCH (FLAGS (\\Recent))",
    ]);
  });
});

Deno.test("STORE refuses \\Recent, unknown items and numbers past the end with BAD", async () => {
  await setup([message(1)], "SELECT", async ({ client }) => {
    assert.match((await client.command("STORE 1 +FLAGS (\\Recent)")).tagged, /^t\d+ BAD .*Recent/);
    assert.match((await client.command("STORE 1 X-FLAGS (a)")).tagged, /^t\d+ BAD .*X-FLAGS/);
    assert.match(
      (await client.command("STORE 2 +FLAGS (\\Seen)")).tagged,
      /^t\d+ BAD Invalid messageset "2"/,
    );
    assert.deepEqual((await client.command("FETCH 1 FLAGS")).untagged, [
      "* 1 FETCH (FLAGS (\\Recent))",
    ]);
  });
});

Deno.test("STORE in one session reaches another session at its NOOP", async () => {
  await setup([message(1), message(2)], "SELECT", async ({ srv, client, uids }) => {
    const other = await TestClient.connect(srv.port);
    try {
      await other.login("alice", "alice-pw");
      await other.command("SELECT INBOX");
      await client.command("STORE 2 +FLAGS.SILENT (\\Flagged)");
      const noop = await other.command("NOOP");
      // The messages are \\Recent in the first session that selected, not this one.
      assert.deepEqual(noop.untagged, [`* 2 FETCH (UID ${uids[1]} FLAGS (\\Flagged))`]);
    } finally {
      other.close();
    }
  });
});
