import assert from "node:assert/strict";
import { DATE, message, withMailbox as setup } from "../_support/mailbox_fixture.ts";
import { connectImapflow } from "../_support/imapflow.ts";

Deno.test("FETCH returns FLAGS, UID, RFC822.SIZE, INTERNALDATE and ENVELOPE over loopback", async () => {
  const msgs = [message(1), message(2), message(3)];
  await setup(msgs, "SELECT", async ({ client, uids }) => {
    const r = await client.command("FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)");
    assert.match(r.tagged, /^t\d+ OK FETCH completed$/);
    assert.deepEqual(
      r.untagged,
      msgs.map((m, i) =>
        `* ${i + 1} FETCH (UID ${uids[i]} FLAGS (\\Recent) RFC822.SIZE ${m.length} ` +
        'INTERNALDATE "05-Jan-2024 03:04:05 +0000")'
      ),
    );
    const env = await client.command("FETCH 2 ENVELOPE");
    assert.deepEqual(env.untagged, [
      '* 2 FETCH (ENVELOPE (NIL "Message 2" (("Sender 2" NIL "s2" "example.com")) ' +
      '(("Sender 2" NIL "s2" "example.com")) (("Sender 2" NIL "s2" "example.com")) ' +
      '((NIL NIL "rcpt" "example.org")) NIL NIL NIL "<m2@example.com>"))',
    ]);
    const all = await client.command("FETCH 3 ALL");
    assert.match(
      all.untagged[0],
      /^\* 3 FETCH \(FLAGS \(\\Recent\) INTERNALDATE ".*" RFC822\.SIZE \d+ ENVELOPE \(/,
    );
  });
});

Deno.test("FETCH returns BODYSTRUCTURE, BODY and body sections", async () => {
  const msgs = [message(1), message(2)];
  await setup(msgs, "SELECT", async ({ client }) => {
    const bs = await client.command("FETCH 1 (BODY BODYSTRUCTURE)");
    assert.deepEqual(bs.untagged, [
      '* 1 FETCH (BODY ("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 20 1) ' +
      'BODYSTRUCTURE ("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 20 1 NIL NIL NIL NIL))',
    ]);
    const hf = await client.command("FETCH 2 BODY.PEEK[HEADER.FIELDS (subject To)]");
    assert.deepEqual(hf.untagged, [
      "* 2 FETCH (BODY[HEADER.FIELDS (subject To)] {44}\r\n" +
      "To: rcpt@example.org\r\nSubject: Message 2\r\n\r\n)",
    ]);
    const parts = await client.command("FETCH 2 (BODY.PEEK[TEXT] BODY.PEEK[1]<5.2> BODY.PEEK[4])");
    assert.deepEqual(parts.untagged, [
      '* 2 FETCH (BODY[TEXT] {20}\r\nBody of message 2.\r\n BODY[1]<5> {2}\r\nof BODY[4] "")',
    ]);
    const whole = await client.command("UID FETCH 1:* RFC822.HEADER");
    assert.equal(whole.untagged.length, 2);
    assert.match(whole.untagged[0], /^\* 1 FETCH \(UID \d+ RFC822\.HEADER \{\d+\}\r\nFrom: /);
  });
});

Deno.test("FETCH BODY[] sets \\Seen and answers FLAGS once; BODY.PEEK does not", async () => {
  await setup([message(1), message(2)], "SELECT", async ({ client }) => {
    const first = await client.command("FETCH 1 BODY[]");
    assert.equal(first.untagged.length, 1);
    assert.match(
      first.untagged[0],
      /^\* 1 FETCH \(BODY\[\] \{\d+\}\r\nFrom: .* FLAGS \(\\Seen \\Recent\)\)$/s,
    );
    const again = await client.command("FETCH 1 BODY[]");
    assert.doesNotMatch(again.untagged[0], /FLAGS/);
    const peek = await client.command("FETCH 2 (BODY.PEEK[] RFC822.HEADER)");
    assert.doesNotMatch(peek.untagged[0], /FLAGS/);
    const text = await client.command("FETCH 2 RFC822.TEXT");
    assert.match(
      text.untagged[0],
      /RFC822\.TEXT \{20\}\r\nBody of message 2\.\r\n FLAGS \(\\Seen \\Recent\)\)$/,
    );
    // The \Seen this session set is not announced again as an unsolicited update.
    const noop = await client.command("NOOP");
    assert.deepEqual(noop.untagged, []);
    const flags = await client.command("FETCH 1:2 FLAGS");
    assert.deepEqual(flags.untagged, [
      "* 1 FETCH (FLAGS (\\Seen \\Recent))",
      "* 2 FETCH (FLAGS (\\Seen \\Recent))",
    ]);
  });
});

Deno.test("FETCH in a mailbox opened with EXAMINE leaves \\Seen alone", async () => {
  await setup([message(1)], "EXAMINE", async ({ client }) => {
    const r = await client.command("FETCH 1 (RFC822 FLAGS)");
    assert.match(r.tagged, /OK/);
    assert.match(r.untagged[0], /^\* 1 FETCH \(RFC822 \{\d+\}\r\n.* FLAGS \(\\Recent\)\)$/s);
    assert.deepEqual((await client.command("FETCH 1 FLAGS")).untagged, [
      "* 1 FETCH (FLAGS (\\Recent))",
    ]);
  });
});

Deno.test("FETCH answers BAD for sequence numbers past the end and for unknown items", async () => {
  await setup([message(1), message(2)], "SELECT", async ({ client }) => {
    const past = await client.command("FETCH 2:3 FLAGS");
    assert.match(past.tagged, /^t\d+ BAD Invalid messageset "2:3"/);
    assert.deepEqual(past.untagged, []);
    const item = await client.command("FETCH 1 (FLAGS FOO)");
    assert.match(item.tagged, /^t\d+ BAD .*Invalid fetch item "FOO"/);
    const section = await client.command("FETCH 1 BODY[MIME]");
    assert.match(section.tagged, /^t\d+ BAD .*"BODY\[MIME\]"/);
    const star = await client.command("FETCH * UID");
    assert.match(star.untagged[0], /^\* 2 FETCH \(UID \d+\)$/);
  });
});

Deno.test("FETCH * in an empty mailbox is BAD; UID FETCH there is OK with nothing", async () => {
  await setup([], "SELECT", async ({ client }) => {
    assert.match((await client.command("FETCH * FLAGS")).tagged, /^t\d+ BAD Invalid messageset/);
    const uid = await client.command("UID FETCH 1:* FLAGS");
    assert.match(uid.tagged, /OK/);
    assert.deepEqual(uid.untagged, []);
  });
});

Deno.test("UID FETCH always includes UID and ignores UIDs that do not exist", async () => {
  await setup([message(1), message(2), message(3)], "SELECT", async ({ client, uids }) => {
    const r = await client.command(`UID FETCH ${uids[1]},${uids[2] + 50} FLAGS`);
    assert.deepEqual(r.untagged, [`* 2 FETCH (UID ${uids[1]} FLAGS (\\Recent))`]);
    assert.match(r.tagged, /OK/);
    const star = await client.command(`UID FETCH ${uids[2] + 10}:* RFC822.SIZE`);
    assert.match(star.untagged[0], new RegExp(`^\\* 3 FETCH \\(UID ${uids[2]} RFC822\\.SIZE`));
  });
});

Deno.test("FETCH skips a message another session expunged and holds the EXPUNGE back", async () => {
  await setup([message(1), message(2), message(3)], "SELECT", async (f) => {
    await f.account.storeFlags(f.inbox, [{ from: f.uids[1], to: f.uids[1] }], "add", [
      "\\Deleted",
    ]);
    await f.account.expunge(f.inbox);
    const r = await f.client.command("FETCH 1:3 UID");
    assert.match(r.tagged, /^t\d+ OK \[EXPUNGEISSUED\] Some messages were expunged$/);
    assert.deepEqual(r.untagged, [`* 1 FETCH (UID ${f.uids[0]})`, `* 3 FETCH (UID ${f.uids[2]})`]);
    const noop = await f.client.command("NOOP");
    assert.ok(noop.untagged.includes("* 2 EXPUNGE"));
    const after = await f.client.command("FETCH 1:* UID");
    assert.deepEqual(after.untagged, [
      `* 1 FETCH (UID ${f.uids[0]})`,
      `* 2 FETCH (UID ${f.uids[2]})`,
    ]);
  });
});

Deno.test("UID FETCH may send a pending EXPUNGE after its responses", async () => {
  await setup([message(1), message(2)], "SELECT", async (f) => {
    await f.account.storeFlags(f.inbox, [{ from: f.uids[0], to: f.uids[0] }], "add", [
      "\\Deleted",
    ]);
    await f.account.expunge(f.inbox);
    const r = await f.client.command("UID FETCH 1:* UID");
    assert.deepEqual(r.untagged, [`* 2 FETCH (UID ${f.uids[1]})`, "* 1 EXPUNGE"]);
  });
});

Deno.test("FETCH FLAGS supersedes a pending flag change from another session", async () => {
  await setup([message(1)], "SELECT", async (f) => {
    await f.account.storeFlags(f.inbox, [{ from: f.uids[0], to: f.uids[0] }], "add", [
      "\\Flagged",
    ]);
    const r = await f.client.command("FETCH 1 FLAGS");
    assert.deepEqual(r.untagged, ["* 1 FETCH (FLAGS (\\Flagged \\Recent))"]);
    assert.deepEqual((await f.client.command("NOOP")).untagged, []);
  });
});

Deno.test("FETCH without FLAGS for a message keeps its pending flag change", async () => {
  await setup([message(1), message(2)], "SELECT", async (f) => {
    await f.account.storeFlags(f.inbox, [{ from: f.uids[1], to: f.uids[1] }], "add", [
      "\\Seen",
      "\\Flagged",
    ]);
    // Message 1 gets \Seen (and FLAGS) from this FETCH; message 2 was seen
    // already, so its answer has no FLAGS and the other session's change
    // still goes out before the tagged OK.
    const r = await f.client.command("FETCH 1:2 BODY[TEXT]");
    assert.equal(r.untagged.length, 3);
    assert.match(r.untagged[0], /^\* 1 FETCH \(BODY\[TEXT\] .* FLAGS \(\\Seen \\Recent\)\)$/s);
    assert.doesNotMatch(r.untagged[1], /FLAGS/);
    assert.equal(r.untagged[2], `* 2 FETCH (UID ${f.uids[1]} FLAGS (\\Flagged \\Seen \\Recent))`);
  });
});

Deno.test("FETCH 1:* streams a mailbox larger than one flush", async () => {
  // 120 messages of about 4 KiB: about 500 KB of output, past the 256 KiB flush mark.
  const filler = ("x".repeat(70) + "\r\n").repeat(56);
  const msgs = Array.from({ length: 120 }, (_, i) => message(i + 1, filler));
  await setup(msgs, "SELECT", async ({ client }) => {
    const r = await client.command("FETCH 1:* (UID BODY.PEEK[])", 30_000);
    assert.match(r.tagged, /OK/);
    assert.equal(r.untagged.length, 120);
    for (let i = 0; i < 120; i++) {
      assert.ok(r.untagged[i].startsWith(`* ${i + 1} FETCH (UID `), r.untagged[i].slice(0, 40));
      assert.ok(r.untagged[i].endsWith(filler + ")"));
    }
  });
});

const MULTIPART = "From: Carol <carol@example.net>\r\nTo: alice@example.com\r\nSubject: Parts\r\n" +
  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=xyz\r\n\r\n" +
  "--xyz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n" +
  "--xyz\r\nContent-Type: application/octet-stream; name=a.bin\r\n" +
  "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=a.bin\r\n\r\n" +
  "AAEC\r\n--xyz--\r\n";

Deno.test("imapflow reads FETCH responses and stores flags", async () => {
  await setup([message(1), MULTIPART], "SELECT", async ({ srv, uids }) => {
    const flow = await connectImapflow(srv.port);
    try {
      await flow.mailboxOpen("INBOX");
      const got = [];
      for await (
        const m of flow.fetch("1:*", {
          uid: true,
          flags: true,
          envelope: true,
          bodyStructure: true,
          internalDate: true,
          size: true,
          headers: ["subject"],
          bodyParts: ["1", "2.mime"],
        })
      ) got.push(m);
      assert.equal(got.length, 2);
      assert.deepEqual(got.map((m) => m.uid), uids);
      assert.equal(got[0].envelope?.subject, "Message 1");
      assert.deepEqual(got[0].envelope?.from, [{ name: "Sender 1", address: "s1@example.com" }]);
      assert.equal(got[0].size, message(1).length);
      assert.equal(new Date(got[0].internalDate!).toISOString(), DATE.toISOString());
      assert.equal(got[0].headers?.toString(), "Subject: Message 1\r\n\r\n");
      const bs = got[1].bodyStructure!;
      assert.equal(bs.type, "multipart/mixed");
      assert.deepEqual(bs.childNodes?.map((c) => [c.part, c.type, c.size]), [
        ["1", "text/plain", 13],
        ["2", "application/octet-stream", 4],
      ]);
      assert.equal(bs.childNodes?.[1].disposition, "attachment");
      assert.equal(got[1].bodyParts?.get("1")?.toString(), "See attached.");
      assert.match(got[1].bodyParts?.get("2.mime")?.toString() ?? "", /^Content-Type: application/);
      // bodyParts uses BODY.PEEK: nothing became \Seen.
      assert.deepEqual(got.map((m) => [...(m.flags ?? [])]), [[], []]);
      assert.ok(await flow.messageFlagsAdd("2", ["\\Flagged", "$Work"]));
      const after = await flow.fetchOne("2", { flags: true });
      assert.deepEqual([...(after && after.flags || [])].sort(), ["$Work", "\\Flagged"]);
      const dl = await flow.download("1");
      let text = "";
      for await (const c of dl.content) text += new TextDecoder().decode(c as Uint8Array);
      assert.equal(text, message(1));
    } finally {
      await flow.logout();
    }
  });
});
