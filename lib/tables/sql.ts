/** maddy's `table.sql_query` and `table.sql_table` over SQLite/libSQL. */
import { ConfigError, ioReason } from "../config/errors.ts";
import type { SqlDbOptions, SqlQueries, TableOptions } from "../config/types.ts";
import { dsnToPath, openSqlDb, type SqlDb, type SqlParams } from "./_sqlite.ts";
import type { MutableTable, Table } from "./table.ts";

type SqlQueryOptions = Extract<TableOptions, { module: "sql_query" }>;
type SqlTableOptions = Extract<TableOptions, { module: "sql_table" }>;

/**
 * A table over SQL queries. With `namedArgs` the key and value bind to
 * `:key` and `:value`; otherwise to `$1` and `$2`, which are rewritten to
 * SQLite's `?1` and `?2` (in SQLite, `$1` would be a parameter named "$1").
 */
class SqlQueryTable implements MutableTable {
  #db: SqlDb;
  #q: SqlQueries;
  #namedArgs: boolean;

  constructor(db: SqlDb, queries: SqlQueries, namedArgs: boolean) {
    this.#db = db;
    this.#namedArgs = namedArgs;
    const fix = (
      sql: string | undefined,
    ) => (sql === undefined || namedArgs ? sql : sql.replace(/\$(\d+)/g, "?$1"));
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
    return Promise.resolve(this.#db.value(this.#q.lookup, this.#params(key)));
  }

  keys(): Promise<string[]> {
    if (!this.#q.list) return Promise.reject(new Error("Table has no list query"));
    return Promise.resolve(this.#db.column(this.#q.list, this.#namedArgs ? {} : []));
  }

  /** Sets `key`: updates an existing row, adds one otherwise. */
  set(key: string, value: string): Promise<void> {
    if (!this.#q.set && !this.#q.add) {
      return Promise.reject(new Error("Table has no set or add query"));
    }
    const params = this.#params(key, value);
    if (this.#q.set && this.#db.run(this.#q.set, params) > 0) return Promise.resolve();
    if (!this.#q.add) return Promise.reject(new Error(`No entry ${JSON.stringify(key)} to set`));
    this.#db.run(this.#q.add, params);
    return Promise.resolve();
  }

  remove(key: string): Promise<void> {
    if (!this.#q.del) return Promise.reject(new Error("Table has no del query"));
    this.#db.run(this.#q.del, this.#params(key));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}

function open(db: SqlDbOptions, path: string): SqlDb {
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
    for (const sql of options.init) db.exec(sql);
    const table = new SqlQueryTable(db, options.queries, options.namedArgs);
    // Run the lookup once so a typo is a start-up error, not a login failure.
    await table.lookup("");
    return table;
  } catch (e) {
    db.close();
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(options.path, `SQL error: ${(e as Error).message}`);
  }
}

/**
 * maddy's `table.sql_table`: a key/value table, created when missing, whose
 * queries sql_query runs. Mutable, so `creds` can manage it.
 */
export function openSqlTable(options: SqlTableOptions): MutableTable {
  const { tableName: table, keyColumn: key, valueColumn: value, path } = options;
  const db = open(options.db, path);
  try {
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" ("${key}" LONGTEXT PRIMARY KEY NOT NULL, "${value}" LONGTEXT NOT NULL)`,
    );
  } catch (e) {
    db.close();
    throw new ConfigError(path, `SQL error: ${(e as Error).message}`);
  }
  return new SqlQueryTable(db, {
    lookup: `SELECT "${value}" FROM "${table}" WHERE "${key}" = :key`,
    list: `SELECT "${key}" FROM "${table}" ORDER BY "${key}"`,
    add: `INSERT INTO "${table}" ("${key}", "${value}") VALUES (:key, :value)`,
    set: `UPDATE "${table}" SET "${value}" = :value WHERE "${key}" = :key`,
    del: `DELETE FROM "${table}" WHERE "${key}" = :key`,
  }, true);
}
