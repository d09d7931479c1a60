/** maddy's `table.sql_query` and `table.sql_table` over SQLite/libSQL or PostgreSQL. */
import { ConfigError, ioReason } from "../config/errors.ts";
import type { SqlDbOptions, SqlQueries, TableOptions } from "../config/types.ts";
import { dsnToPath, openSqlDb, type SqlDb, type SqlParams } from "./_sqlite.ts";
import { openPostgresDb } from "./_postgres.ts";
import type { MutableTable, Table } from "./table.ts";

type SqlQueryOptions = Extract<TableOptions, { module: "sql_query" }>;
type SqlTableOptions = Extract<TableOptions, { module: "sql_table" }>;

/**
 * A table over SQL queries. With `namedArgs` the key and value bind to
 * `:key` and `:value`; otherwise to `$1` and `$2`. On SQLite `$1` and `$2`
 * are rewritten to `?1` and `?2` (in SQLite, `$1` would be a parameter
 * named "$1"); on PostgreSQL `:key` and `:value` become `$1` and `$2`.
 */
class SqlQueryTable implements MutableTable {
  #db: SqlDb;
  #q: SqlQueries;
  #namedArgs: boolean;

  constructor(db: SqlDb, queries: SqlQueries, namedArgs: boolean) {
    this.#db = db;
    this.#namedArgs = namedArgs;
    const fix = (sql: string | undefined) => {
      if (sql === undefined) return sql;
      if (db.engine === "postgres") {
        return namedArgs ? sql.replace(/:key\b/g, "$$1").replace(/:value\b/g, "$$2") : sql;
      }
      return namedArgs ? sql : sql.replace(/\$(\d+)/g, "?$1");
    };
    this.#q = {
      lookup: fix(queries.lookup)!,
      list: fix(queries.list),
      add: fix(queries.add),
      set: fix(queries.set),
      del: fix(queries.del),
    };
  }

  #params(key: string, value?: string): SqlParams {
    if (this.#namedArgs) return value === undefined ? { key } : { key, value };
    return value === undefined ? [key] : [key, value];
  }

  lookup(key: string): Promise<string | null> {
    return this.#db.value(this.#q.lookup, this.#params(key));
  }

  keys(): Promise<string[]> {
    if (!this.#q.list) return Promise.reject(new Error("Table has no list query"));
    return this.#db.column(this.#q.list, this.#namedArgs ? {} : []);
  }

  /** Sets `key`: updates an existing row, adds one otherwise. */
  async set(key: string, value: string): Promise<void> {
    if (!this.#q.set && !this.#q.add) throw new Error("Table has no set or add query");
    const params = this.#params(key, value);
    if (this.#q.set && await this.#db.run(this.#q.set, params) > 0) return;
    if (!this.#q.add) throw new Error(`No entry ${JSON.stringify(key)} to set`);
    await this.#db.run(this.#q.add, params);
  }

  async remove(key: string): Promise<void> {
    if (!this.#q.del) throw new Error("Table has no del query");
    await this.#db.run(this.#q.del, this.#params(key));
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

function open(db: SqlDbOptions, path: string): SqlDb {
  // A pool connects at the first query: openers run one, so a DSN that
  // does not work stops start-up.
  if (db.driver === "postgres") return openPostgresDb(db.dsn);
  try {
    return openSqlDb(db.dsn, db.stateDir);
  } catch (e) {
    // The file as opened: a relative DSN is under state_dir.
    throw new ConfigError(
      `${path}.dsn`,
      `cannot open ${JSON.stringify(dsnToPath(db.dsn, db.stateDir))}: ${ioReason(e)}`,
    );
  }
}

/** Opens a sql_query table, runs `init`, and tries the lookup once so a typo stops start-up. */
export async function openSqlQueryTable(options: SqlQueryOptions): Promise<Table> {
  const db = open(options.db, options.path);
  try {
    for (const sql of options.init) await db.exec(sql);
    const table = new SqlQueryTable(db, options.queries, options.namedArgs);
    // Run the lookup once so a typo is a start-up error, not a login failure.
    await table.lookup("");
    return table;
  } catch (e) {
    await db.close().catch(() => {});
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(options.path, `SQL error: ${(e as Error).message}`);
  }
}

/**
 * maddy's `table.sql_table`: a key/value table, created when missing, whose
 * queries sql_query runs. Mutable, so `creds` can manage it.
 */
export async function openSqlTable(options: SqlTableOptions): Promise<MutableTable> {
  const { tableName: table, keyColumn: key, valueColumn: value, path } = options;
  const db = open(options.db, path);
  // LONGTEXT is maddy's (SQLite takes any type name); PostgreSQL has TEXT.
  const type = db.engine === "postgres" ? "TEXT" : "LONGTEXT";
  try {
    await db.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" ("${key}" ${type} PRIMARY KEY NOT NULL, "${value}" ${type} NOT NULL)`,
    );
  } catch (e) {
    await db.close().catch(() => {});
    const what = db.engine === "postgres" ? "PostgreSQL error" : "SQL error";
    throw new ConfigError(path, `${what}: ${(e as Error).message}`);
  }
  return new SqlQueryTable(db, {
    lookup: `SELECT "${value}" FROM "${table}" WHERE "${key}" = :key`,
    list: `SELECT "${key}" FROM "${table}" ORDER BY "${key}"`,
    add: `INSERT INTO "${table}" ("${key}", "${value}") VALUES (:key, :value)`,
    set: `UPDATE "${table}" SET "${value}" = :value WHERE "${key}" = :key`,
    del: `DELETE FROM "${table}" WHERE "${key}" = :key`,
  }, true);
}
