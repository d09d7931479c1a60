/** Line and literal limits over a real socket: clear answers, and the connection goes on. */
import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { parseImapSqlConfig } from "../../lib/config/storage.ts";
import { openSqlStore } from "../../lib/store/imapsql.ts";

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

Deno.test("a per-account APPENDLIMIT is enforced at the literal, above or below the storage's", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) =>
      baseConfig(dir).replace('dsn = "imapsql.db"', 'dsn = "imapsql.db"\nappendlimit = "10K"'),
  });
  try {
    const admin = (await srv.store.openAccount("alice", { create: true }))!;
    // Above the storage's 10K: announced, and a 20000-octet message goes in.
    await admin.setAppendLimit(30 * 1024);
    const c = await TestClient.connect(srv.port);
    const login = await c.login("alice", "alice-pw");
    assert.match(login.tagged, / APPENDLIMIT=30720[\] ]/);
    const body = `Subject: big\r\n\r\n${"x".repeat(20000 - 16)}`;
    await c.writeRaw("a1 APPEND INBOX {20000}\r\n");
    assert.match(await c.readLine(), /^\+ /);
    await c.writeRaw(`${body}\r\n`);
    assert.match(await c.readLine(), /^a1 OK \[APPENDUID \d+ 1\]/);
    await c.writeRaw(`a2 APPEND INBOX {20000+}\r\n${body}\r\n`);
    assert.match(await c.readLine(), /^a2 OK \[APPENDUID \d+ 2\]/);
    assert.deepEqual((await c.command("STATUS INBOX (APPENDLIMIT)")).untagged, [
      "* STATUS INBOX (APPENDLIMIT 30720)",
    ]);
    // Below it, changed by the admin while the session runs: a synchronizing
    // literal over it is refused before the data is sent.
    await admin.setAppendLimit(1024);
    await c.writeRaw("a3 APPEND INBOX {5000}\r\n");
    assert.match(await c.readLine(), /^a3 NO \[TOOBIG\]/);
    // The session goes on: a small one fits.
    await c.writeRaw("a4 APPEND INBOX {18}\r\n");
    assert.match(await c.readLine(), /^\+ /);
    await c.writeRaw("Subject: x\r\n\r\nhi!!\r\n");
    assert.match(await c.readLine(), /^a4 OK \[APPENDUID \d+ 3\]/);
    // A non-synchronizing one over the account's limit but under the reader's is read, then refused.
    await c.writeRaw(`a5 APPEND INBOX {5000+}\r\n${"y".repeat(5000)}\r\n`);
    assert.match(await c.readLine(), /^a5 NO \[TOOBIG\]/);
    // Over the account's largest limit: refused by the reader, the data thrown away.
    await c.writeRaw(`a6 APPEND INBOX {20000+}\r\n${body}\r\n`);
    assert.match(await c.readLine(), /^a6 NO \[TOOBIG\]/);
    assert.match((await c.command("CAPABILITY")).untagged[0], / APPENDLIMIT=1024( |$)/);
    assert.match((await c.command("NOOP")).tagged, /OK/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("a mailbox's own APPENDLIMIT: CAPABILITY drops the value, the literal gate reads the name", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  // The server's store runs on its own thread: this second connection writes beside it.
  const direct = await openSqlStore(
    parseImapSqlConfig({ dsn: "imapsql.db" }, "storage.imapsql.t", { stateDir: `${srv.dir}/data` }),
  );
  try {
    await srv.store.openAccount("alice", { create: true });
    await direct.db.updateTable("mailboxes").set({ append_limit: 100 }).where("name", "=", "Sent")
      .execute();
    const c = await TestClient.connect(srv.port);
    const login = await c.login("alice", "alice-pw");
    // RFC 7889 §2: limits differ per mailbox, so no value; STATUS tells each.
    assert.match(login.tagged, / APPENDLIMIT[\] ]/);
    assert.deepEqual((await c.command("STATUS Sent (APPENDLIMIT)")).untagged, [
      "* STATUS Sent (APPENDLIMIT 100)",
    ]);
    await c.writeRaw("a1 APPEND Sent {500}\r\n");
    assert.match(await c.readLine(), /^a1 NO \[TOOBIG\]/);
    await c.writeRaw('a2 APPEND "Sent" (\\Seen) {500}\r\n');
    assert.match(await c.readLine(), /^a2 NO \[TOOBIG\]/);
    await c.writeRaw("a3 APPEND INBOX {500}\r\n");
    assert.match(await c.readLine(), /^\+ /);
    await c.writeRaw(`Subject: x\r\n\r\n${"z".repeat(500 - 14)}\r\n`);
    assert.match(await c.readLine(), /^a3 OK /);
    c.close();
  } finally {
    await direct.close();
    await srv.close();
  }
});

Deno.test("a limit another process lowers is not read before each literal; the store refuses the message after it", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  // Another process: a second connection to the database, which the server cannot hear.
  const direct = await openSqlStore(
    parseImapSqlConfig({ dsn: "imapsql.db" }, "storage.imapsql.t", { stateDir: `${srv.dir}/data` }),
  );
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await (await direct.openAccount("alice"))!.setAppendLimit(100);
    // The session's limits are taken as they are: the literal is let in...
    const message = `Subject: x\r\n\r\n${"z".repeat(500 - 14)}`;
    await c.writeRaw("a1 APPEND INBOX {500}\r\n");
    assert.match(await c.readLine(), /^\+ /);
    // ...and the store, reading the limit afresh, refuses the message.
    await c.writeRaw(`${message}\r\n`);
    assert.match(await c.readLine(), /^a1 NO \[TOOBIG\]/);
    assert.deepEqual((await c.command("STATUS INBOX (MESSAGES)")).untagged, [
      "* STATUS INBOX (MESSAGES 0)",
    ]);
    // Now the session knows the new limit: the next one is refused before its data.
    await c.writeRaw("a2 APPEND INBOX {500}\r\n");
    assert.match(await c.readLine(), /^a2 NO \[TOOBIG\]/);
    c.close();
  } finally {
    await direct.close();
    await srv.close();
  }
});
