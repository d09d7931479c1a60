/**
 * A server whose PostgreSQL goes away (pg_ctl stop) answers commands with
 * `NO [UNAVAILABLE]` (RFC 5530) and keeps the connection; once the database
 * is back it goes on, with every acknowledged message there. Its own test
 * file (so its own cluster: the test stops it). Ignored, with the reason
 * printed, where no PostgreSQL cluster can be started.
 */
import assert from "node:assert/strict";
import { postgres } from "../_support/postgres.ts";
import { baseConfig, onPostgres, spawnTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

const cluster = await postgres();
const ignore = cluster === null;

async function append(c: TestClient, tag: string, n: number) {
  const text = `From: a@example.com\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`;
  await c.writeRaw(`${tag} APPEND INBOX {${text.length}+}\r\n${text}\r\n`);
  return await c.readUntilTagged(tag, 30_000);
}

Deno.test({
  name:
    "database stopped: NO [UNAVAILABLE], the session goes on; started again: acknowledged data all there",
  ignore,
  async fn() {
    const dsn = await cluster!.createMigratedDatabase();
    const server = await spawnTestServer({ config: (dir) => onPostgres(baseConfig(dir), dsn) });
    const c = await TestClient.connect(server.port);
    let paused = false;
    try {
      await c.login("alice", "alice-pw");
      assert.match((await c.command("SELECT INBOX")).tagged, /OK/);
      assert.match((await append(c, "a1", 1)).tagged, /^a1 OK/);

      await cluster!.pause();
      paused = true;
      const down = await append(c, "a2", 2);
      assert.match(down.tagged, /^a2 NO \[UNAVAILABLE\] /, down.tagged);
      const status = await c.command("STATUS INBOX (MESSAGES)", 30_000);
      assert.match(status.tagged, /NO \[UNAVAILABLE\] /, status.tagged);
      // A login (the credentials table is on the same database) is refused the same way.
      const other = await TestClient.connect(server.port);
      try {
        const login = await other.command("LOGIN alice alice-pw", 30_000);
        assert.match(login.tagged, /NO \[UNAVAILABLE\] /, login.tagged);
      } finally {
        other.close();
      }

      await cluster!.resume();
      paused = false;
      // The pool dropped its broken connections: the next command connects anew.
      assert.match((await append(c, "a3", 3)).tagged, /^a3 OK/);
      const fetch = await c.command("UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
      const subjects = fetch.untagged.map((l) => /Subject: (m\d+)/.exec(l)?.[1]).filter(Boolean);
      assert.deepEqual(subjects, ["m1", "m3"]);
    } finally {
      if (paused) await cluster!.resume().catch(() => {});
      c.close();
      await server.stop();
    }
  },
});
