/**
 * The server's store threads stop when idle (worker_store.ts): a started
 * server has none running, a client that only reads the greeting starts
 * none, and LOGIN starts the writer while the password is verified.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import type { ThreadedMailStore } from "../../lib/store/worker/worker_store.ts";

Deno.test("no store thread runs until a client logs in, and the session works", async () => {
  const server = await startTestServer();
  try {
    const store = server.store as ThreadedMailStore;
    assert.equal(store.writerRunning, false, "start-up left the writer stopped");
    const probe = await TestClient.connect(server.port);
    assert.match(probe.greeting, /^\* OK/);
    probe.close();
    const c = await TestClient.connect(server.port);
    try {
      assert.equal(store.writerRunning, false, "a greeting needs no store thread");
      assert.match((await c.login("alice", "alice-pw")).tagged, /^\S+ OK/);
      assert.equal(store.writerRunning, true, "LOGIN started the writer");
      const s = await c.command("SELECT INBOX");
      assert.match(s.tagged, /^\S+ OK/);
    } finally {
      c.close();
    }
  } finally {
    await server.close();
  }
});
