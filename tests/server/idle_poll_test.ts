/**
 * lib/server/idle_poll.ts: sessions in IDLE share one poll per mailbox
 * instead of each waking on a timer of its own.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { idlePollAccounts } from "../../lib/server/idle_poll.ts";

Deno.test("sessions in IDLE join the shared poll while they idle, leave it at DONE and at a disconnect, and still see each other's changes", async () => {
  const srv = await startTestServer();
  try {
    const clients: TestClient[] = [];
    for (const user of ["alice", "alice", "bob"]) {
      const c = await TestClient.connect(srv.port);
      await c.login(user, `${user}-pw`);
      await c.command("SELECT INBOX");
      clients.push(c);
    }
    assert.equal(idlePollAccounts(), 0);
    for (const c of clients) {
      await c.writeRaw("i1 IDLE\r\n");
      assert.match(await c.readLine(), /^\+ idling/);
    }
    assert.equal(idlePollAccounts(), 2, "one entry per account, not per session");

    // An in-process change wakes the sleeping IDLE sessions through their watch.
    const writer = await TestClient.connect(srv.port);
    await writer.login("alice", "alice-pw");
    const msg = "Subject: hi\r\n\r\nhello\r\n";
    await writer.writeRaw(`w1 APPEND INBOX {${msg.length}+}\r\n${msg}\r\n`);
    assert.match((await writer.readUntilTagged("w1")).tagged, /^w1 OK/);
    assert.equal(await clients[0].readLine(), "* 1 EXISTS");
    assert.equal(await clients[1].readLine(), "* 1 EXISTS");

    await clients[0].writeRaw("DONE\r\n");
    await clients[0].readUntilTagged("i1");
    assert.equal(idlePollAccounts(), 2);
    clients[1].conn.close();
    await clients[2].writeRaw("DONE\r\n");
    await clients[2].readUntilTagged("i1");
    // The server notices the closed connection when its read ends.
    for (let i = 0; i < 50 && idlePollAccounts() > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(idlePollAccounts(), 0);
    clients[0].conn.close();
    clients[2].conn.close();
    writer.conn.close();
  } finally {
    await srv.close();
  }
});
