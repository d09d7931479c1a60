/**
 * `imapd import-maddy` on a maddy state directory built from go-imap-sql's
 * DDL (see _maddy_fixture.ts): 3 accounts, nested mailboxes, keywords,
 * 1,000 messages. Then an IMAP session sees the same UIDVALIDITY, UIDNEXT,
 * UIDs, flags, internal dates and bytes; a re-run adds nothing; an unknown
 * schema version is refused by name.
 */
import assert from "node:assert/strict";
import Database from "libsql";
import { baseConfig, portOf, runMain, spawnServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { type FixtureMailbox, makeMaddyFixture } from "./_maddy_fixture.ts";
import { parseConfig } from "../../lib/config/config.ts";
import { openAdminStore } from "../../lib/app.ts";
import { ImportError, importMaddy } from "../../lib/cli/import_maddy.ts";

function imapDate(unix: number): string {
  const d = new Date(unix * 1000);
  const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

async function checkMailbox(c: TestClient, box: FixtureMailbox): Promise<void> {
  const name = box.name.replaceAll(".", "/");
  const sel = await c.command(`SELECT "${name}"`);
  assert.match(sel.tagged, /OK/, `${name}: ${sel.tagged}`);
  const text = sel.untagged.join("\n");
  assert.match(text, new RegExp(`\\[UIDVALIDITY ${box.uidValidity}\\]`), name);
  assert.match(text, new RegExp(`\\[UIDNEXT ${box.uidNext}\\]`), name);
  assert.match(text, new RegExp(`\\* ${box.messages.length} EXISTS`), name);
  // Imported mail is old mail: none of it is \Recent.
  assert.match(text, /\* 0 RECENT/, name);
  if (box.messages.length === 0) return;
  const r = await c.command("UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)");
  const got = r.untagged.filter((l) => / FETCH /.test(l)).map((l) => {
    const uid = Number(/UID (\d+)/.exec(l)![1]);
    const flags = /FLAGS \(([^)]*)\)/.exec(l)![1].split(" ").filter((f) => f !== "").sort();
    const date = /INTERNALDATE "([^"]+)"/.exec(l)![1];
    const size = Number(/RFC822\.SIZE (\d+)/.exec(l)![1]);
    return { uid, flags, date, size };
  });
  assert.deepEqual(
    got,
    box.messages.map((m) => ({
      uid: m.uid,
      flags: [...m.flags].sort(),
      date: imapDate(m.date),
      size: m.content.length,
    })),
    name,
  );
  // Bytes too, for the first and last message (one of them stored zstd-compressed by maddy).
  for (const m of [box.messages[0], box.messages[box.messages.length - 1]]) {
    const body = await c.command(`UID FETCH ${m.uid} BODY.PEEK[]`);
    const line = body.untagged.find((l) => / FETCH /.test(l))!;
    assert.ok(line.includes(`\r\n${m.content}`), `${name} UID ${m.uid}`);
  }
}

Deno.test("import-maddy: 3 accounts, nested mailboxes, keywords, 1,000 messages; IMAP sees the same UIDs and UIDVALIDITY; a re-run adds nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-maddy-" });
  try {
    const fixture = await makeMaddyFixture(dir, 1000);
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
    const first = await runMain(["--config", file, "import-maddy", "--dsn", fixture.dbPath]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, "imported 3 accounts, 21 mailboxes, 1000 messages\n");
    // Not a terminal: no progress bar in the output.
    assert.equal(first.stderr, "");

    const again = await runMain(["--config", file, "import-maddy", "--dsn", fixture.dbPath]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout,
      "imported 3 accounts, 21 mailboxes, 0 messages (1000 were already here)\n",
    );

    assert.equal(
      (await runMain([
        "--config",
        file,
        "creds",
        "create",
        "--password",
        "pw",
        "alice@example.org",
      ])).code,
      0,
    );
    const srv = await spawnServer(file);
    const c = await TestClient.connect(portOf(srv.addresses[0]));
    try {
      assert.match((await c.command("LOGIN alice@example.org pw")).tagged, /OK/);
      const list = await c.command('LIST "" "*"');
      const names = list.untagged.map((l) => /"\/" (.*)$/.exec(l)![1].replace(/^"|"$/g, ""));
      for (const box of fixture.accounts.get("alice@example.org")!) {
        assert.ok(names.includes(box.name.replaceAll(".", "/")), `${box.name} in ${names}`);
      }
      assert.ok(list.untagged.some((l) => /\\Sent/.test(l) && / Sent$/.test(l)));
      const lsub = (await c.command('LSUB "" "*"')).untagged.join("\n");
      assert.match(lsub, /Lists\/deno\r?$/m);
      assert.doesNotMatch(lsub, /releases/);
      for (const box of fixture.accounts.get("alice@example.org")!) await checkMailbox(c, box);
      await c.command("LOGOUT");
    } finally {
      c.close();
      await srv.stop();
    }
    // The other accounts came over with all their messages.
    const counts = await runMain(["--config", file, "imap-acct", "list"]);
    assert.equal(
      counts.stdout.trim().split("\n").sort().join(","),
      [
        "alice@example.org",
        "bob@example.org",
        "carol@example.net",
      ].join(","),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import-maddy: a schema version it does not know is refused, naming the table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-maddy-" });
  try {
    const fixture = await makeMaddyFixture(dir, 3);
    const db = new Database(fixture.dbPath);
    db.prepare("UPDATE schema_version SET version = 7").run();
    db.close();
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(file, baseConfig(dir));
    const r = await runMain(["--config", file, "import-maddy", "--dsn", `file:${fixture.dbPath}`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `imapd import-maddy: ${fixture.dbPath}: table schema_version says version 7, ` +
        "which this importer does not know (known: 5, 6)\n",
    );
    const none = await runMain(["--config", file, "import-maddy", "--dsn", `${dir}/nothing.db`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /cannot open .*nothing\.db/);
    const usage = await runMain(["--config", file, "import-maddy"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--dsn PATH is required/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("importMaddy() draws a progress bar on a terminal, reads --msg-store, and names what it cannot import", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-maddy-" });
  try {
    const fixture = await makeMaddyFixture(dir, 30);
    await Deno.rename(`${dir}/maddy/messages`, `${dir}/bodies`);
    const config = parseConfig(baseConfig(dir), `${dir}/config.toml`);
    const store = await openAdminStore(config);
    let err = "";
    const io = { stdout: () => {}, stderr: (s: string) => (err += s), isTerminal: true };
    try {
      await assert.rejects(
        importMaddy({ dsn: fixture.dbPath }, store, io),
        /cannot read body file .*\/maddy\/messages\//,
      );
      const summary = await importMaddy(
        { dsn: fixture.dbPath, msgStore: `${dir}/bodies` },
        store,
        io,
      );
      assert.equal(summary.messages, 30);
      assert.match(err, /import-maddy {2}\[=+\] {2}100% {2}30 of 30 messages {2}.*\n$/);

      // maddy's lz4 compression is refused naming the message; a "/" in a name naming the mailbox.
      const db = new Database(fixture.dbPath);
      const first = db.prepare(
        "SELECT m.mboxId AS box, m.msgId AS uid, b.name AS name FROM msgs m " +
          "JOIN mboxes b ON b.id = m.mboxId WHERE b.uid = 1 ORDER BY b.name, m.msgId LIMIT 1",
      ).get() as { box: number; uid: number; name: string };
      db.prepare("UPDATE msgs SET compressAlgo = 'lz4' WHERE mboxId = ? AND msgId = ?")
        .run(first.box, first.uid);
      db.prepare("UPDATE mboxes SET name = 'a/b' WHERE name = 'Trash'").run();
      db.close();
      const fresh = await openAdminStore(
        parseConfig(baseConfig(`${dir}/fresh`), `${dir}/fresh/config.toml`),
      );
      try {
        await assert.rejects(
          importMaddy({ dsn: fixture.dbPath, msgStore: `${dir}/bodies` }, fresh, io),
          new RegExp(
            `alice@example\\.org "${first.name}" UID ${first.uid}: body compressed with "lz4"`,
          ),
        );
      } finally {
        await fresh.close();
      }
      // The first store has that message already: the import reaches the mailbox named "a/b".
      await assert.rejects(
        importMaddy({ dsn: fixture.dbPath, msgStore: `${dir}/bodies` }, store, io),
        (e: Error) => e instanceof ImportError && /mailbox "a\/b" has a "\/"/.test(e.message),
      );
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
