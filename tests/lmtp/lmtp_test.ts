/**
 * The LMTP endpoint against clients nobody here wrote: Python's
 * smtplib.LMTP over the unix socket and over TCP, and swaks. RFC 2033
 * semantics: 550 5.1.1 at RCPT for an unknown address, one reply per
 * accepted recipient after DATA, 552 5.3.4 for oversize, 451 4.3.0 when
 * the database cannot take the message (and nothing stored), trace
 * headers, plus_folder, and an IDLE session seeing the delivery at once.
 */
import assert from "node:assert/strict";
import { python, startLmtpServer } from "./_lmtp.ts";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { isLoopback } from "../../lib/lmtp/server.ts";
import { TestClient } from "../_support/imap_client.ts";

// Python's LMTP.data() reads one reply; the others are read with getreply()
// (smtplib leaves per-recipient replies to the caller).
const SEND = String.raw`
import smtplib, sys, json
target, sender, rcpts, body = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
if target.startswith("/"):
    l = smtplib.LMTP(target)
else:
    l = smtplib.LMTP("127.0.0.1", int(target))
out = {"lhlo": l.ehlo_or_helo_if_needed() or list(l.esmtp_features)}
out["mail"] = l.mail(sender)[0]
accepted = 0
out["rcpt"] = []
for r in rcpts:
    code, msg = l.rcpt(r)
    out["rcpt"].append([code, msg.decode()])
    accepted += code == 250
if accepted:
    code, msg = l.data(body.encode())
    replies = [[code, msg.decode()]]
    for _ in range(accepted - 1):
        code, msg = l.getreply()
        replies.append([code, msg.decode()])
    out["data"] = replies
else:
    out["data"] = [list(l.docmd("DATA"))[0]]
out["quit"] = l.quit()[0]
print(json.dumps(out))
`;

interface SendResult {
  lhlo: string[];
  mail: number;
  rcpt: [number, string][];
  data: [number, string][];
  quit: number;
}

async function send(
  target: string,
  sender: string,
  rcpts: string[],
  body: string,
): Promise<SendResult> {
  return JSON.parse(await python(SEND, target, sender, JSON.stringify(rcpts), body));
}

const MESSAGE = "From: Carol <carol@example.net>\r\nTo: alice@example.org\r\n" +
  "Subject: Lunch\r\nMessage-ID: <lunch@example.net>\r\n\r\nAt noon?\r\n.leading dot\r\n";

Deno.test("smtplib.LMTP over the unix socket: unknown recipient refused at RCPT, the other delivered with trace headers", async () => {
  const srv = await startLmtpServer();
  try {
    const r = await send(
      srv.socket,
      "carol@example.net",
      ["alice@example.org", "nobody@example.org"],
      MESSAGE,
    );
    assert.deepEqual(
      r.lhlo.sort(),
      ["8bitmime", "enhancedstatuscodes", "pipelining", "size", "smtputf8"],
    );
    assert.equal(r.mail, 250);
    assert.equal(r.rcpt[0][0], 250);
    assert.deepEqual(r.rcpt[1], [550, "5.1.1 No such user here: <nobody@example.org>"]);
    assert.equal(r.data.length, 1);
    assert.equal(r.data[0][0], 250);
    assert.match(r.data[0][1], /^2\.0\.0 <alice@example\.org> delivered/);
    assert.equal(r.quit, 221);
    const inbox = await srv.messages("alice");
    assert.equal(inbox.length, 1);
    assert.equal(
      inbox[0],
      // smtplib dot-stuffed ".leading dot"; the stored message is the original.
      "Return-Path: <carol@example.net>\r\nDelivered-To: alice@example.org\r\n" + MESSAGE,
    );
    assert.deepEqual(await srv.messages("bob"), []);
  } finally {
    await srv.close();
  }
});

Deno.test("smtplib.LMTP over TCP: two accepted recipients get one reply each after DATA", async () => {
  const srv = await startLmtpServer();
  try {
    const r = await send(
      String(srv.lmtpPort),
      "",
      ["Alice@Example.org", "bob@example.com"],
      "Subject: two\r\n\r\nhello\r\n",
    );
    assert.deepEqual(r.rcpt.map((x) => x[0]), [250, 250]);
    assert.deepEqual(r.data.map((x) => x[0]), [250, 250]);
    assert.match(r.data[0][1], /<Alice@Example\.org>/);
    assert.match(r.data[1][1], /<bob@example\.com>/);
    const a = await srv.messages("alice");
    const b = await srv.messages("bob");
    assert.equal(a.length, 1);
    assert.equal(b.length, 1);
    // A null sender (a bounce) gets an empty Return-Path.
    assert.match(a[0], /^Return-Path: <>\r\nDelivered-To: Alice@Example\.org\r\nSubject: two/);
    assert.match(b[0], /^Return-Path: <>\r\nDelivered-To: bob@example\.com\r\n/);
  } finally {
    await srv.close();
  }
});

Deno.test("LMTP: DATA with no accepted recipient is 503; every recipient unknown stores nothing", async () => {
  const srv = await startLmtpServer();
  try {
    const r = await send(srv.socket, "x@example.net", ["nobody@example.org"], "Subject: x\r\n\r\n");
    assert.equal(r.rcpt[0][0], 550);
    assert.equal(r.data[0], 503);
    assert.deepEqual(await srv.messages("alice"), []);
  } finally {
    await srv.close();
  }
});

Deno.test("LMTP: a message over max_message_size gets 552 5.3.4 per recipient, at MAIL when SIZE says so", async () => {
  const srv = await startLmtpServer({ lmtp: 'max_message_size = "2K"' });
  try {
    const big = "Subject: big\r\n\r\n" + "x".repeat(78).concat("\r\n").repeat(40);
    const r = await send(String(srv.lmtpPort), "a@example.net", [
      "alice@example.org",
      "bob@example.org",
    ], big);
    assert.deepEqual(r.data.map((x) => x[0]), [552, 552]);
    assert.match(r.data[0][1], /^5\.3\.4 /);
    assert.deepEqual(await srv.messages("alice"), []);
    // smtplib sends no SIZE; a raw client that declares it is refused at MAIL (RFC 1870).
    const c = TestClient.wrap(await Deno.connect({ hostname: "127.0.0.1", port: srv.lmtpPort }));
    try {
      assert.match(await c.readLine(), /^220 mx\.test /);
      await c.writeRaw("LHLO client.test\r\nMAIL FROM:<a@example.net> SIZE=5000\r\n");
      const lines: string[] = [];
      for (let i = 0; i < 7; i++) lines.push(await c.readLine());
      assert.equal(lines[0], "250-mx.test");
      assert.ok(lines.includes("250 SIZE 2048"), lines.join("\n"));
      assert.equal(lines[6], "552 5.3.4 Message size exceeds the limit of 2048 bytes");
    } finally {
      c.close();
    }
  } finally {
    await srv.close();
  }
});

Deno.test("swaks --protocol LMTP delivers over TCP and over the unix socket", async () => {
  const srv = await startLmtpServer();
  try {
    for (
      const target of [["--server", "127.0.0.1", "--port", String(srv.lmtpPort)], [
        "--socket",
        srv.socket,
      ]]
    ) {
      const out = await new Deno.Command("swaks", {
        args: [
          "--protocol",
          "LMTP",
          ...target,
          "--from",
          "dave@example.net",
          "--to",
          "bob@example.org",
          "--helo",
          "swaks.test",
          "--header",
          "Subject: from swaks",
          "--body",
          "swaks body",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
      assert.match(text, /<- {2}250 2\.0\.0 <bob@example\.org> delivered/);
    }
    const inbox = await srv.messages("bob");
    assert.equal(inbox.length, 2);
    for (const m of inbox) {
      assert.match(m, /^Return-Path: <dave@example\.net>\r\nDelivered-To: bob@example\.org\r\n/);
      assert.match(m, /\r\nSubject: from swaks\r\n/);
      assert.match(m, /\r\n\r\nswaks body\r\n/);
    }
  } finally {
    await srv.close();
  }
});

Deno.test("LMTP: a database that cannot take the write answers 451 4.3.0 and stores nothing", async () => {
  const srv = await startLmtpServer({ storage: 'sqlite_busy_timeout = "200ms"' });
  // Another process holds the write lock of the database file (as a stuck
  // writer or a backup would); our append gets SQLITE_BUSY.
  const locker = new Deno.Command("python3", {
    args: [
      "-c",
      "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\n" +
      "c.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\nsys.stdin.read()\nc.execute('ROLLBACK')",
      `${srv.dir}/data/imapsql.db`,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = locker.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    assert.equal((await reader.read()).value?.trim(), "locked");
    const r = await send(srv.socket, "a@example.net", ["alice@example.org"], "Subject: x\r\n\r\n");
    assert.equal(r.rcpt[0][0], 250);
    assert.equal(r.data.length, 1);
    assert.equal(r.data[0][0], 451);
    assert.match(r.data[0][1], /^4\.3\.0 /);
  } finally {
    await locker.stdin.close();
    await locker.status;
    reader.releaseLock();
    await locker.stdout.cancel().catch(() => {});
  }
  try {
    assert.deepEqual(await srv.messages("alice"), []);
    // Once the lock is gone the retry goes through.
    const again = await send(
      srv.socket,
      "a@example.net",
      ["alice@example.org"],
      "Subject: x\r\n\r\n",
    );
    assert.equal(again.data[0][0], 250);
    assert.equal((await srv.messages("alice")).length, 1);
  } finally {
    await srv.close();
  }
});

Deno.test("LMTP: plus_folder delivers user+detail to the mailbox detail when it exists, else INBOX", async () => {
  const srv = await startLmtpServer({ lmtp: "plus_folder = true" });
  try {
    const alice = (await srv.store.openAccount("alice"))!;
    await alice.createMailbox("lists");
    const r = await send(srv.socket, "l@example.net", [
      "alice+lists@example.org",
      "alice+nothere@example.org",
    ], "Subject: list\r\n\r\n");
    assert.deepEqual(r.data.map((x) => x[0]), [250, 250]);
    const lists = await srv.messages("alice", "lists");
    assert.equal(lists.length, 1);
    assert.match(
      lists[0],
      /^Return-Path: <l@example\.net>\r\nDelivered-To: alice\+lists@example\.org\r\n/,
    );
    const inbox = await srv.messages("alice");
    assert.equal(inbox.length, 1);
    assert.match(inbox[0], /Delivered-To: alice\+nothere@example\.org/);
  } finally {
    await srv.close();
  }
});

Deno.test("LMTP: without plus_folder, user+detail goes to INBOX", async () => {
  const srv = await startLmtpServer();
  try {
    const alice = (await srv.store.openAccount("alice"))!;
    await alice.createMailbox("lists");
    const r = await send(srv.socket, "l@example.net", ["alice+lists@example.org"], "S: x\r\n\r\n");
    assert.equal(r.data[0][0], 250);
    assert.equal((await srv.messages("alice")).length, 1);
    assert.deepEqual(await srv.messages("alice", "lists"), []);
  } finally {
    await srv.close();
  }
});

Deno.test("LMTP: pipelined commands in one write get their replies in order, bare LF stored as CRLF", async () => {
  const srv = await startLmtpServer();
  const c = TestClient.wrap(await Deno.connect({ hostname: "127.0.0.1", port: srv.lmtpPort }));
  try {
    assert.match(await c.readLine(), /^220 /);
    await c.writeRaw(
      "LHLO a\r\nHELO a\r\nMAIL FROM:<x@example.net> BODY=8BITMIME\r\nRCPT TO:<bob@example.org>\r\n" +
        "RCPT TO:<ghost@example.org>\r\nRCPT TO:<alice@example.org> NOTIFY=NEVER\r\nDATA\r\n",
    );
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) lines.push(await c.readLine());
    assert.deepEqual(lines.slice(6), [
      "500 5.5.1 This is an LMTP server: use LHLO",
      "250 2.1.0 Sender OK",
      "250 2.1.5 Recipient OK",
      "550 5.1.1 No such user here: <ghost@example.org>",
      "555 5.5.4 Unsupported parameter NOTIFY",
      "354 Start mail input; end with <CRLF>.<CRLF>",
    ]);
    await c.writeRaw("Subject: lf\n\nline one\n..two\n.\nQUIT\r\n");
    assert.equal(await c.readLine(), "250 2.0.0 <bob@example.org> delivered");
    assert.equal(await c.readLine(), "221 2.0.0 mx.test Bye");
    const inbox = await srv.messages("bob");
    assert.equal(
      inbox[0],
      "Return-Path: <x@example.net>\r\nDelivered-To: bob@example.org\r\nSubject: lf\r\n\r\nline one\r\n.two\r\n",
    );
  } finally {
    c.close();
    await srv.close();
  }
});

Deno.test("LMTP: commands out of order get 503 and the session goes on", async () => {
  const srv = await startLmtpServer();
  const c = TestClient.wrap(await Deno.connect({ hostname: "127.0.0.1", port: srv.lmtpPort }));
  try {
    await c.readLine();
    await c.writeRaw("MAIL FROM:<a@b.c>\r\nLHLO x\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n");
    const lines: string[] = [];
    for (let i = 0; i < 9; i++) lines.push(await c.readLine());
    assert.equal(lines[0], "503 5.5.1 Send LHLO first");
    assert.equal(lines[7], "503 5.5.1 Send MAIL first");
    assert.equal(lines[8], "503 5.5.1 Send MAIL first");
    await c.writeRaw("MAIL FROM:<a@b.c>\r\nMAIL FROM:<a@b.c>\r\nRSET\r\nFROB\r\nNOOP\r\nQUIT\r\n");
    const more: string[] = [];
    for (let i = 0; i < 6; i++) more.push(await c.readLine());
    assert.deepEqual(more, [
      "250 2.1.0 Sender OK",
      "503 5.5.1 Nested MAIL command",
      "250 2.0.0 OK",
      "500 5.5.2 Unknown command",
      "250 2.0.0 OK",
      "221 2.0.0 mx.test Bye",
    ]);
    assert.ok(await c.closedByServer());
  } finally {
    c.close();
    await srv.close();
  }
});

Deno.test("LMTP: an IMAP session in IDLE sees the delivered message", async () => {
  const srv = await startLmtpServer({ users: { alice: "alice-pw" } });
  const imap = await TestClient.connect(srv.port);
  try {
    assert.match((await imap.command("LOGIN alice alice-pw")).tagged, /OK/);
    assert.match((await imap.command("SELECT INBOX")).tagged, /OK/);
    await imap.writeRaw("i1 IDLE\r\n");
    assert.match(await imap.readLine(), /^\+ /);
    const r = await send(
      srv.socket,
      "a@example.net",
      ["alice@example.org"],
      "Subject: ping\r\n\r\n",
    );
    assert.equal(r.data[0][0], 250);
    // The append announces itself on the store's bus: no poll, no NOOP needed.
    assert.equal(await imap.readLine(2000), "* 1 EXISTS");
    await imap.writeRaw("DONE\r\n");
    let line = await imap.readLine();
    while (line.startsWith("* ")) line = await imap.readLine();
    assert.match(line, /^i1 OK/);
  } finally {
    imap.close();
    await srv.close();
  }
});

Deno.test("a server whose LMTP address is taken does not start, and says which address", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      startTestServer({
        users: {},
        config: (dir) =>
          `${baseConfig(dir)}\n[lmtp]\nlisten = "tcp://127.0.0.1:${port}"\n` +
          'deliver_to = "&local_mailboxes"\n',
      }),
      /address.*in use|AddrInUse/i,
    );
  } finally {
    taken.close();
  }
});

Deno.test("isLoopback() takes 127.0.0.0/8, ::1 and IPv4-mapped loopback only", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) {
    assert.ok(isLoopback(a), a);
  }
  for (const a of ["10.0.0.1", "192.168.1.1", "::ffff:10.0.0.1", "fe80::1", "1.127.0.0"]) {
    assert.ok(!isLoopback(a), a);
  }
});
