/**
 * Crash safety: a child process appends through the store and is killed
 * with SIGKILL at random moments, several times. After each restart every
 * message whose append() had resolved is there byte for byte, nothing else
 * is half there, and PRAGMA integrity_check says ok.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { crashMessage } from "./_crash_message.ts";
import { ALL, collect } from "./_helpers.ts";

const CHILD = new URL("./_crash_child.ts", import.meta.url).pathname;

async function runAndKill(
  stateDir: string,
  first: number,
  msgStore: string,
): Promise<Map<number, number>> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", CHILD, stateDir, String(first), msgStore],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const acked = new Map<number, number>();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let killAt = -1;
  // Kill after a random number (3..40) of acknowledged appends, mid-stream.
  const target = 3 + Math.floor(Math.random() * 38);
  let killed = false;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const m = /^OK (\d+) (\d+)$/.exec(line);
      if (m) acked.set(Number(m[1]), Number(m[2]));
    }
    if (!killed && acked.size >= target) {
      killAt = acked.size;
      // A random extra delay in microtask/macrotask terms: 0-3 timer turns.
      for (let i = Math.floor(Math.random() * 4); i > 0; i--) {
        await new Promise((r) => setTimeout(r, 1));
      }
      child.kill("SIGKILL");
      killed = true;
    }
  }
  const status = await child.status;
  const err = await new Response(child.stderr).text();
  assert.ok(killed, `child ended on its own: ${err}`);
  assert.equal(status.signal, "SIGKILL");
  assert.ok(killAt > 0);
  return acked;
}

for (const msgStore of ["db", "fs"]) {
  Deno.test(`append() survives SIGKILL at random moments (msg_store ${msgStore})`, async () => {
    const stateDir = await Deno.makeTempDir({ prefix: "imapsql-crash-" });
    try {
      const acked = new Map<number, number>();
      let next = 1;
      for (let round = 0; round < 4; round++) {
        const got = await runAndKill(stateDir, next, msgStore);
        for (const [n, uid] of got) acked.set(n, uid);
        // Unacknowledged appends may have committed; start past anything the child tried.
        next += got.size + 1000;
      }
      const table: Record<string, unknown> = { dsn: "file:crash.db" };
      if (msgStore === "fs") table.msg_store = ["fs", "messages"];
      const store = await openSqlStore(parseImapSqlConfig(table, "crash", { stateDir }));
      try {
        const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(
          store.db,
        );
        assert.deepEqual(check.rows, [{ integrity_check: "ok" }]);
        const acct = (await store.openAccount("crash"))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        const recs = await collect(acct.fetch(inbox.id, ALL, { content: true, flags: true }));
        const byUid = new Map(recs.map((r) => [r.uid, r]));
        for (const [n, uid] of acked) {
          const rec = byUid.get(uid);
          assert.ok(rec, `acknowledged message ${n} (UID ${uid}) is missing`);
          assert.deepEqual(rec.content, crashMessage(n));
        }
        // Whatever else is there (committed but not yet acknowledged) is whole.
        for (const rec of recs) {
          const text = new TextDecoder().decode(rec.content);
          const n = Number(/X-Seq: (\d+)/.exec(text)?.[1]);
          assert.deepEqual(rec.content, crashMessage(n));
          assert.deepEqual(rec.flags, ["\\Seen"]);
        }
        assert.ok(recs.length >= acked.size);
        const status = await acct.status(inbox.id);
        assert.ok(status.uidNext > recs[recs.length - 1].uid);
      } finally {
        await store.close();
      }
    } finally {
      await Deno.remove(stateDir, { recursive: true });
    }
  });
}
