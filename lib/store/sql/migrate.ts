import { type Kysely, sql } from "kysely";
import { type Migration, MIGRATIONS } from "./migrations/mod.ts";
import type { Db } from "./schema.ts";
import type { StoreSql } from "./dialect.ts";

/** Any number, the same on every node: the advisory lock that serialises their migrations. */
const PG_MIGRATION_LOCK = 0x696d6170;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order,
 * each in one transaction (so a crash leaves it wholly applied or not at all).
 * Returns the versions applied. Refuses a database newer than this code.
 *
 * On PostgreSQL the same list runs through `PgSchemaPlugin` (SQLite's column
 * types translated, see postgres_dialect.ts), and each step holds an
 * advisory lock and checks again that it is still missing, so nodes that
 * start together apply each migration once.
 */
export async function migrate(
  db: Kysely<Db>,
  migrations: readonly Migration[] = MIGRATIONS,
  engine: StoreSql["engine"] = "sqlite",
): Promise<number[]> {
  const pg = engine === "postgres";
  if (pg) {
    const { PgSchemaPlugin } = await import("./postgres_dialect.ts");
    db = db.withPlugin(new PgSchemaPlugin());
    await db.transaction().setIsolationLevel("read committed").execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`.execute(trx);
      await sql`create table if not exists schema_migrations (
        version bigint primary key, name text not null, applied_at bigint not null)`.execute(trx);
    });
  } else {
    await sql`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at integer not null)`.execute(db);
  }
  const rows = await db.selectFrom("schema_migrations").select("version").execute();
  const done = new Set(rows.map((r) => r.version));
  const known = new Set(migrations.map((m) => m.version));
  for (const v of done) {
    if (!known.has(v)) {
      throw new Error(`Database has migration ${v}, unknown to this version of the server`);
    }
  }
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    // READ COMMITTED on PostgreSQL: the check after the lock must see what
    // the node that held it committed.
    const tx = pg ? db.transaction().setIsolationLevel("read committed") : db.transaction();
    const ran = await tx.execute(async (trx) => {
      if (pg) {
        await sql`select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`.execute(trx);
        const again = await trx.selectFrom("schema_migrations").select("version")
          .where("version", "=", m.version).executeTakeFirst();
        if (again) return false; // another node applied it meanwhile
      }
      await m.up(trx);
      await trx.insertInto("schema_migrations")
        .values({ version: m.version, name: m.name, applied_at: Date.now() })
        .execute();
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}
