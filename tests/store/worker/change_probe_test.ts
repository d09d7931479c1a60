/**
 * SELECT of an indexed mailbox and NOOP's poll answer with no store
 * request while nothing has been committed since the same request last
 * went (change_probe.ts, worker_store.ts); LIST still asks. A change another process
 * commits (a second store on the same file stands for the deliver and
 * admin CLIs) must still show in the very next command (RFC 3501 §6.3.1
 * EXISTS, UIDNEXT, FLAGS; §6.1.2 NOOP; §6.3.8 LIST).
 */
import assert from "node:assert/strict";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import type { AccountStore } from "../../../lib/store/mail_store.ts";
import type { ThreadedMailStore } from "../../../lib/store/worker/worker_store.ts";
import { startTestServer, type TestServer } from "../../_support/server.ts";
import { TestClient } from "../../_support/imap_client.ts";

async function session(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.login("alice", "alice-pw");
  return c;
}

async function ok(c: TestClient, command: string): Promise<string[]> {
  const r = await c.command(command);
  assert.match(r.tagged, /OK/, `${command}: ${r.tagged}`);
  return r.untagged;
}

/** Runs `change` on a second store on the server's database file: another process's commit. */
async function outside(
  server: TestServer,
  change: (account: AccountStore) => Promise<unknown>,
): Promise<void> {
  const options = parseImapSqlConfig({ dsn: "imapsql.db" }, "storage.imapsql.test", {
    stateDir: `${server.dir}/data`,
  });
  const other = await openSqlStore(options);
  try {
    await change((await other.openAccount("alice"))!);
  } finally {
    await other.close();
  }
}

function message(n: number): Uint8Array {
  return new TextEncoder().encode(`Subject: m${n}\r\n\r\nbody ${n}\r\n`);
}

Deno.test("SELECT, NOOP and LIST without a request still show another process's commit", async () => {
  const server = await startTestServer();
  const figures = (server.store as ThreadedMailStore).figures;
  const a = await session(server.port);
  const b = await session(server.port);
  try {
    for (let i = 1; i <= 3; i++) {
      const m = new TextDecoder().decode(message(i));
      await a.writeRaw(`ap${i} APPEND INBOX {${m.length}+}\r\n${m}\r\n`);
      assert.match((await a.readUntilTagged(`ap${i}`)).tagged, /OK/);
    }
    await ok(a, "SELECT INBOX");
    // B's first SELECT asks the store (it polls); the second, with nothing committed since, does not.
    await ok(b, "SELECT INBOX");
    let before = figures.unasked;
    let lines = await ok(b, "SELECT INBOX");
    assert.equal(figures.unasked, before + 1, "the second SELECT was answered without a request");
    assert.ok(lines.includes("* 3 EXISTS"), lines.join("\n"));
    assert.ok(lines.some((l) => l.includes("[UIDNEXT 4]")), lines.join("\n"));
    // NOOP after that SELECT: the poll it would make finds nothing and is not sent.
    before = figures.unasked;
    await ok(a, "NOOP");
    assert.equal(figures.unasked, before + 1, "the NOOP made no request");

    // Another process appends: the next NOOP polls and tells it.
    const inbox = async (acct: AccountStore) => (await acct.getMailbox("INBOX"))!.id;
    await outside(
      server,
      async (acct) => await acct.append(await inbox(acct), { content: message(4) }),
    );
    lines = await ok(a, "NOOP");
    assert.ok(lines.includes("* 4 EXISTS"), lines.join("\n"));

    // Another process appends with a new keyword: the next SELECT shows both.
    await outside(
      server,
      async (acct) =>
        await acct.append(await inbox(acct), { content: message(5), flags: ["$Outside"] }),
    );
    lines = await ok(b, "SELECT INBOX");
    assert.ok(lines.includes("* 5 EXISTS"), lines.join("\n"));
    assert.ok(lines.some((l) => l.includes("[UIDNEXT 6]")), lines.join("\n"));
    assert.ok(lines.some((l) => /^\* FLAGS \(.*\$Outside/.test(l)), lines.join("\n"));
    // And this process's own commit (B's STORE) shows in A's SELECT, as before.
    await ok(b, "STORE 1 +FLAGS.SILENT ($Inside)");
    lines = await ok(a, "SELECT INBOX");
    assert.ok(lines.some((l) => /^\* FLAGS \(.*\$Inside/.test(l)), lines.join("\n"));

    // LIST (which always asks the store): another process's CREATE shows.
    await ok(a, 'LIST "" "*"');
    await outside(server, (acct) => acct.createMailbox("outside"));
    lines = await ok(b, 'LIST "" "*"');
    assert.ok(lines.includes('* LIST (\\HasNoChildren) "/" outside'), lines.join("\n"));
    // Another process deletes a mailbox B has selected, and kept the answer of: SELECT fails.
    await ok(b, "SELECT outside");
    await ok(b, "SELECT outside");
    await outside(server, (acct) => acct.deleteMailbox("outside"));
    const r = await b.command("SELECT outside");
    assert.match(r.tagged, /NO/);
  } finally {
    a.close();
    b.close();
    await server.close();
  }
});
