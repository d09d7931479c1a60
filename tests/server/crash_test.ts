/**
 * Crash safety through the server: a child server process receives
 * APPENDs over IMAP and is killed with SIGKILL at random moments, several
 * times; after each restart every message that got OK is there, byte for
 * byte, and SQLite's integrity_check is ok.
 */
import assert from "node:assert/strict";
import Database from "libsql";
import { baseConfig, portOf, runMain, spawnServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

function messageText(round: number, client: number, n: number): string {
  return `From: writer${client}@example.org\r\nSubject: r${round} c${client} n${n}\r\n` +
    `Message-ID: <r${round}.c${client}.n${n}@crash.test>\r\n\r\n` +
    `${
      "payload ".repeat(50 + ((round * 7 + client * 3 + n) % 200))
    }\r\nend ${round}/${client}/${n}\r\n`;
}

/** Appends until the connection dies; pushes each message that got a tagged OK to `acked`. */
async function appendUntilKilled(
  port: number,
  round: number,
  client: number,
  acked: string[],
): Promise<void> {
  let c: TestClient;
  try {
    c = await TestClient.connect(port);
    await c.login("alice", "pw");
  } catch {
    return;
  }
  for (let n = 0;; n++) {
    const text = messageText(round, client, n);
    try {
      const r = await c.command(`APPEND INBOX {${text.length}+}\r\n${text}`, 5000);
      if (!/^\S+ OK/.test(r.tagged)) throw new Error(r.tagged);
      acked.push(text);
    } catch {
      c.close();
      return;
    }
  }
}

Deno.test("APPENDs answered OK survive SIGKILL of the server at random moments", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-crash-" });
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
  assert.equal(
    (await runMain(["--config", file, "creds", "create", "--password", "pw", "alice"])).code,
    0,
  );
  const acked: string[] = [];
  try {
    for (let round = 0; round < 4; round++) {
      const srv = await spawnServer(file);
      const port = portOf(srv.addresses[0]);
      const writers = [0, 1, 2].map((client) => appendUntilKilled(port, round, client, acked));
      // Kill once this round has had some acknowledgements (however loaded the
      // machine is), then at a random moment among the next appends.
      const goal = acked.length + 8;
      for (let waited = 0; acked.length < goal && waited < 60_000; waited += 20) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      await srv.stop("SIGKILL");
      await Promise.all(writers);
    }
    assert.ok(acked.length > 20, `only ${acked.length} messages were acknowledged`);
    console.log(`acknowledged before the kills: ${acked.length}`);

    const srv = await spawnServer(file);
    try {
      const c = await TestClient.connect(portOf(srv.addresses[0]));
      await c.login("alice", "pw");
      await c.command("SELECT INBOX");
      const fetched = await c.command("FETCH 1:* BODY.PEEK[]", 60_000);
      const stored = new Set(
        fetched.untagged.filter((l) => /^\* \d+ FETCH/.test(l)).map((l) => {
          const m = /^\* \d+ FETCH \(BODY\[\] \{(\d+)\}\r\n/.exec(l)!;
          return l.slice(m[0].length, m[0].length + Number(m[1]));
        }),
      );
      const missing = acked.filter((t) => !stored.has(t));
      assert.deepEqual(missing.map((t) => /Subject: (.*)\r\n/.exec(t)![1]), []);
      // Whatever else is stored is whole: every message ends with its end line.
      for (const t of stored) assert.match(t, /\r\nend \d+\/\d+\/\d+\r\n$/);
      c.close();
    } finally {
      await srv.stop();
    }
    const db = new Database(`${dir}/data/imapsql.db`);
    const check = db.prepare("PRAGMA integrity_check").get() as Record<string, string>;
    db.close();
    assert.equal(Object.values(check)[0], "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
