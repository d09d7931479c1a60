/**
 * bytea from PostgreSQL (postgres_dialect.ts): message bytes come back
 * octet for octet, every value from 0 to 255, whether the server sends
 * bytea as hex (the default, decoded by Uint8Array.fromHex) or in the
 * older escape format (decoded by pg-types). Ignored, with the reason
 * printed, where no cluster can be started.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { postgres } from "../../_support/postgres.ts";
import { ALL, collect } from "./_helpers.ts";

const cluster = await postgres();

Deno.test({
  name: "message bytes read from PostgreSQL are the bytes stored, in hex and escape output",
  ignore: cluster === null,
  async fn() {
    const dsn = await cluster!.createMigratedDatabase();
    const options = parseImapSqlConfig({ driver: "postgres", dsn }, "storage.imapsql.t", {
      stateDir: "/nonexistent",
    });
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const content = new Uint8Array([
      ...new TextEncoder().encode("Subject: octets\r\n\r\n"),
      ...every,
      ...every.toReversed(),
    ]);
    const read = async () => {
      const store = await openSqlStore(options);
      try {
        const acct = (await store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        if ((await acct.status(inbox.id)).messages === 0) await acct.append(inbox.id, { content });
        const [r] = await collect(acct.fetch(inbox.id, ALL, { content: true, header: true }));
        return r;
      } finally {
        await store.close();
      }
    };
    const hex = await read();
    assert.deepEqual([...hex.content!], [...content]);
    assert.equal(new TextDecoder().decode(hex.header), "Subject: octets\r\n\r\n");

    const database = new URL(dsn).pathname.slice(1);
    await cluster!.psql(database, `alter database "${database}" set bytea_output = 'escape'`);
    const escaped = await read();
    assert.deepEqual([...escaped.content!], [...content]);
  },
});
