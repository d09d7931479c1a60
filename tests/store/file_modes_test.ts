/**
 * Issue 12, finding 9: state files hold mail and password hashes. With a
 * umask of 0 (the worst case), every file the server creates is 0600 and
 * every directory 0700.
 */
import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

Deno.test("state files are 0600 and state directories 0700 whatever the umask", async () => {
  const old = Deno.umask(0);
  let srv;
  try {
    srv = await startTestServer({
      users: { alice: "alice-pw" },
      config: (dir) =>
        baseConfig(dir).replace(
          'dsn = "imapsql.db"',
          'dsn = "imapsql.db"\nmsg_store = ["fs", "messages"]',
        ),
    });
  } finally {
    Deno.umask(old);
  }
  try {
    Deno.umask(0);
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    const msg = "Subject: modes\r\n\r\nsecret mail\r\n";
    assert.match((await c.command(`APPEND INBOX {${msg.length}+}\r\n${msg}`)).tagged, /OK/);
    c.close();
    const data = `${srv.dir}/data`;
    const files = ["credentials.db", "imapsql.db", "imapsql.db-wal", "imapsql.db-shm"];
    for (const f of files) assert.equal(await modeOf(`${data}/${f}`), 0o600, f);
    assert.equal(await modeOf(data), 0o700, "state_dir");
    assert.equal(await modeOf(`${data}/messages`), 0o700, "messages");
    let bodies = 0;
    for await (const sub of Deno.readDir(`${data}/messages`)) {
      assert.equal(await modeOf(`${data}/messages/${sub.name}`), 0o700, sub.name);
      for await (const f of Deno.readDir(`${data}/messages/${sub.name}`)) {
        assert.equal(await modeOf(`${data}/messages/${sub.name}/${f.name}`), 0o600, f.name);
        bodies++;
      }
    }
    assert.ok(bodies > 0);
  } finally {
    Deno.umask(old);
    await srv.close();
  }
});
