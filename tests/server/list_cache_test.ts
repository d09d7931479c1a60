/**
 * LIST keeps its answer per version of the account's mailbox names
 * (handlers/list.ts, docs/performance.md "LIST answers kept"): each change
 * must still show at the next LIST, whether this process made it or
 * another (the deliver and admin CLIs), and the kept answer of one command
 * shape must never answer another (a pattern, UTF-8 names).
 */
import assert from "node:assert/strict";
import { openSqlStore } from "../../lib/store/imapsql.ts";
import { parseImapSqlConfig } from "../../lib/config/storage.ts";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

async function session(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.login("alice", "alice-pw");
  return c;
}

async function names(c: TestClient, command = 'LIST "" "*"'): Promise<string[]> {
  const r = await c.command(command);
  assert.match(r.tagged, /OK/);
  return r.untagged;
}

Deno.test("LIST shows every change to the names at once, from this process and another", async () => {
  const server = await startTestServer();
  const a = await session(server.port);
  const b = await session(server.port);
  try {
    const first = await names(a);
    assert.ok(first.includes('* LIST (\\HasNoChildren) "/" INBOX'), first.join("\n"));
    // Asked again with nothing changed: the same answer, byte for byte.
    assert.deepEqual(await names(b), first);
    assert.match((await a.command("CREATE work/2026")).tagged, /OK/);
    const created = await names(b);
    assert.ok(created.includes('* LIST (\\HasChildren) "/" work'), created.join("\n"));
    assert.ok(created.includes('* LIST (\\HasNoChildren) "/" work/2026'), created.join("\n"));
    assert.match((await b.command("RENAME work/2026 work/2027")).tagged, /OK/);
    const renamed = await names(a);
    assert.ok(renamed.includes('* LIST (\\HasNoChildren) "/" work/2027'), renamed.join("\n"));
    assert.ok(!renamed.some((l) => l.endsWith("work/2026")), renamed.join("\n"));
    // A second store on the same file stands for the CLIs: another process.
    const options = parseImapSqlConfig({ dsn: "imapsql.db" }, "storage.imapsql.test", {
      stateDir: `${server.dir}/data`,
    });
    const other = await openSqlStore(options);
    try {
      const acct = (await other.openAccount("alice"))!;
      await acct.createMailbox("outside", { specialUse: "\\Flagged" });
      await acct.deleteMailbox("work/2027");
    } finally {
      await other.close();
    }
    const after = await names(a);
    assert.ok(after.includes('* LIST (\\HasNoChildren \\Flagged) "/" outside'), after.join("\n"));
    assert.ok(!after.some((l) => l.includes("work/2027")), after.join("\n"));
    assert.deepEqual(await names(b), after);
    // Another pattern is another answer, not the kept one of "*".
    assert.deepEqual(await names(a, 'LIST "" "out%"'), [
      '* LIST (\\HasNoChildren \\Flagged) "/" outside',
    ]);
    const top = after.filter((l) => !/"\/" \S*\//.test(l));
    assert.deepEqual(await names(a, 'LIST "" "%" RETURN (SPECIAL-USE)'), top);
  } finally {
    a.close();
    b.close();
    await server.close();
  }
});

Deno.test("LIST answers kept for UTF-8 names do not reach a client without UTF8=ACCEPT", async () => {
  const server = await startTestServer();
  const plain = await session(server.port);
  const utf8 = await session(server.port);
  try {
    assert.match((await utf8.command("ENABLE UTF8=ACCEPT")).tagged, /OK/);
    assert.match((await utf8.command('CREATE "Grüße"')).tagged, /OK/);
    const wide = await names(utf8);
    assert.ok(wide.includes('* LIST (\\HasNoChildren) "/" "Grüße"'), wide.join("\n"));
    const narrow = await names(plain);
    assert.ok(narrow.includes('* LIST (\\HasNoChildren) "/" Gr&APwA3w-e'), narrow.join("\n"));
    assert.deepEqual(await names(utf8), wide);
  } finally {
    plain.close();
    utf8.close();
    await server.close();
  }
});
