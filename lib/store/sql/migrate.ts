import { type Kysely, sql } from "kysely";
import { type Migration, MIGRATIONS } from "./migrations/mod.ts";
import type { Db } from "./schema.ts";

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order,
 * each in one transaction (so a crash leaves it wholly applied or not at all).
 * Returns the versions applied. Refuses a database newer than this code.
 */
export async function migrate(
  db: Kysely<Db>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await sql`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at integer not null)`.execute(db);
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
    await db.transaction().execute(async (trx) => {
      await m.up(trx);
      await trx.insertInto("schema_migrations")
        .values({ version: m.version, name: m.name, applied_at: Date.now() })
        .execute();
    });
    applied.push(m.version);
  }
  return applied;
}
