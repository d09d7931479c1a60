import assert from "node:assert/strict";
import { Kysely, sql } from "kysely";
import { LibsqlDialect, LibsqlDriver } from "../../../lib/store/sql/libsql_dialect.ts";
import { migrate } from "../../../lib/store/sql/migrate.ts";
import { MIGRATIONS } from "../../../lib/store/sql/migrations/mod.ts";
import type { Db } from "../../../lib/store/sql/schema.ts";

function open(path: string): Kysely<Db> {
  return new Kysely<Db>({
    dialect: new LibsqlDialect(new LibsqlDriver({ path, busyTimeoutMs: 1000, cacheSize: 0 })),
  });
}

Deno.test("`migrate()` applies every migration once, in order, and records it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let db = open(`${dir}/m.db`);
    assert.deepEqual(await migrate(db), MIGRATIONS.map((m) => m.version));
    await db.destroy();
    db = open(`${dir}/m.db`);
    assert.deepEqual(await migrate(db), []);
    const rows = await db.selectFrom("schema_migrations").select(["version", "name"]).execute();
    assert.deepEqual(rows, MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
    assert.equal(mode.rows[0].journal_mode, "wal");
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    assert.equal(fk.rows[0].foreign_keys, 1);
    await db.destroy();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`migrate()` rolls back a failing migration wholly and refuses a newer database", async () => {
  const db = open(":memory:");
  try {
    const broken = {
      version: 1000,
      name: "broken",
      // deno-lint-ignore no-explicit-any
      async up(k: Kysely<any>) {
        await k.schema.createTable("half").addColumn("x", "integer").execute();
        await sql`select * from no_such_table`.execute(k);
      },
    };
    await assert.rejects(migrate(db, [...MIGRATIONS, broken]));
    const tables = await sql<{ name: string }>`select name from sqlite_master where name = 'half'`
      .execute(db);
    assert.equal(tables.rows.length, 0);
    const done = await db.selectFrom("schema_migrations").select("version").execute();
    assert.deepEqual(done.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    await db.insertInto("schema_migrations").values({
      version: 9999,
      name: "future",
      applied_at: 0,
    })
      .execute();
    await assert.rejects(migrate(db), /migration 9999, unknown/);
  } finally {
    await db.destroy();
  }
});
