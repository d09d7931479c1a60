/**
 * Module-internal: opening an SQLite/libSQL database for the `sql_query` and
 * `sql_table` modules, with prepared statements cached per SQL text (libsql
 * 0.5.29 never frees a statement, so preparing per query leaks; docs/design.md).
 */
import Database from "libsql";
import { ensurePrivateFile } from "../private_files.ts";
import { isAbsolute, join } from "node:path";

export interface SqlDb {
  /** First column of the first row, or null when there is no row. */
  value(sql: string, params: SqlParams): string | null;
  /** First column of every row. */
  column(sql: string, params: SqlParams): string[];
  run(sql: string, params: SqlParams): number;
  exec(sql: string): void;
  close(): void;
}

export type SqlParams = unknown[] | Record<string, unknown>;

const BUSY_TIMEOUT_MS = 5000;

/**
 * Turns a DSN into a path for libsql: `file:x.db`, `x.db` and `/abs/x.db`
 * name files (relative ones under `stateDir`), `:memory:` an in-memory
 * database; URL query parameters are dropped.
 */
export function dsnToPath(dsn: string, stateDir: string): string {
  let p = dsn.startsWith("file:") ? dsn.slice(5) : dsn;
  const q = p.indexOf("?");
  if (q !== -1) p = p.slice(0, q);
  if (p === ":memory:" || p === "") return ":memory:";
  return isAbsolute(p) ? p : join(stateDir, p);
}

export function openSqlDb(dsn: string, stateDir: string): SqlDb {
  const path = dsnToPath(dsn, stateDir);
  if (path !== ":memory:") ensurePrivateFile(path);
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS / 1000 });
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL lets the CLI write while the server reads (a no-op in memory).
  db.prepare("PRAGMA journal_mode = WAL").raw(true).get();
  // deno-lint-ignore no-explicit-any
  const cache = new Map<string, any>();
  // deno-lint-ignore no-explicit-any
  const stmt = (sql: string): any => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      if (s.reader) s.raw(true);
      cache.set(sql, s);
    }
    return s;
  };
  const cell = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
  return {
    value(sql, params) {
      const row = stmt(sql).get(params) as unknown[] | undefined;
      return row === undefined ? null : cell(row[0]);
    },
    column(sql, params) {
      return (stmt(sql).all(params) as unknown[][]).map((row) => cell(row[0]));
    },
    run(sql, params) {
      return stmt(sql).run(params).changes as number;
    },
    exec(sql) {
      db.exec(sql);
    },
    close() {
      cache.clear();
      db.close();
    },
  };
}
