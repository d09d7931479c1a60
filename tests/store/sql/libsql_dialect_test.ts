import assert from "node:assert/strict";
import { Kysely, sql } from "kysely";
import { LibsqlDialect, LibsqlDriver } from "../../../lib/store/sql/libsql_dialect.ts";
import { migrate } from "../../../lib/store/sql/migrate.ts";
import type { Db } from "../../../lib/store/sql/schema.ts";

Deno.test("`LibsqlDialect` prepares each SQL text once and serializes transactions", async () => {
  const dialect = new LibsqlDialect(
    new LibsqlDriver({ path: ":memory:", busyTimeoutMs: 0, cacheSize: -2000 }),
  );
  const db = new Kysely<Db>({ dialect });
  try {
    await migrate(db);
    const before = dialect.driver.statements!.prepared;
    for (let i = 0; i < 200; i++) {
      await db.selectFrom("accounts").select("id").where("name_key", "=", `n${i}`).execute();
    }
    assert.equal(dialect.driver.statements!.prepared - before, 1);
    // Two interleaved transactions: the second waits for the first, no SQLITE_BUSY.
    const order: string[] = [];
    await Promise.all([
      db.transaction().execute(async (trx) => {
        order.push("a1");
        await trx.insertInto("accounts").values({ name: "x", name_key: "x", append_limit: null })
          .execute();
        await new Promise((r) => setTimeout(r, 5));
        order.push("a2");
      }),
      db.transaction().execute(async (trx) => {
        order.push("b1");
        await trx.insertInto("accounts").values({ name: "y", name_key: "y", append_limit: null })
          .execute();
        order.push("b2");
      }),
    ]);
    assert.deepEqual(order, ["a1", "a2", "b1", "b2"]);
  } finally {
    await db.destroy();
  }
});

Deno.test("`LibsqlDialect` reads rows in order with BLOBs, NULLs and text intact", async () => {
  const db = new Kysely<Db>({
    dialect: new LibsqlDialect(
      new LibsqlDriver({ path: ":memory:", busyTimeoutMs: 0, cacheSize: 0 }),
    ),
  });
  try {
    await migrate(db);
    const blob = new Uint8Array([0, 255, 13, 10, 128]);
    for (let i = 3; i >= 1; i--) {
      await db.insertInto("bodies").values({
        hash: `h${i}`,
        size: i,
        header: i === 2 ? new Uint8Array() : blob,
        body: i === 3 ? null : blob,
        compression: "off",
        envelope: `{"n":"caf\u00e9 ${i}"}`,
        body_structure: "{}",
      }).execute();
    }
    const rows = await db.selectFrom("bodies").select(["size", "header", "body", "envelope"])
      .orderBy("size").execute();
    assert.deepEqual(rows.map((r) => r.size), [1, 2, 3]);
    assert.deepEqual(rows[0].header, blob);
    assert.deepEqual(rows[1].header, new Uint8Array());
    assert.equal(rows[2].body, null);
    assert.equal(rows[2].envelope, '{"n":"caf\u00e9 3"}');
    const none = await db.selectFrom("bodies").select("id").where("size", ">", 9).execute();
    assert.deepEqual(none, []);
    const ret = await db.updateTable("bodies").set({ size: 7 }).where("hash", "=", "h1")
      .returning(["hash", "size"]).executeTakeFirst();
    assert.deepEqual(ret, { hash: "h1", size: 7 });
  } finally {
    await db.destroy();
  }
});

Deno.test("`LibsqlDialect` gives each row its own bytes from two BLOB columns of a multi-row read", async () => {
  const db = new Kysely<Db>({
    dialect: new LibsqlDialect(
      new LibsqlDriver({ path: ":memory:", busyTimeoutMs: 0, cacheSize: 0 }),
    ),
  });
  try {
    await migrate(db);
    let seed = 3;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => rnd(256));
    const want: { header: Uint8Array; body: Uint8Array | null }[] = [];
    for (let i = 0; i < 60; i++) {
      const header = bytes(i % 7 === 0 ? 0 : rnd(300));
      const body = i % 5 === 0 ? null : bytes(rnd(2000));
      want.push({ header, body });
      await db.insertInto("bodies").values({
        hash: `h${i}`,
        size: i,
        header,
        body,
        compression: "off",
        envelope: "{}",
        body_structure: "{}",
      }).execute();
    }
    const rows = await db.selectFrom("bodies").select(["size", "header", "body"]).orderBy("size")
      .execute();
    assert.equal(rows.length, want.length);
    for (const r of rows) {
      assert.deepEqual(r.header, want[r.size].header);
      assert.deepEqual(r.body, want[r.size].body);
      // Each its own array, not a view of the rows' joined bytes.
      assert.equal(r.header.byteLength, r.header.buffer.byteLength);
    }
  } finally {
    await db.destroy();
  }
});

Deno.test("`LibsqlDriver` maps a file database for reads when given `mmapSize`", async () => {
  const dir = await Deno.makeTempDir({ prefix: "libsql-mmap-" });
  const mmapOf = async (mmapSize?: number) => {
    const db = new Kysely<Db>({
      dialect: new LibsqlDialect(
        new LibsqlDriver({ path: `${dir}/mail.db`, busyTimeoutMs: 0, cacheSize: 0, mmapSize }),
      ),
    });
    try {
      await migrate(db);
      await db.insertInto("accounts").values({
        name: `a${mmapSize}`,
        name_key: `a${mmapSize}`,
        append_limit: null,
      }).execute();
      const { rows } = await sql<{ mmap_size: number }>`PRAGMA mmap_size`.execute(db);
      const accounts = await db.selectFrom("accounts").select("name").execute();
      return { mmap: Number(rows[0].mmap_size), accounts: accounts.length };
    } finally {
      await db.destroy();
    }
  };
  try {
    assert.deepEqual(await mmapOf(64 * 1024 * 1024), { mmap: 64 * 1024 * 1024, accounts: 1 });
    assert.deepEqual(await mmapOf(), { mmap: 0, accounts: 2 });
    assert.deepEqual(await mmapOf(1024 * 1024), { mmap: 1024 * 1024, accounts: 3 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
