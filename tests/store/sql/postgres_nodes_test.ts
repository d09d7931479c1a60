/**
 * Two stores on one PostgreSQL database, as two server nodes are: they
 * migrate together, and their concurrent writes to one mailbox never share
 * a UID or MODSEQ (the mailbox row locked first; deadlocks retried by retry.ts). Ignored,
 * with the reason printed, where no cluster can be started.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { isRetryable, transact } from "../../../lib/store/sql/retry.ts";
import { MIGRATIONS } from "../../../lib/store/sql/migrations/mod.ts";
import { sql } from "kysely";
import { postgres } from "../../_support/postgres.ts";
import { ALL, collect, message } from "./_helpers.ts";

const cluster = await postgres();
const ignore = cluster === null;

async function twoNodes() {
  const dsn = await cluster!.createDatabase();
  const options = parseImapSqlConfig({ driver: "postgres", dsn }, "storage.imapsql.t", {
    stateDir: "/nonexistent",
  });
  // Both open (and migrate) at once, as nodes started together do.
  const [a, b] = await Promise.all([openSqlStore(options), openSqlStore(options)]);
  return { a, b, dsn };
}

Deno.test("`isRetryable()` takes serialization failures, deadlocks, unique races and SQLITE_BUSY only", () => {
  for (const code of ["40001", "40P01", "23505", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"]) {
    assert.equal(isRetryable(Object.assign(new Error("x"), { code })), true, code);
  }
  for (const code of ["23503", "42P01", "SQLITE_CONSTRAINT", 5, undefined]) {
    assert.equal(isRetryable(Object.assign(new Error("x"), { code })), false, String(code));
  }
  assert.equal(isRetryable(null), false);
});

Deno.test({
  name: "two nodes starting together apply each migration once",
  ignore,
  async fn() {
    const { a, b, dsn } = await twoNodes();
    try {
      const db = dsn.replace(/.*\//, "");
      const versions = await cluster!.psql(
        db,
        "select string_agg(version::text, ',' order by version) from schema_migrations",
      );
      assert.equal(versions, MIGRATIONS.map((m) => m.version).join(","));
      // The row ids are identity columns; the schema's integers are bigint.
      assert.equal(
        await cluster!.psql(
          db,
          "select data_type from information_schema.columns where table_name = 'messages' and column_name = 'internal_date'",
        ),
        "bigint",
      );
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "appends, flag changes and copies from two nodes never share a UID or MODSEQ",
  ignore,
  async fn() {
    const { a, b } = await twoNodes();
    try {
      const accA = (await a.openAccount("alice", { create: true }))!;
      const accB = (await b.openAccount("alice", { create: true }))!;
      const inbox = (await accA.getMailbox("INBOX"))!;
      const archive = (await accA.getMailbox("Archive"))!;
      const PER_WORKER = 15;
      const appended: number[][] = [];
      const workers = [accA, accB, accA, accB].map(async (acct, w) => {
        const uids: number[] = [];
        for (let i = 0; i < PER_WORKER; i++) {
          const r = await acct.append(inbox.id, { content: message(w * 1000 + i) });
          uids.push(r.uid);
          if (i % 5 === 4) {
            // Flag changes and copies race with the other node's appends.
            await acct.storeFlags(inbox.id, [{ from: 1, to: r.uid }], "add", [`$w${w}`]);
            await acct.copy(inbox.id, [{ from: r.uid, to: r.uid }], archive.id);
          }
        }
        appended.push(uids);
      });
      await Promise.all(workers);
      const all = appended.flat().sort((x, y) => x - y);
      const total = 4 * PER_WORKER;
      assert.equal(new Set(all).size, total, "every acknowledged append has its own UID");
      assert.deepEqual(all, Array.from({ length: total }, (_, i) => i + 1));
      const fetched = await collect(accB.fetch(inbox.id, ALL, { flags: true, modSeq: true }));
      assert.deepEqual(fetched.map((r) => r.uid), all);
      const copies = await collect(accA.fetch(archive.id, ALL, { modSeq: true }));
      assert.equal(copies.length, 4 * (PER_WORKER / 5));
      assert.equal(new Set(copies.map((r) => r.uid)).size, copies.length);
      // Every flag change got a MODSEQ of its own above the appends it covered.
      const status = await accA.status(inbox.id);
      assert.equal(status.messages, total);
      const highest = (await accB.getMailbox("INBOX"))!.highestModSeq;
      assert.ok(fetched.every((r) => r.modSeq! <= highest));
      assert.ok(highest >= total + 4 * (PER_WORKER / 5), `highest modseq ${highest}`);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "`transact()` runs a transaction again after a deadlock",
  ignore,
  async fn() {
    const { a, b } = await twoNodes();
    try {
      await sql`create table pair (id bigint primary key, n bigint not null)`.execute(a.db);
      await sql`insert into pair values (1, 0), (2, 0)`.execute(a.db);
      const runs = { a: 0, b: 0 };
      let aHolds!: () => void;
      const aHeld = new Promise<void>((r) => (aHolds = r));
      let bHolds!: () => void;
      const bHeld = new Promise<void>((r) => (bHolds = r));
      // Node A takes row 1 then row 2, node B row 2 then row 1: PostgreSQL
      // ends one of them with 40P01, and transact() runs it again.
      const first = transact(a.db, async (trx) => {
        runs.a++;
        await sql`update pair set n = n + 1 where id = 1`.execute(trx);
        aHolds();
        await bHeld;
        await sql`update pair set n = n + 1 where id = 2`.execute(trx);
      });
      await aHeld;
      const second = transact(b.db, async (trx) => {
        runs.b++;
        await sql`update pair set n = n + 1 where id = 2`.execute(trx);
        bHolds();
        await sql`update pair set n = n + 1 where id = 1`.execute(trx);
      });
      await Promise.all([first, second]);
      // At least one run again; a loaded server may end a retry with 40P01
      // too (seen once in a full run): what counts is each effect once.
      assert.ok(runs.a + runs.b >= 3, JSON.stringify(runs));
      const rows = await sql<{ n: number }>`select n from pair order by id`.execute(a.db);
      assert.deepEqual(rows.rows.map((r) => r.n), [2, 2]);
    } finally {
      await a.close();
      await b.close();
    }
  },
});
