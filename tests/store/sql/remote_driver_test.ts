/**
 * The remote driver over `@libsql/client`, exercised through a `file:` URL
 * (the client runs libsql in process for those): no sqld is reachable here,
 * so this checks our driver code (queries, transactions, rollback), not the
 * network.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { StoreError } from "../../../lib/store/mail_store.ts";
import { ALL, collect, message } from "./_helpers.ts";

Deno.test("`RemoteLibsqlDriver` runs the store through @libsql/client", async () => {
  const dir = await Deno.makeTempDir();
  const base = parseImapSqlConfig({}, "s", { stateDir: dir });
  const store = await openSqlStore({ ...base, dsn: { kind: "remote", url: `file:${dir}/r.db` } });
  try {
    const acct = (await store.openAccount("a", { create: true }))!;
    const inbox = (await acct.getMailbox("INBOX"))!;
    await acct.append(inbox.id, { content: message(1), flags: ["\\Seen"] });
    await acct.append(inbox.id, { content: message(2) });
    const recs = await collect(acct.fetch(inbox.id, ALL, { content: true, flags: true }));
    assert.deepEqual(recs.map((r) => r.uid), [1, 2]);
    assert.deepEqual(recs[1].content, message(2));
    assert.deepEqual(recs[0].flags, ["\\Seen"]);
    // JSON columns come back as text from this driver and are parsed all the same.
    const [env] = await collect(acct.fetch(inbox.id, ALL, { envelope: true, bodyStructure: true }));
    assert.equal(env.envelope?.subject, "Message 1");
    assert.equal(env.bodyStructure?.kind, "single");
    assert.deepEqual(
      await acct.search(inbox.id, { type: "header", name: "From", value: "alice@" }),
      [
        1,
        2,
      ],
    );
    // A failing transaction rolls back wholly.
    await assert.rejects(acct.createMailbox("INBOX"), (e) => e instanceof StoreError);
    await assert.rejects(acct.copy(inbox.id, ALL, 999), (e) => e instanceof StoreError);
    assert.equal((await acct.status(inbox.id)).messages, 2);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
