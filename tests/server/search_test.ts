import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { connectImapflow } from "../_support/imapflow.ts";

const enc = new TextEncoder();

interface Fixture {
  from: string;
  subject: string;
  date: string;
  id: string;
  extra?: string;
  body: string;
  flags?: string[];
  arrival: string;
}

/** Five messages in alice's INBOX (UIDs 1-5), put there through the real store. */
const MESSAGES: Fixture[] = [
  {
    from: "Alice <alice@x.org>",
    subject: "Hello",
    date: "Mon, 1 Jan 2024 10:00:00 +0000",
    id: "<1@x>",
    body: "apple pie",
    flags: ["\\Seen"],
    arrival: "2024-01-05T12:00:00Z",
  },
  {
    from: "carol@x.org",
    subject: "Re: Hello",
    date: "Wed, 3 Jan 2024 10:00:00 +0000",
    id: "<2@x>",
    extra: "References: <1@x>\r\n",
    body: "banana split",
    flags: ["\\Flagged"],
    arrival: "2024-01-02T12:00:00Z",
  },
  {
    from: "Bob <bob@x.org>",
    subject: "Other topic",
    date: "Tue, 2 Jan 2024 10:00:00 +0000",
    id: "<3@x>",
    body: "cherry ".repeat(200),
    flags: ["\\Deleted", "$Work"],
    arrival: "2024-01-03T12:00:00Z",
  },
  {
    from: "dave@x.org",
    subject: "RE: hello",
    date: "Thu, 4 Jan 2024 10:00:00 +0000",
    id: "<4@x>",
    extra: "In-Reply-To: <1@x>\r\n",
    body: "durian",
    arrival: "2024-01-04T12:00:00Z",
  },
  {
    from: "eve@x.org",
    subject: "hello",
    date: "Fri, 5 Jan 2024 10:00:00 +0000",
    id: "<5@x>",
    body: "elderberry",
    arrival: "2024-01-06T12:00:00Z",
  },
];

async function withMailbox(run: (c: TestClient, srv: TestServer) => Promise<void>) {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const account = (await srv.store.openAccount("alice", { create: true }))!;
    const inbox = (await account.getMailbox("INBOX"))!;
    for (const m of MESSAGES) {
      const text =
        `From: ${m.from}\r\nTo: team@x.org\r\nSubject: ${m.subject}\r\nDate: ${m.date}\r\n` +
        `Message-ID: ${m.id}\r\n${m.extra ?? ""}\r\n${m.body}\r\n`;
      await account.append(inbox.id, {
        content: enc.encode(text),
        flags: m.flags,
        internalDate: new Date(m.arrival),
      });
    }
    const c = await TestClient.connect(srv.port);
    try {
      await c.login("alice", "alice-pw");
      assert.match((await c.command("SELECT INBOX")).tagged, /OK/);
      await run(c, srv);
    } finally {
      c.close();
    }
  } finally {
    await srv.close();
  }
}

/** The one untagged line `name` a command answers with, checking the tagged OK. */
async function answer(c: TestClient, command: string, name = "SEARCH"): Promise<string> {
  const r = await c.command(command);
  assert.match(r.tagged, /^\S+ OK /, `${command}: ${r.tagged}`);
  const lines = r.untagged.filter((l) => l.startsWith(`* ${name}`));
  assert.equal(lines.length, 1, `${command}: ${JSON.stringify(r.untagged)}`);
  return lines[0];
}

Deno.test("SEARCH answers with sequence numbers for each kind of key", async () => {
  await withMailbox(async (c) => {
    const cases: [string, string][] = [
      ["ALL", "* SEARCH 1 2 3 4 5"],
      ["FROM carol", "* SEARCH 2"],
      ["SEEN", "* SEARCH 1"],
      ["UNSEEN", "* SEARCH 2 3 4 5"],
      ["FLAGGED", "* SEARCH 2"],
      ["KEYWORD $Work", "* SEARCH 3"],
      ["UNKEYWORD $Work", "* SEARCH 1 2 4 5"],
      ["2:* NOT DELETED", "* SEARCH 2 4 5"],
      ["OR FLAGGED SEEN", "* SEARCH 1 2"],
      ["SINCE 4-Jan-2024", "* SEARCH 1 4 5"],
      ["BEFORE 3-Jan-2024", "* SEARCH 2"],
      ["ON 3-jan-2024", "* SEARCH 3"],
      ['SENTBEFORE "3-Jan-2024"', "* SEARCH 1 3"],
      ["SENTON 3-Jan-2024", "* SEARCH 2"],
      ["SENTSINCE 4-Jan-2024", "* SEARCH 4 5"],
      ["LARGER 1000", "* SEARCH 3"],
      ["SMALLER 1000", "* SEARCH 1 2 4 5"],
      ["BODY banana", "* SEARCH 2"],
      ["TEXT durian", "* SEARCH 4"],
      ['HEADER Message-ID "<3@x>"', "* SEARCH 3"],
      ["SUBJECT hello", "* SEARCH 1 2 4 5"],
      ["TO team", "* SEARCH 1 2 3 4 5"],
      ["CC anyone", "* SEARCH"],
      ["UID 2,4:*", "* SEARCH 2 4 5"],
      ["(OR 1:2 4) NOT SEEN", "* SEARCH 2 4"],
      ["(1:2 OR 4 5)", "* SEARCH"],
      ["CHARSET UTF-8 FROM {5}\r\nALICE", "* SEARCH 1"],
      ["7:9", "* SEARCH"],
    ];
    for (const [keys, expected] of cases) {
      if (keys.includes("{5}")) {
        // A synchronizing literal: wait for the continuation.
        await c.writeRaw("lit SEARCH CHARSET UTF-8 FROM {5}\r\n");
        assert.match(await c.readLine(), /^\+ /);
        await c.writeRaw("ALICE\r\n");
        const r = await c.readUntilTagged("lit");
        assert.deepEqual(r.untagged, [expected]);
        assert.match(r.tagged, /^lit OK/);
        continue;
      }
      assert.equal(await answer(c, `SEARCH ${keys}`), expected, keys);
    }
  });
});

Deno.test("SEARCH NEW and OLD mean RECENT UNSEEN and NOT RECENT", async () => {
  await withMailbox(async (c) => {
    assert.equal(await answer(c, "SEARCH NEW"), await answer(c, "SEARCH RECENT UNSEEN"));
    assert.equal(await answer(c, "SEARCH OLD"), await answer(c, "SEARCH NOT RECENT"));
    const all = await answer(c, "SEARCH OR RECENT NOT RECENT");
    assert.equal(all, "* SEARCH 1 2 3 4 5");
  });
});

Deno.test("UID SEARCH answers with UIDs and resolves * to the largest UID", async () => {
  await withMailbox(async (c) => {
    assert.equal(await answer(c, "UID SEARCH FROM dave"), "* SEARCH 4");
    assert.equal(await answer(c, "UID SEARCH UID 9:*"), "* SEARCH 5");
    assert.equal(await answer(c, "UID SEARCH 1 UNSEEN"), "* SEARCH");
    // After an expunge (of 3, the one \Deleted), sequence numbers and UIDs part ways.
    assert.match((await c.command("EXPUNGE")).untagged.join(" "), /\* 3 EXPUNGE/);
    assert.equal(await answer(c, "UID SEARCH ALL"), "* SEARCH 1 2 4 5");
    assert.equal(await answer(c, "SEARCH ALL"), "* SEARCH 1 2 3 4");
    assert.equal(await answer(c, "UID SEARCH 3"), "* SEARCH 4");
    assert.equal(await answer(c, "SEARCH UID 4:*"), "* SEARCH 3 4");
  });
});

Deno.test("SEARCH leaves out messages another session expunged, and holds the EXPUNGE", async () => {
  await withMailbox(async (c, srv) => {
    const other = await TestClient.connect(srv.port);
    try {
      await other.login("alice", "alice-pw");
      await other.command("SELECT INBOX");
      assert.match((await other.command("EXPUNGE")).untagged.join(" "), /\* 3 EXPUNGE/);
      await new Promise((r) => setTimeout(r, 50));
      const r = await c.command("SEARCH ALL");
      // Message 3 is gone but keeps its number until the EXPUNGE is sent (RFC 3501 §7.4.1).
      assert.deepEqual(r.untagged, ["* SEARCH 1 2 4 5"]);
      assert.match(r.tagged, /OK/);
      const noop = await c.command("NOOP");
      assert.deepEqual(noop.untagged, ["* 3 EXPUNGE"]);
      assert.equal(await answer(c, "SEARCH ALL"), "* SEARCH 1 2 3 4");
    } finally {
      other.close();
    }
  });
});

Deno.test("SEARCH errors: BAD for syntax, NO [BADCHARSET] for an unknown charset", async () => {
  await withMailbox(async (c) => {
    const bad = await c.command("SEARCH FROBNICATE");
    assert.match(bad.tagged, /^\S+ BAD .*Unknown search key "FROBNICATE"/);
    const missing = await c.command("SEARCH SINCE");
    assert.match(missing.tagged, /^\S+ BAD .*SINCE/);
    const date = await c.command("SEARCH BEFORE 30-Feb-2024");
    assert.match(date.tagged, /^\S+ BAD .*BEFORE.*30-Feb-2024/);
    const cs = await c.command("SEARCH CHARSET X-MARTIAN TEXT hi");
    assert.match(cs.tagged, /^\S+ NO \[BADCHARSET \(UTF-8 US-ASCII\)\] .*X-MARTIAN/);
    assert.deepEqual(cs.untagged, []);
    assert.match((await c.command("UNSELECT")).tagged, /OK/);
    assert.match((await c.command("SEARCH ALL")).tagged, /^\S+ BAD /);
  });
});

Deno.test("SORT orders by each key, REVERSE per key, and answers UIDs for UID SORT", async () => {
  await withMailbox(async (c) => {
    const cases: [string, string][] = [
      ["(DATE) UTF-8 ALL", "* SORT 1 3 2 4 5"],
      ["(ARRIVAL) UTF-8 ALL", "* SORT 2 3 4 1 5"],
      ["(REVERSE ARRIVAL) US-ASCII ALL", "* SORT 5 1 4 3 2"],
      ["(SUBJECT REVERSE DATE) UTF-8 ALL", "* SORT 5 4 2 1 3"],
      ["(FROM) UTF-8 ALL", "* SORT 1 3 2 4 5"],
      ["(SIZE DATE) UTF-8 ALL", "* SORT 5 1 4 2 3"],
      ["(TO) UTF-8 ALL", "* SORT 1 2 3 4 5"],
      ["(CC REVERSE TO) UTF-8 ALL", "* SORT 1 2 3 4 5"],
      ["(DATE) UTF-8 UNSEEN NOT DELETED", "* SORT 2 4 5"],
      ["(DATE) UTF-8 FROM nobody", "* SORT"],
    ];
    for (const [args, expected] of cases) {
      assert.equal(await answer(c, `SORT ${args}`, "SORT"), expected, args);
    }
    await c.command("EXPUNGE");
    assert.equal(await answer(c, "UID SORT (REVERSE ARRIVAL) UTF-8 ALL", "SORT"), "* SORT 5 1 4 2");
    assert.equal(await answer(c, "SORT (REVERSE ARRIVAL) UTF-8 ALL", "SORT"), "* SORT 4 1 3 2");
    const bad = await c.command("SORT (WEIGHT) UTF-8 ALL");
    assert.match(bad.tagged, /^\S+ BAD .*Unknown sort key "WEIGHT"/);
    const cs = await c.command("SORT (DATE) X-MARTIAN ALL");
    assert.match(cs.tagged, /^\S+ NO \[BADCHARSET/);
  });
});

Deno.test("THREAD by REFERENCES and ORDEREDSUBJECT, and UID THREAD", async () => {
  await withMailbox(async (c) => {
    // 2 refers to 1 (References), 4 replies to 1 (In-Reply-To), 5 shares 1's subject
    // without references: step 5 of REFERENCES puts 1 and 5 under a dummy.
    assert.equal(
      await answer(c, "THREAD REFERENCES UTF-8 ALL", "THREAD"),
      "* THREAD ((1 (2)(4))(5))(3)",
    );
    assert.equal(
      await answer(c, "THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD"),
      "* THREAD (1 (2)(4)(5))(3)",
    );
    assert.equal(
      await answer(c, "THREAD REFERENCES UTF-8 NOT 1", "THREAD"),
      "* THREAD (3)((2)(4)(5))",
    );
    assert.equal(await answer(c, "THREAD REFERENCES UTF-8 FROM nobody", "THREAD"), "* THREAD");
    await c.command("EXPUNGE");
    assert.equal(
      await answer(c, "UID THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD"),
      "* THREAD (1 (2)(4)(5))",
    );
    assert.equal(
      await answer(c, "THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD"),
      "* THREAD (1 (2)(3)(4))",
    );
    const bad = await c.command("THREAD FANCY UTF-8 ALL");
    assert.match(bad.tagged, /^\S+ BAD .*Unknown threading algorithm "FANCY"/);
  });
});

Deno.test("CAPABILITY after login names SORT and both THREAD algorithms", async () => {
  await withMailbox(async (c) => {
    const cap = (await c.command("CAPABILITY")).untagged[0];
    assert.match(cap, / SORT( |$)/);
    assert.match(cap, / THREAD=ORDEREDSUBJECT( |$)/);
    assert.match(cap, / THREAD=REFERENCES( |$)/);
  });
});

Deno.test("SEARCH, SORT and THREAD in an empty mailbox answer with empty lists", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    try {
      await c.login("alice", "alice-pw");
      await c.command("SELECT INBOX");
      assert.equal(await answer(c, "SEARCH 1:*"), "* SEARCH");
      assert.equal(await answer(c, "SEARCH *"), "* SEARCH");
      assert.equal(await answer(c, "UID SEARCH UID *"), "* SEARCH");
      assert.equal(await answer(c, "SEARCH NOT ALL"), "* SEARCH");
      assert.equal(await answer(c, "SORT (DATE) UTF-8 ALL", "SORT"), "* SORT");
      assert.equal(await answer(c, "THREAD REFERENCES UTF-8 ALL", "THREAD"), "* THREAD");
    } finally {
      c.close();
    }
  } finally {
    await srv.close();
  }
});

Deno.test("Python imaplib runs SEARCH, UID SEARCH, SORT and THREAD", async () => {
  await withMailbox(async (_c, srv) => {
    const script = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice", "alice-pw")
m.select("INBOX")
print(m.search(None, "FROM", "carol")[1][0].decode())
print(m.search("UTF-8", "UNSEEN", "SINCE", "4-Jan-2024")[1][0].decode())
m.literal = "HELLO".encode("utf-8")
print(m.search("UTF-8", "SUBJECT")[1][0].decode())
print(m.uid("SEARCH", "NOT", "SEEN")[1][0].decode())
print(m.sort("(REVERSE DATE)", "UTF-8", "ALL")[1][0].decode())
print(m.thread("REFERENCES", "UTF-8", "ALL")[1][0].decode())
m.logout()
`;
    const out = await new Deno.Command("python3", {
      args: ["-c", script, String(srv.port)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split("\n"), [
      "2",
      "4 5",
      "1 2 4 5",
      "2 3 4 5",
      "5 4 2 3 1",
      "((1 (2)(4))(5))(3)",
    ]);
  });
});

Deno.test("imapflow's search() compiles to SEARCH keys we answer", async () => {
  await withMailbox(async (_c, srv) => {
    const flow = await connectImapflow(srv.port);
    try {
      await flow.mailboxOpen("INBOX");
      assert.deepEqual(await flow.search({ seen: false, from: "carol" }), [2]);
      assert.deepEqual(await flow.search({ since: new Date("2024-01-04T00:00:00Z") }), [1, 4, 5]);
      assert.deepEqual(await flow.search({ or: [{ flagged: true }, { keyword: "$Work" }] }), [
        2,
        3,
      ]);
      assert.deepEqual(await flow.search({ larger: 1000 }, { uid: true }), [3]);
      assert.deepEqual(await flow.search({ header: { "message-id": "<4@x>" } }), [4]);
      assert.deepEqual(await flow.search({ subject: "nothing like it" }), []);
    } finally {
      await flow.logout();
    }
  });
});
