import assert from "node:assert/strict";
import { message, withMailbox as setup } from "../_support/mailbox_fixture.ts";
import { TestClient } from "../_support/imap_client.ts";

/** Sends `commands` in one write (tags p1, p2, ...) and reads every reply. */
async function pipeline(client: TestClient, commands: string[]): Promise<string[][]> {
  await client.writeRaw(commands.map((c, i) => `p${i + 1} ${c}\r\n`).join(""));
  const out: string[][] = [];
  for (let i = 0; i < commands.length; i++) {
    const r = await client.readUntilTagged(`p${i + 1}`);
    out.push([...r.untagged, r.tagged]);
  }
  return out;
}

/** The same commands one at a time, each waiting for its reply (tags p1, p2, ...). */
async function oneByOne(client: TestClient, commands: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < commands.length; i++) {
    await client.writeRaw(`p${i + 1} ${commands[i]}\r\n`);
    const r = await client.readUntilTagged(`p${i + 1}`);
    out.push([...r.untagged, r.tagged]);
  }
  return out;
}

const msgs = Array.from(
  { length: 30 },
  (_, i) => message(i + 1, `Body ${i + 1}\r\n`.repeat(i * 40 + 1)),
);

Deno.test("pipelined FETCH commands read ahead answer as the same commands one at a time", async () => {
  const commands = [
    ...[7, 3, 30, 1, 12, 12, 25].map((n) => `FETCH ${n} BODY.PEEK[]`),
    "FETCH 2:4 (RFC822.SIZE ENVELOPE)",
    "FETCH 5 (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<2.10> INTERNALDATE)",
    "FETCH 6 BINARY.PEEK[1]",
    "FETCH 8 BODY.PEEK[]",
    "FETCH 31 BODY.PEEK[]", // past the last message: BAD, the run goes on after it
    "FETCH 9 BODY.PEEK[]",
    "FETCH 10 (FLAGS BODY.PEEK[])", // flags are read at their turn
    "FETCH 11 BODY.PEEK[]",
  ];
  let first: string[][] = [];
  await setup(msgs, "SELECT", async ({ client, uids }) => {
    const uidCommands = [
      `UID FETCH ${uids[13]},${uids[2]} BODY.PEEK[]`,
      `UID FETCH 1:* RFC822.SIZE`,
    ];
    first = await pipeline(client, [...commands, ...uidCommands]);
    const again = await oneByOne(client, [...commands, ...uidCommands]);
    assert.deepEqual(first, again);
  });
  assert.equal(first.length, commands.length + 2);
  assert.match(first[0][0], /^\* 7 FETCH \(BODY\[\] \{\d+\}\r\nFrom: "Sender 7"/);
  assert.match(first[2][0], /^\* 30 FETCH \(BODY\[\] \{\d+\}\r\nFrom: "Sender 30"/);
  assert.match(first[11][0], /^p12 BAD /);
  assert.match(first[13][0], /^\* 10 FETCH \(FLAGS \(\\Recent\) BODY\[\] /);
  assert.equal(first[16].length, 31);
});

Deno.test("a FETCH behind a STORE and a BODY[] that sets \\Seen reads at its own turn", async () => {
  await setup(msgs.slice(0, 5), "SELECT", async ({ client }) => {
    const r = await pipeline(client, [
      "FETCH 1 BODY.PEEK[HEADER]",
      "FETCH 2 BODY.PEEK[HEADER]",
      "STORE 2 +FLAGS (\\Flagged)",
      "FETCH 2 (FLAGS BODY.PEEK[HEADER])",
      "FETCH 3 BODY[TEXT]",
      "FETCH 3 FLAGS",
    ]);
    assert.match(r[3][0], /^\* 2 FETCH \(FLAGS \(\\Flagged \\Recent\) BODY\[HEADER\] /);
    assert.match(r[4][0], /FLAGS \(\\Seen \\Recent\)\)$/);
    assert.equal(r[5][0], "* 3 FETCH (FLAGS (\\Seen \\Recent))");
  });
});

Deno.test("a read-ahead past its byte bound answers as the same commands one at a time", async () => {
  // 36 messages of about 300 KB, fetched in a shuffled order: more than the
  // 8 MB a read-ahead holds, so some records are let go and read again by
  // their own command.
  const big = Array.from(
    { length: 36 },
    (_, i) => message(i + 1, `Line ${i + 1} ${"x".repeat(60)}\r\n`.repeat(4200)),
  );
  const order = Array.from({ length: 36 }, (_, i) => ((i * 17) % 36) + 1);
  const commands = order.map((n) => `FETCH ${n} BODY.PEEK[]`);
  await setup(big, "SELECT", async ({ client }) => {
    const first = await pipeline(client, commands);
    const again = await oneByOne(client, commands);
    assert.deepEqual(first, again);
    for (let i = 0; i < order.length; i++) {
      assert.match(first[i][0], new RegExp(`^\\* ${order[i]} FETCH \\(BODY\\[\\] \\{\\d+\\}`));
      assert.ok(first[i][0].includes(`Line ${order[i]} x`));
    }
  });
});

Deno.test("a session that leaves in the middle of a read-ahead does not hold up the next one", async () => {
  await setup(msgs, "SELECT", async ({ client, srv }) => {
    // Sent, then the session goes after the first answer's first line.
    await client.writeRaw(
      Array.from({ length: 30 }, (_, i) => `q${i} FETCH ${30 - i} BODY.PEEK[]\r\n`).join(""),
    );
    await client.readLine();
    client.close();
    const other = await TestClient.connect(srv.port);
    try {
      await other.login("alice", "alice-pw");
      assert.match((await other.command("SELECT INBOX")).tagged, /OK/);
      const f = await other.command("FETCH 1:30 BODY.PEEK[HEADER]");
      assert.equal(f.untagged.length, 30);
      assert.match(f.tagged, /OK/);
    } finally {
      other.close();
    }
  });
});
