/** Line and literal limits over a real socket: clear answers, and the connection goes on. */
import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

Deno.test("too-long lines and too-big literals get BAD/NO [TOOBIG] and the session continues", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) =>
      baseConfig(dir, 'max_line_length = "1K"').replace(
        'dsn = "imapsql.db"',
        'dsn = "imapsql.db"\nappendlimit = "10K"',
      ),
  });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await c.writeRaw(`x1 NOOP ${"a".repeat(5000)}\r\n`);
    assert.match(await c.readLine(), /^x1 BAD \[TOOBIG\] Command line too long/);
    // A synchronizing literal over APPENDLIMIT is refused before the data is sent.
    await c.writeRaw("x2 APPEND INBOX {20000}\r\n");
    assert.match(await c.readLine(), /^x2 NO \[TOOBIG\]/);
    // A non-synchronizing one is read and thrown away.
    await c.writeRaw(`x3 APPEND INBOX {20000+}\r\n${"b".repeat(20000)}\r\n`);
    assert.match(await c.readLine(), /^x3 NO \[TOOBIG\]/);
    // Literals of other commands are bound by the line limit.
    await c.writeRaw("x4 SELECT {5000}\r\n");
    assert.match(await c.readLine(), /^x4 BAD \[TOOBIG\]/);
    // Split mid-literal, byte by byte: the command still arrives whole.
    const cmd = "x5 APPEND INBOX {18}\r\n";
    await c.writeRaw(cmd);
    assert.match(await c.readLine(), /^\+ /);
    for (const ch of "Subject: x\r\n\r\nhi!!\r\n") await c.writeRaw(ch);
    assert.match(await c.readLine(), /^x5 OK \[APPENDUID \d+ 1\]/);
    assert.match((await c.command("NOOP")).tagged, /OK/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("an idle unauthenticated connection is logged out after login_timeout", async () => {
  const srv = await startTestServer({
    users: {},
    config: (dir) => baseConfig(dir, 'login_timeout = "300ms"'),
  });
  try {
    const c = await TestClient.connect(srv.port);
    assert.match(await c.readLine(), /^\* BYE Login timeout/);
    assert.ok(await c.closedByServer());
    c.close();
  } finally {
    await srv.close();
  }
});
