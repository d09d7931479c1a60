/**
 * The admin CLI as an operator uses it, next to a running server: create
 * credentials, log in over IMAP, import an mbox of 1,000 messages, see them
 * with imap-msgs list and over IMAP; and a CLI write reaching an IDLE
 * session in the server process within a second.
 */
import assert from "node:assert/strict";
import { baseConfig, portOf, runMain, spawnServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

function mbox(count: number): string {
  let out = "";
  for (let i = 1; i <= count; i++) {
    out += `From sender${i}@example.org Mon Nov  3 10:00:00 2025\n` +
      `From: Sender ${i} <sender${i}@example.org>\nTo: alice@example.org\n` +
      `Subject: Imported ${i}\nMessage-ID: <imp${i}@example.org>\n` +
      (i % 10 === 0 ? "Status: RO\n" : "") + "\n" +
      `Line one of message ${i}.\n>From the archives, escaped.\n\n`;
  }
  return out;
}

Deno.test("creds create, IMAP login, import of a 1,000-message mbox, imap-msgs list, and IMAP sees it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-cli-" });
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
  try {
    const created = await runMain([
      "--config",
      file,
      "creds",
      "create",
      "--password",
      "PASS",
      "alice@example.org",
    ]);
    assert.equal(created.code, 0, created.stderr);
    const listed = await runMain(["--config", file, "creds", "list"]);
    assert.equal(listed.stdout.trim(), "alice@example.org");
    const dup = await runMain([
      "--config",
      file,
      "creds",
      "create",
      "--password",
      "x",
      "alice@example.org",
    ]);
    assert.equal(dup.code, 1);

    const srv = await spawnServer(file);
    try {
      const port = portOf(srv.addresses[0]);
      const c = await TestClient.connect(port);
      await c.login("alice@example.org", "PASS");
      assert.match((await c.command("SELECT INBOX")).untagged.join("\n"), /\* 0 EXISTS/);

      // The CLI imports while the server runs (no "database is locked").
      await Deno.writeTextFile(`${dir}/old.mbox`, mbox(1000));
      const imported = await runMain([
        "--config",
        file,
        "import",
        "alice@example.org",
        "Old",
        `${dir}/old.mbox`,
      ]);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /^Imported 1000 messages into "Old"$/m);

      const list = await runMain([
        "--config",
        file,
        "imap-msgs",
        "list",
        "alice@example.org",
        "Old",
      ]);
      assert.equal(list.code, 0, list.stderr);
      const rows = list.stdout.trim().split("\n");
      assert.equal(rows.length, 1000);
      // uid, internal date (from the mbox "From " line), size, flags, subject
      assert.match(rows[0], /^1\t2025-11-03T10:00:00\.000Z\t\d+\t\tImported 1$/);
      assert.match(rows[9], /^10\t\S+\t\d+\t\\Seen\tImported 10$/);

      const status = await c.command("STATUS Old (MESSAGES UNSEEN)");
      assert.equal(status.untagged[0], "* STATUS Old (MESSAGES 1000 UNSEEN 900)");
      await c.command("SELECT Old");
      const body = await c.command("FETCH 1 BODY.PEEK[TEXT]");
      assert.match(body.untagged[0], /Line one of message 1\.\r?\nFrom the archives, escaped\./);
      const dump = await runMain([
        "--config",
        file,
        "imap-msgs",
        "dump",
        "alice@example.org",
        "Old",
        "1000",
      ]);
      assert.match(dump.stdout, /^From: Sender 1000 <sender1000@example\.org>/);
      c.close();
    } finally {
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a message added with the CLI reaches an IDLE session within a second", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-cli-idle-" });
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
  try {
    assert.equal(
      (await runMain(["--config", file, "creds", "create", "--password", "pw", "alice"])).code,
      0,
    );
    const srv = await spawnServer(file);
    try {
      const c = await TestClient.connect(portOf(srv.addresses[0]));
      await c.login("alice", "pw");
      await c.command("SELECT INBOX");
      await c.writeRaw("i1 IDLE\r\n");
      assert.match(await c.readLine(), /^\+ idling/);
      const added = await runMain(
        ["--config", file, "imap-msgs", "add", "--flag", "\\Flagged", "alice", "INBOX"],
        "From: cli@example.org\r\nSubject: from the CLI\r\n\r\nhi\r\n",
      );
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stdout.trim(), "1");
      const started = Date.now();
      assert.equal(await c.readLine(1500), "* 1 EXISTS");
      assert.ok(Date.now() - started < 1000, `EXISTS came after ${Date.now() - started} ms`);
      // The idling session is the first to see it: \Recent is its (RFC 3501 §2.3.2).
      assert.equal(await c.readLine(1500), "* 1 RECENT");
      const flags = await runMain([
        "--config",
        file,
        "imap-msgs",
        "flags",
        "alice",
        "INBOX",
        "add",
        "1",
        "\\Seen",
      ]);
      assert.equal(flags.code, 0, flags.stderr);
      assert.match(
        await c.readLine(1500),
        /^\* 1 FETCH \(UID 1 FLAGS \((\\Flagged \\Seen|\\Seen \\Flagged) \\Recent\)\)$/,
      );
      await c.writeRaw("DONE\r\n");
      assert.match(await c.readLine(), /^i1 OK/);
      c.close();
    } finally {
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
