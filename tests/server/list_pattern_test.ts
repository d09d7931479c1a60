/**
 * Issue 12, finding 1: a LIST pattern of many "%" froze the whole server
 * (a backtracking RegExp built from the pattern). The server runs in a
 * child process so that a regression fails this test by its client
 * deadline instead of freezing the test runner.
 */
import assert from "node:assert/strict";
import { spawnTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

Deno.test('LIST and LSUB with 50 "%" answer at once and other clients still get a greeting', async () => {
  const srv = await spawnTestServer();
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    assert.match((await c.command('CREATE "a/b/c/d"')).tagged, /OK/);
    assert.match((await c.command('SUBSCRIBE "a/b/c/d"')).tagged, /OK/);
    const pattern = "%".repeat(50);
    const list = await c.command(`LIST "" "${pattern}!"`, 5000);
    assert.match(list.tagged, /OK/);
    assert.deepEqual(list.untagged, []);
    const lsub = await c.command(`LSUB "" "${pattern}x"`, 5000);
    assert.match(lsub.tagged, /OK/);
    const all = await c.command(`LIST "" "${pattern}"`, 5000);
    assert.deepEqual(all.untagged.map((l) => l.replace(/^.* /, "")).sort(), [
      "Archive",
      "Drafts",
      "INBOX",
      "Junk",
      "Sent",
      "Trash",
      "a",
    ]);
    for (const hostile of ["*%".repeat(2000) + "!", "*a".repeat(2000) + "!"]) {
      assert.match((await c.command(`LIST "" "${hostile}"`, 5000)).tagged, /OK/);
    }
    const other = await TestClient.connect(srv.port);
    assert.match(other.greeting, /^\* OK/);
    other.close();
    c.close();
  } finally {
    await srv.stop("SIGKILL");
  }
});
