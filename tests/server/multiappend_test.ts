/** MULTIAPPEND (RFC 3502) over a real socket: the limit on all messages together. */
import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

Deno.test("a MULTIAPPEND over APPENDLIMIT plus max_command_size together gets NO [TOOBIG] and stores nothing", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) =>
      baseConfig(dir, 'max_command_size = "8K"').replace(
        'dsn = "imapsql.db"',
        'dsn = "imapsql.db"\nappendlimit = "10K"',
      ),
  });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    const msg = (n: number) => `Subject: ${n}\r\n\r\n${"x".repeat(9000)}`;
    // Two messages of 9 KB each fit (18 KB <= 10K + 8K).
    await c.writeRaw(
      `m1 APPEND INBOX {${msg(1).length}+}\r\n${msg(1)} {${msg(2).length}+}\r\n${msg(2)}\r\n`,
    );
    assert.match(await c.readLine(), /^m1 OK \[APPENDUID \d+ 1:2\]/);
    // A third synchronizing one would pass the total: refused before its data is sent.
    await c.writeRaw(
      `m2 APPEND INBOX {${msg(3).length}+}\r\n${msg(3)} {${msg(4).length}+}\r\n${msg(4)}`,
    );
    await c.writeRaw(` {${msg(5).length}}\r\n`);
    assert.match(
      await c.readLine(),
      /^m2 NO \[TOOBIG\] The messages of this APPEND are too big together/,
    );
    // Non-synchronizing: read, thrown away, answered the same way.
    await c.writeRaw(
      `m3 APPEND INBOX {${msg(3).length}+}\r\n${msg(3)} {${msg(4).length}+}\r\n${msg(4)}` +
        ` {${msg(5).length}+}\r\n${msg(5)}\r\n`,
    );
    assert.match(await c.readLine(), /^m3 NO \[TOOBIG\]/);
    const status = await c.command("STATUS INBOX (MESSAGES UIDNEXT)");
    assert.match(status.untagged.join("\n"), /MESSAGES 2 UIDNEXT 3/);
    c.close();
  } finally {
    await srv.close();
  }
});
