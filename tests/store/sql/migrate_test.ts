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

Deno.test("`migrate()` to recent_claim keeps the messages still marked recent as \\Recent", async () => {
  const db = open(":memory:");
  try {
    await migrate(db, MIGRATIONS.filter((m) => m.name !== "recent_claim"));
    await db.insertInto("accounts").values({ id: 1, name: "a", name_key: "a" }).execute();
    await db.insertInto("mailboxes").values([
      { id: 1, account_id: 1, name: "INBOX", uid_validity: 1, uid_next: 4, highest_modseq: 1 },
      { id: 2, account_id: 1, name: "Old", uid_validity: 1, uid_next: 9, highest_modseq: 1 },
    ]).execute();
    await sql`insert into bodies (id, hash, size, header, envelope, body_structure)
      values (1, 'h', 0, x'', '{}', '{}')`.execute(db);
    for (const [uid, recent] of [[1, 0], [2, 1], [3, 1]]) {
      await sql`insert into messages (mailbox_id, uid, body_id, recent, internal_date, size, modseq)
        values (1, ${uid}, 1, ${recent}, 0, 0, 1)`.execute(db);
    }
    const version = MIGRATIONS.find((m) => m.name === "recent_claim")!.version;
    assert.deepEqual(await migrate(db), [version]);
    const rows = await db.selectFrom("mailboxes").select(["id", "recent_uid"]).orderBy("id")
      .execute();
    // INBOX: 2 and 3 were still recent; Old: nothing was, all is claimed.
    assert.deepEqual(rows, [{ id: 1, recent_uid: 1 }, { id: 2, recent_uid: 8 }]);
  } finally {
    await db.destroy();
  }
});

Deno.test("`migrate()` to quota counts each mailbox's messages and octets", async () => {
  const db = open(":memory:");
  try {
    await migrate(db, MIGRATIONS.filter((m) => m.name !== "quota"));
    await db.insertInto("accounts").values({ id: 1, name: "a", name_key: "a" }).execute();
    await db.insertInto("mailboxes").values([
      { id: 1, account_id: 1, name: "INBOX", uid_validity: 1, uid_next: 4, highest_modseq: 1 },
      { id: 2, account_id: 1, name: "Empty", uid_validity: 1, uid_next: 1, highest_modseq: 1 },
    ]).execute();
    await sql`insert into bodies (id, hash, size, header, envelope, body_structure)
      values (1, 'h', 0, x'', '{}', '{}')`.execute(db);
    for (const [uid, size] of [[1, 100], [2, 250], [3, 7]]) {
      await sql`insert into messages (mailbox_id, uid, body_id, recent, internal_date, size, modseq)
        values (1, ${uid}, 1, 0, 0, ${size}, 1)`.execute(db);
    }
    const version = MIGRATIONS.find((m) => m.name === "quota")!.version;
    assert.deepEqual(await migrate(db), [version]);
    const rows = await db.selectFrom("mailboxes").select(["id", "message_count", "total_size"])
      .orderBy("id").execute();
    assert.deepEqual(rows, [
      { id: 1, message_count: 3, total_size: 357 },
      { id: 2, message_count: 0, total_size: 0 },
    ]);
    const acct = await db.selectFrom("accounts").select(["quota_storage", "quota_messages"])
      .executeTakeFirstOrThrow();
    assert.deepEqual(acct, { quota_storage: null, quota_messages: null });
  } finally {
    await db.destroy();
  }
});

Deno.test("`migrate()` to body_preview copies the stored previews and leaves the others to FETCH", async () => {
  const db = open(":memory:");
  try {
    await migrate(db, MIGRATIONS.filter((m) => m.name !== "body_preview"));
    await sql`insert into bodies (id, hash, size, header, envelope, body_structure, preview)
      values (1, 'h1', 0, x'', '{}', '{}', 'First'), (2, 'h2', 0, x'', '{}', '{}', null),
        (3, 'h3', 0, x'', '{}', '{}', '')`.execute(db);
    const version = MIGRATIONS.find((m) => m.name === "body_preview")!.version;
    assert.deepEqual(await migrate(db), [version]);
    const rows = await db.selectFrom("body_preview").select(["body_id", "preview"])
      .orderBy("body_id").execute();
    // Body 2 had none (stored before migration 8): FETCH PREVIEW computes it.
    assert.deepEqual(rows, [{ body_id: 1, preview: "First" }, { body_id: 3, preview: "" }]);
  } finally {
    await db.destroy();
  }
});
