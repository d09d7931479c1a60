/**
 * Module-internal: the `sql_query` and `sql_table` modules over PostgreSQL
 * (`driver = "postgres"`), so several server nodes share one credentials
 * table. A small `pg` pool; parameters are `$1`, `$2` (named `:key` and
 * `:value` are rewritten to those by sql.ts).
 */
import pg from "pg";
import type { SqlDb, SqlParams } from "./_sqlite.ts";

const cell = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

function positional(params: SqlParams): unknown[] {
  if (Array.isArray(params)) return params;
  const out: unknown[] = [];
  if ("key" in params) out.push(params.key);
  if ("value" in params) out.push(params.value);
  return out;
}

export function openPostgresDb(url: string): SqlDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (the server restarted) must not end the process.
  pool.on("error", () => {});
  const query = (sql: string, params: SqlParams) =>
    pool.query({ text: sql, values: positional(params), rowMode: "array" });
  return {
    engine: "postgres",
    async value(sql, params) {
      const r = await query(sql, params);
      return r.rows.length === 0 ? null : cell(r.rows[0][0]);
    },
    async column(sql, params) {
      return (await query(sql, params)).rows.map((row: unknown[]) => cell(row[0]));
    },
    async run(sql, params) {
      return (await query(sql, params)).rowCount ?? 0;
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}
