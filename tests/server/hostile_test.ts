/**
 * Issue 12: what a hostile client sent to a clean checkout, replayed. Each
 * test failed (or hung, bounded by the client's deadline) before the fix.
 * The matcher hang (finding 1) is in list_pattern_test.ts, io_debug
 * (finding 6) in io_debug_test.ts.
 */
import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

const enc = new TextEncoder();

Deno.test("finding 2: a command that grows past max_command_size_before_login gets BAD [TOOBIG] and BYE", async () => {
  const lines: string[] = [];
  const srv = await startTestServer({ users: {}, logSink: (l) => lines.push(l) });
  try {
    const c = await TestClient.connect(srv.port);
    // LOGIN followed by many non-synchronizing literals, never ending the line.
    await c.writeRaw("M1 LOGIN");
    const chunk = "x".repeat(16 * 1024);
    let answer = "";
    const reading = c.readLine(20_000).then((l) => (answer = l), () => {});
    for (let i = 0; i < 8 && answer === ""; i++) {
      await c.writeRaw(` {${chunk.length}+}\r\n${chunk}`).catch(() => {});
    }
    await reading;
    assert.match(answer, /^M1 BAD \[TOOBIG\]/);
    assert.match(await c.readLine(), /^\* BYE /);
    assert.ok(await c.closedByServer());
    c.close();
    assert.ok(
      lines.some((l) => /limit: command too big .*client=127\.0\.0\.1/.test(l)),
      lines.join(""),
    );
  } finally {
    await srv.close();
  }
});

Deno.test("finding 2: after login a command past max_command_size is refused and the session goes on", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) =>
      baseConfig(dir, 'max_command_size = "256K"').replace(
        'dsn = "imapsql.db"',
        'dsn = "imapsql.db"\nappendlimit = "64K"',
      ),
  });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await c.command("SELECT INBOX");
    const chunk = "y".repeat(32 * 1024);
    let cmd = "s1 SEARCH";
    for (let i = 0; i < 12; i++) cmd += ` SUBJECT {${chunk.length}+}\r\n${chunk}`;
    await c.writeRaw(cmd + "\r\n");
    assert.match(await c.readLine(), /^s1 BAD \[TOOBIG\] Command/);
    assert.match((await c.command("NOOP")).tagged, /OK/);
    // A synchronizing literal that would pass the limit is refused before its data.
    await c.writeRaw(`s2 SEARCH SUBJECT {${chunk.length}+}\r\n${chunk} SUBJECT {300000}\r\n`);
    assert.match(await c.readLine(), /^s2 BAD \[TOOBIG\]/);
    assert.match((await c.command("NOOP")).tagged, /OK/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("finding 3: login_timeout is a deadline from connect, not a silence timer", async () => {
  const srv = await startTestServer({
    users: {},
    config: (dir) => baseConfig(dir, 'login_timeout = "1s"'),
  });
  try {
    const c = await TestClient.connect(srv.port);
    // A NOOP every 200 ms: never silent for long, never logged in.
    let bye = "";
    for (let i = 0; i < 100 && !bye; i++) {
      try {
        await c.writeRaw(`n${i} NOOP\r\n`);
        for (;;) {
          const line = await c.readLine();
          if (line.startsWith("* BYE")) bye = line;
          if (bye || line.startsWith(`n${i} `)) break;
        }
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(bye, /^\* BYE Login timeout/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("finding 4: SEARCH with more keys or longer strings than allowed gets NO [LIMIT]", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) => baseConfig(dir, 'max_search_keys = 100\nmax_search_size = "1K"'),
  });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await c.command("SELECT INBOX");
    const many = await c.command("SEARCH" + " OR SUBJECT a SUBJECT b".repeat(60));
    assert.match(many.tagged, /^\S+ NO \[LIMIT\] Too many search keys/);
    const long = await c.command(`UID SEARCH TEXT {2000+}\r\n${"z".repeat(2000)}`);
    assert.match(long.tagged, /^\S+ NO \[LIMIT\] Search strings too long/);
    assert.match((await c.command("SEARCH OR SUBJECT a SUBJECT b")).tagged, /OK/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("finding 4: the default limits refuse 5,000 and 100,000 OR SUBJECT keys", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await c.command("SELECT INBOX");
    // As literals, each line short: the key count stops the first, the
    // command size (max_command_size, 1M) the second before it is parsed.
    const keys = (n: number) => " OR SUBJECT {1+}\r\na SUBJECT {1+}\r\nb".repeat(n);
    assert.match((await c.command("SEARCH" + keys(2_500), 30_000)).tagged, /NO \[LIMIT\]/);
    assert.match((await c.command("SEARCH" + keys(50_000), 30_000)).tagged, /BAD \[TOOBIG\]/);
    assert.match((await c.command("NOOP")).tagged, /OK/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("finding 5: ID values over 1024 octets and more than 30 pairs get BAD (RFC 2971 §3.3)", async () => {
  const lines: string[] = [];
  const srv = await startTestServer({ users: {}, logSink: (l) => lines.push(l) });
  try {
    const c = await TestClient.connect(srv.port);
    const big = await c.command(`ID ("x" {5000+}\r\n${"v".repeat(5000)})`);
    assert.match(big.tagged, /^\S+ BAD \[TOOBIG\] .*1024 octets/);
    const pairs = Array.from({ length: 31 }, (_, i) => `"k${i}" "v"`).join(" ");
    assert.match((await c.command(`ID (${pairs})`)).tagged, /^\S+ BAD .*30 ID fields/);
    assert.match((await c.command(`ID ("name" "${"w".repeat(1024)}")`)).tagged, /OK/);
    assert.match((await c.command(`ID ("name" "again")`)).tagged, /OK/);
    c.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!lines.join("").includes("vvvvv"));
    assert.equal(lines.filter((l) => l.includes("client ID")).length, 1);
    assert.ok(
      lines.some((l) => /limit: ID: ID values .*client=127\.0\.0\.1/.test(l)),
      lines.join(""),
    );
  } finally {
    await srv.close();
  }
});

Deno.test("finding 7: a literal header inside a quoted string or glued to one is text, not a literal", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await c.writeRaw('q1 APPEND "box" "\\ {988}\r\n');
    assert.match(await c.readLine(), /^q1 BAD/);
    await c.writeRaw('q2 APPEND "INBOX" "x"{2147483647+}\r\n');
    assert.match(await c.readLine(), /^q2 BAD/);
    assert.match((await c.command("NOOP")).tagged, /OK/);
    // A real literal after SP still works.
    await c.writeRaw('q3 LIST "" {1}\r\n');
    assert.match(await c.readLine(), /^\+ /);
    await c.writeRaw("%\r\n");
    assert.match((await c.readUntilTagged("q3")).tagged, /OK/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("finding 7: a non-synchronizing literal larger than any command ends the connection at once", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    await c.writeRaw("q1 APPEND INBOX {2147483647+}\r\n");
    assert.match(await c.readLine(), /^q1 NO \[TOOBIG\]/);
    assert.match(await c.readLine(), /^\* BYE /);
    assert.ok(await c.closedByServer());
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("finding 8: NUL in strings gets BAD; control bytes are escaped in responses and logs", async () => {
  const lines: string[] = [];
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    logSink: (l) => lines.push(l),
  });
  try {
    const c = await TestClient.connect(srv.port);
    const evil = await c.command('LOGIN "\x1b[31mEVIL" "pw"');
    assert.match(evil.tagged, /NO/);
    await c.login("alice", "alice-pw");
    assert.match((await c.command('LIST "" "\0*"')).tagged, /^\S+ BAD .*NUL/);
    await c.writeRaw(enc.encode("n2 SELECT {3+}\r\na\0b\r\n"));
    assert.match(await c.readLine(), /^n2 BAD .*NUL/);
    await c.writeRaw(enc.encode('n3 SEARCH SUBJECT "a\0"\r\n'));
    assert.match(await c.readLine(), /^n3 BAD/);
    const select = await c.command('SELECT "\x1b[31mX\x7f"');
    assert.match(select.tagged, /NO/);
    // deno-lint-ignore no-control-regex -- control characters are what must not come back
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(select.tagged), JSON.stringify(select.tagged));
    c.close();
    await new Promise((r) => setTimeout(r, 50));
    const log = lines.join("");
    assert.match(log, /authentication failed/);
    // deno-lint-ignore no-control-regex -- control characters are what must not reach the log
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(log), JSON.stringify(log));
  } finally {
    await srv.close();
  }
});

async function greetings(port: number, n: number): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 0; i < n; i++) out.push(await TestClient.connect(port));
  return out;
}

Deno.test("finding 3: connections over max_connections get BYE at once; a closed one frees its place", async () => {
  const lines: string[] = [];
  const srv = await startTestServer({
    users: {},
    logSink: (l) => lines.push(l),
    config: (dir) => baseConfig(dir, "max_connections = 3\nmax_connections_per_ip = 10"),
  });
  try {
    const open = await greetings(srv.port, 3);
    for (const c of open) assert.match(c.greeting, /^\* OK/);
    const extra = await TestClient.connect(srv.port);
    assert.match(extra.greeting, /^\* BYE Too many connections/);
    assert.ok(await extra.closedByServer());
    extra.close();
    open[0].close();
    // The place is freed when the server notices the close.
    let again: TestClient | null = null;
    for (let i = 0; i < 50; i++) {
      const c = await TestClient.connect(srv.port);
      if (c.greeting.startsWith("* OK")) {
        again = c;
        break;
      }
      c.close();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(again, "a new client got a greeting after one left");
    again.close();
    for (const c of open.slice(1)) c.close();
    assert.ok(
      lines.some((l) =>
        /limit: connection refused, max_connections reached .*client=127\.0\.0\.1/.test(l)
      ),
    );
  } finally {
    await srv.close();
  }
});

Deno.test("finding 3: connections over max_connections_per_ip get BYE naming the address limit", async () => {
  const lines: string[] = [];
  const srv = await startTestServer({
    users: {},
    logSink: (l) => lines.push(l),
    config: (dir) => baseConfig(dir, "max_connections = 10\nmax_connections_per_ip = 2"),
  });
  try {
    const open = await greetings(srv.port, 2);
    const extra = await TestClient.connect(srv.port);
    assert.match(extra.greeting, /^\* BYE Too many connections from your address/);
    assert.ok(await extra.closedByServer());
    extra.close();
    for (const c of open) {
      assert.match((await c.command("NOOP")).tagged, /OK/);
      c.close();
    }
    assert.ok(lines.some((l) => /max_connections_per_ip reached .*client=127\.0\.0\.1/.test(l)));
  } finally {
    await srv.close();
  }
});
