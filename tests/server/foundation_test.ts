import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

Deno.test("greeting, CAPABILITY, NOOP, LOGIN, LOGOUT over loopback", async () => {
  const srv = await startTestServer();
  try {
    const c = await TestClient.connect(srv.port);
    assert.match(c.greeting, /^\* OK \[CAPABILITY IMAP4rev1 .*\] /);
    const cap = await c.command("CAPABILITY");
    assert.match(cap.untagged[0], /^\* CAPABILITY IMAP4rev1 /);
    assert.match(cap.untagged[0], /AUTH=PLAIN/);
    assert.match(cap.tagged, /^t1 OK/);
    assert.match((await c.command("NOOP")).tagged, /^t2 OK/);
    const bad = await c.command("FROB");
    assert.match(bad.tagged, /^t3 BAD Unknown command FROB/);
    const wrong = await c.command("LOGIN alice wrong");
    assert.match(wrong.tagged, /^t4 NO \[AUTHENTICATIONFAILED\]/);
    const ok = await c.login("alice", "alice-pw");
    assert.match(ok.tagged, /OK \[CAPABILITY /);
    const out = await c.command("LOGOUT");
    assert.match(out.untagged[0], /^\* BYE/);
    assert.match(out.tagged, /OK/);
    assert.ok(await c.closedByServer());
    c.close();
  } finally {
    await srv.close();
  }
});
