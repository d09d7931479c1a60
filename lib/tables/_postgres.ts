/**
 * Module-internal: the `sql_query` and `sql_table` modules over PostgreSQL
 * (`driver = "postgres"`), so several server nodes share one credentials
 * table. A small `pg` pool; parameters are `$1`, `$2` (named `:key` and
 * `:value` are rewritten to those by sql.ts).
 */
import type { Pool } from "pg";
import type { SqlDb, SqlParams } from "./_sqlite.ts";

/** Any number, the same in every process: the lock that serialises `exec()`. */
const EXEC_LOCK = 0x696d7462;

const cell = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

function positional(params: SqlParams): unknown[] {
  if (Array.isArray(params)) return params;
  const out: unknown[] = [];
  if ("key" in params) out.push(params.key);
  if ("value" in params) out.push(params.value);
  return out;
}

export function openPostgresDb(url: string): SqlDb {
  // `pg` is loaded at the first query, not with this module: the server's
  // socket thread imports the table modules whatever the driver, and `pg`
  // costs it about 4 MB (docs/performance.md, "Memory").
  let opened: Promise<Pool> | null = null;
  const pool = () =>
    opened ??= import("pg").then(({ default: pg }) => {
      const p = new pg.Pool({
        connectionString: url,
        max: 2,
        idleTimeoutMillis: 30_000,
        connectionTimeoutMillis: 10_000,
      });
      // An idle client's error (the server restarted) must not end the process.
      p.on("error", () => {});
      return p;
    });
  const query = async (sql: string, params: SqlParams) =>
    (await pool()).query({ text: sql, values: positional(params), rowMode: "array" });
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
    // Start-up statements (CREATE TABLE IF NOT EXISTS, `init`) of several
    // processes at once would race in PostgreSQL's catalog (a duplicate key
    // in pg_type): each runs in a transaction holding one advisory lock.
    async exec(sql) {
      const client = await (await pool()).connect();
      try {
        await client.query("begin");
        await client.query("select pg_advisory_xact_lock($1)", [EXEC_LOCK]);
        await client.query(sql);
        await client.query("commit");
      } catch (e) {
        await client.query("rollback").catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async close() {
      if (opened) await (await opened).end();
    },
  };
}
