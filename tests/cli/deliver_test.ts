/**
 * `imapd deliver` run as an MTA runs it (a child process, the message on
 * standard input), and its sysexits(3) statuses: 0, 75, 67, 65, 64.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/config.ts";
import { openAdminStore } from "../../lib/app.ts";
import { prepareMessage } from "../../lib/cli/deliver.ts";
import { baseConfig, runMain } from "../_support/server.ts";

async function setUp(storageExtra = "", withLmtp = true) {
  const dir = await Deno.makeTempDir({ prefix: "imapd-deliver-" });
  const file = `${dir}/config.toml`;
  const lmtp = `[lmtp]
listen = "unix://${dir}/lmtp.sock"
deliver_to = "&local_mailboxes"
max_message_size = "1K"
`;
  const text = `${baseConfig(dir)}delivery_map = "email_localpart"
${storageExtra}

${withLmtp ? lmtp : ""}`;
  await Deno.writeTextFile(file, text);
  const config = parseConfig(text, file);
  const store = await openAdminStore(config);
  await store.openAccount("alice", { create: true });
  await store.close();
  return {
    dir,
    file,
    deliver: (args: string[], stdin: string) =>
      runMain(["--config", file, "deliver", ...args], stdin),
    async inbox(): Promise<string[]> {
      const s = await openAdminStore(config);
      try {
        const acc = (await s.openAccount("alice"))!;
        const box = (await acc.getMailbox("INBOX"))!;
        const out: string[] = [];
        for await (
          const m of acc.fetch(box.id, [{ from: 1, to: 2 ** 32 - 1 }], { content: true })
        ) {
          out.push(new TextDecoder().decode(m.content));
        }
        return out;
      } finally {
        await s.close();
      }
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("imapd deliver: exit 0 stores the message with trace headers, an mbox From line dropped and LF made CRLF", async () => {
  const t = await setUp();
  try {
    const r = await t.deliver(
      ["-f", "carol@example.net", "alice@example.org"],
      "From carol@example.net Tue Nov  4 08:00:00 2025\nSubject: piped\n\nhello\n",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(await t.inbox(), [
      "Return-Path: <carol@example.net>\r\nDelivered-To: alice@example.org\r\n" +
      "Subject: piped\r\n\r\nhello\r\n",
    ]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("imapd deliver: exit 67 for an unknown recipient, and nothing delivered to the others", async () => {
  const t = await setUp();
  try {
    const r = await t.deliver(
      ["-f", "<>", "alice@example.org", "nobody@example.org"],
      "Subject: x\r\n\r\nx\r\n",
    );
    assert.equal(r.code, 67);
    assert.equal(r.stderr, "imapd deliver: <nobody@example.org>: no such user here (5.1.1)\n");
    assert.deepEqual(await t.inbox(), []);
  } finally {
    await t.cleanup();
  }
});

Deno.test("imapd deliver: exit 65 for an empty or too big message, 64 for bad arguments", async () => {
  const t = await setUp();
  try {
    const empty = await t.deliver(["alice@example.org"], "");
    assert.equal(empty.code, 65);
    assert.match(empty.stderr, /empty message/);
    const big = await t.deliver(["alice@example.org"], "Subject: big\r\n\r\n" + "x".repeat(2000));
    assert.equal(big.code, 65);
    assert.equal(big.stderr, "imapd deliver: message too big (5.3.4)\n");
    const usage = await t.deliver(["-f", "a@b"], "Subject: x\r\n\r\n");
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /at least one recipient is required/);
    assert.deepEqual(await t.inbox(), []);
  } finally {
    await t.cleanup();
  }
});

Deno.test("imapd deliver: exit 75 while the database is locked by another writer, and with a broken config", async () => {
  const t = await setUp('sqlite_busy_timeout = "200ms"');
  const locker = new Deno.Command("python3", {
    args: [
      "-c",
      "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\n" +
      "c.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\nsys.stdin.read()\nc.execute('ROLLBACK')",
      `${t.dir}/data/imapsql.db`,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = locker.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    assert.equal((await reader.read()).value?.trim(), "locked");
    const r = await t.deliver(["alice@example.org"], "Subject: x\r\n\r\nx\r\n");
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /^imapd deliver: .*\(4\.3\.0\)\n$/);
  } finally {
    await locker.stdin.close();
    await locker.status;
    reader.releaseLock();
    await locker.stdout.cancel().catch(() => {});
  }
  try {
    assert.deepEqual(await t.inbox(), []);
    await Deno.writeTextFile(t.file, "[imap\n");
    const broken = await t.deliver(["alice@example.org"], "Subject: x\r\n\r\nx\r\n");
    assert.equal(broken.code, 75);
    assert.match(broken.stderr, /invalid TOML/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("imapd deliver without [lmtp] delivers into the first [imap] storage through its delivery_map", async () => {
  const t = await setUp("", false);
  try {
    const ok = await t.deliver(
      ["-f", "a@b.example", "Alice@Example.org"],
      "Subject: x\r\n\r\nx\r\n",
    );
    assert.equal(ok.code, 0, ok.stderr);
    const unknown = await t.deliver(["bob@example.org"], "Subject: x\r\n\r\nx\r\n");
    assert.equal(unknown.code, 67);
    assert.equal((await t.inbox()).length, 1);
  } finally {
    await t.cleanup();
  }
});

Deno.test("prepareMessage() keeps CRLF input as it is and fixes only bare LF", () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const crlf = enc.encode("A: b\r\n\r\nc\r\n");
  assert.deepEqual(prepareMessage(crlf), crlf);
  assert.equal(dec.decode(prepareMessage(enc.encode("A: b\r\n\nc\n"))), "A: b\r\n\r\nc\r\n");
  assert.equal(dec.decode(prepareMessage(enc.encode("From x\r\nA: b\r\n"))), "A: b\r\n");
});
