/**
 * Module-internal: opening an SQLite/libSQL database for the `sql_query` and
 * `sql_table` modules, with prepared statements cached per SQL text (libsql
 * 0.5.29 never frees a statement, so preparing per query leaks; docs/design.md).
 */
import Database from "libsql";
import { ensurePrivateFile } from "../private_files.ts";
import { isAbsolute, join } from "node:path";

export interface SqlDb {
  /** How the SQL given to this database spells parameters: `?1`/`:key` (SQLite) or `$1` (PostgreSQL). */
  readonly engine: "sqlite" | "postgres";
  /** First column of the first row, or null when there is no row. */
  value(sql: string, params: SqlParams): Promise<string | null>;
  /** First column of every row. */
  column(sql: string, params: SqlParams): Promise<string[]>;
  run(sql: string, params: SqlParams): Promise<number>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
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
  // libsql is synchronous; the promises only match PostgreSQL's interface.
  return {
    engine: "sqlite",
    value(sql, params) {
      const row = stmt(sql).get(params) as unknown[] | undefined;
      return Promise.resolve(row === undefined ? null : cell(row[0]));
    },
    column(sql, params) {
      return Promise.resolve((stmt(sql).all(params) as unknown[][]).map((row) => cell(row[0])));
    },
    run(sql, params) {
      return Promise.resolve(stmt(sql).run(params).changes as number);
    },
    exec(sql) {
      db.exec(sql);
      return Promise.resolve();
    },
    close() {
      cache.clear();
      db.close();
      return Promise.resolve();
    },
  };
}
