/**
 * Two server processes (`main.ts run`) on one PostgreSQL database, as two
 * nodes behind a load balancer are: a session on one node learns of changes
 * made through the other (IDLE sees EXISTS and EXPUNGE), and clients
 * appending on both nodes at once end with unique UIDs and every
 * acknowledged message stored. Ignored, with the reason printed, where no
 * PostgreSQL cluster can be started (tests/_support/postgres.ts).
 */
import assert from "node:assert/strict";
import { postgres } from "../_support/postgres.ts";
import { baseConfig, onPostgres, spawnTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

const cluster = await postgres();
const ignore = cluster === null;

async function twoNodes() {
  const dsn = await cluster!.createMigratedDatabase();
  const config = (dir: string) => onPostgres(baseConfig(dir), dsn);
  // The credentials table is shared too: the user is created once.
  const one = await spawnTestServer({ config, users: { alice: "alice-pw" } });
  try {
    const two = await spawnTestServer({ config, users: {} });
    return { one, two, dsn };
  } catch (err) {
    await one.stop();
    throw err;
  }
}

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.login("alice", "alice-pw");
  return c;
}

function message(n: number): string {
  return `From: a@example.com\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`;
}

async function append(c: TestClient, n: number): Promise<number> {
  const text = message(n);
  await c.writeRaw(`ap${n} APPEND INBOX {${text.length}+}\r\n${text}\r\n`);
  const reply = await c.readUntilTagged(`ap${n}`, 20_000);
  assert.match(reply.tagged, /^ap\d+ OK /, reply.tagged);
  const uid = /APPENDUID \d+ (\d+)/.exec(reply.tagged);
  assert.ok(uid, reply.tagged);
  return Number(uid[1]);
}

/** Reads untagged lines until one matches `pattern`; fails after a generous timeout. */
async function waitFor(c: TestClient, pattern: RegExp, seen: string[]): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`No line matching ${pattern}; saw:\n${seen.join("\n")}`);
    const line = await c.readLine(left);
    seen.push(line);
    if (pattern.test(line)) return line;
  }
}

Deno.test({
  name: "an IDLE session on node 1 sees an APPEND and an EXPUNGE made on node 2",
  ignore,
  async fn() {
    const { one, two } = await twoNodes();
    const watcher = await client(one.port);
    const writer = await client(two.port);
    try {
      await append(writer, 1);
      assert.match((await watcher.command("SELECT INBOX")).untagged.join("\n"), /\* 1 EXISTS/);
      await watcher.writeRaw("i1 IDLE\r\n");
      const seen: string[] = [];
      await waitFor(watcher, /^\+ /, seen);

      await append(writer, 2);
      await waitFor(watcher, /^\* 2 EXISTS$/, seen);

      assert.match((await writer.command("SELECT INBOX")).tagged, /OK/);
      assert.match((await writer.command("UID STORE 1 +FLAGS.SILENT (\\Deleted)")).tagged, /OK/);
      assert.match((await writer.command("EXPUNGE")).tagged, /OK/);
      await waitFor(watcher, /^\* 1 EXPUNGE$/, seen);

      await watcher.writeRaw("DONE\r\n");
      assert.match((await watcher.readUntilTagged("i1")).tagged, /^i1 OK/);
      const fetch = await watcher.command("UID FETCH 1:* (UID)");
      assert.deepEqual(fetch.untagged, ["* 1 FETCH (UID 2)"]);
    } finally {
      watcher.close();
      writer.close();
      await one.stop();
      await two.stop();
    }
  },
});

Deno.test({
  // 30 s of appends, as issue 15 asks: long enough for many lock waits and retries.
  name: "4 clients appending on two nodes for 30 s: unique UIDs, every acknowledged message stored",
  ignore,
  async fn() {
    const { one, two } = await twoNodes();
    const clients = await Promise.all([one.port, two.port, one.port, two.port].map(client));
    try {
      const acked = new Map<number, number>(); // uid -> message number
      const until = Date.now() + 30_000;
      let next = 0;
      await Promise.all(clients.map(async (c) => {
        while (Date.now() < until) {
          const n = next++;
          const uid = await append(c, n);
          assert.equal(acked.has(uid), false, `UID ${uid} given twice`);
          acked.set(uid, n);
        }
      }));
      assert.ok(acked.size >= 4, `only ${acked.size} appends`);
      // Every acknowledged message is there, under its UID, on both nodes.
      for (const c of [clients[0], clients[1]]) {
        assert.match((await c.command("EXAMINE INBOX")).tagged, /OK/);
        const reply = await c.command(
          "UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
          60_000,
        );
        const stored = new Map<number, number>();
        for (const line of reply.untagged) {
          const m = /UID (\d+) .*Subject: m(\d+)/s.exec(line);
          if (m) stored.set(Number(m[1]), Number(m[2]));
        }
        assert.deepEqual(
          [...stored].sort((a, b) => a[0] - b[0]),
          [...acked].sort((a, b) => a[0] - b[0]),
        );
      }
    } finally {
      for (const c of clients) c.close();
      await one.stop();
      await two.stop();
    }
  },
});
