import assert from "node:assert/strict";
import { baseConfig, runMain, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { parseImapSqlConfig } from "../../lib/config/storage.ts";
import { openSqlStore } from "../../lib/store/imapsql.ts";

const withFiles = (dir: string) => `${baseConfig(dir)}msg_store = ["fs", "messages"]\n`;

function text(client: number, n: number): string {
  return `From: c${client}@example.org\r\nSubject: c${client} n${n}\r\n\r\n` +
    `${"line of text ".repeat(20 + ((client * 7 + n) % 50))}\r\n`;
}

/** Appends until `stop()` says so; each acknowledged message is pushed with its time. */
async function appender(
  port: number,
  client: number,
  acked: [number, string][],
  stop: () => boolean,
) {
  const c = await TestClient.connect(port);
  await c.login("alice", "alice-pw");
  for (let n = 0; !stop(); n++) {
    const t = text(client, n);
    const r = await c.command(`APPEND INBOX {${t.length}+}\r\n${t}`);
    assert.match(r.tagged, /OK/);
    acked.push([performance.now(), t]);
  }
  c.close();
}

Deno.test("backup while 4 clients append; restore brings back every message acknowledged before it", async () => {
  const srv = await startTestServer({ config: withFiles });
  const restoreDir = await Deno.makeTempDir({ prefix: "imapd-restore-" });
  try {
    const acked: [number, string][] = [];
    let done = false;
    const writers = [0, 1, 2, 3].map((i) => appender(srv.port, i, acked, () => done));
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 20));

    const backupStarted = performance.now();
    const backup = await runMain([
      "--config",
      `${srv.dir}/config.toml`,
      "backup",
      `${srv.dir}/backup`,
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(
      backup.stdout,
      /storage local_mailboxes: imapsql\.db, \d+ messages, \d+ files in messages/,
    );
    assert.match(backup.stdout, /table credentials\.db/);
    // Keep writing a little after it, then stop.
    const after = acked.length;
    while (acked.length < after + 20) await new Promise((r) => setTimeout(r, 20));
    done = true;
    await Promise.all(writers);

    // A second config whose state_dir is empty: restore into it.
    const config2 = `${restoreDir}/config.toml`;
    await Deno.writeTextFile(config2, withFiles(restoreDir));
    const again = await runMain(["--config", config2, "backup", `${srv.dir}/backup`]);
    assert.equal(again.code, 1, "a backup never overwrites one");
    assert.match(again.stderr, /is not empty/);
    const restore = await runMain(["--config", config2, "restore", `${srv.dir}/backup`]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /restored imapsql\.db \(integrity ok\)/);
    const twice = await runMain(["--config", config2, "restore", `${srv.dir}/backup`]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /not empty/);

    const store = await openSqlStore(
      parseImapSqlConfig({ dsn: "imapsql.db", msg_store: ["fs", "messages"] }, "s", {
        stateDir: `${restoreDir}/data`,
      }),
    );
    try {
      const account = (await store.openAccount("alice"))!;
      const inbox = (await account.getMailbox("INBOX"))!;
      const restored = new Set<string>();
      for await (
        const m of account.fetch(inbox.id, [{ from: 1, to: 2 ** 32 - 1 }], { content: true })
      ) {
        restored.add(new TextDecoder().decode(m.content));
      }
      const before = acked.filter(([t]) => t < backupStarted).map(([, m]) => m);
      assert.ok(before.length >= 40);
      assert.deepEqual(before.filter((m) => !restored.has(m)), []);
      const sent = new Set(acked.map(([, m]) => m));
      for (const m of restored) assert.ok(sent.has(m), "a restored message is one that was sent");
      assert.ok(restored.size < acked.length, "messages after the backup's moment are not in it");
    } finally {
      await store.close();
    }
    // The credentials came back too: the restored server accepts alice.
    const creds = await runMain(["--config", config2, "creds", "list"]);
    assert.match(creds.stdout, /alice/);
  } finally {
    await srv.close();
    await Deno.remove(restoreDir, { recursive: true });
  }
});
