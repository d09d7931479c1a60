/**
 * A Kysely dialect over the synchronous `libsql` package (better-sqlite3
 * API) for `file:` and `:memory:` databases.
 *
 * Why our own: `@libsql/client` prepares a statement per `execute()` and
 * libsql never frees prepared statements, so a long-running server leaks.
 * Here every SQL text is prepared once and kept in a bounded LRU cache. The
 * store keeps its set of SQL shapes bounded (sets of UIDs travel as one JSON
 * parameter), so the cache never evicts in practice; eviction exists only so
 * a bug cannot grow memory without limit.
 *
 * Reading rows: libsql 0.5.29's `Statement.all()`/`iterate()` leak native
 * memory on every call, even on a reused statement (measured: about 0.85 KB
 * per call, RSS never comes back; `get()` and `run()` stay flat), and
 * `all()` is slow (about 9 µs per row through N-API). So a SELECT is wrapped
 * once, when first prepared, into one that aggregates its rows into a
 * single JSON text (`json_group_array(json_array(...))`), read with `get()`
 * and parsed in JS: flat memory and 3-4x faster on multi-row results. A
 * BLOB column travels beside the JSON, as one BLOB of all its rows' bytes
 * (`group_concat`), the JSON holding each row's length: spelled in hex
 * inside the JSON, the header blocks and stored ENVELOPEs of a first-sync
 * FETCH of 2,000 messages made 4 MB of JSON, and `hex()`, `JSON.parse` and
 * the decoding of the hex took more of the store thread than the query. Other statements that return rows (INSERT/UPDATE/DELETE
 * ... RETURNING) are read with `get()` and so yield AT MOST ONE ROW: the
 * store uses RETURNING only on single-row writes. PRAGMA and EXPLAIN fall
 * back to `all()` (rare; tests and admin checks only).
 *
 * One connection, guarded by a FIFO mutex: a transaction holds it from BEGIN
 * to COMMIT, every other query waits. libsql calls are synchronous, so the
 * only awaits inside a transaction are on this mutex: callers must never
 * await anything else (a socket, a timer) while holding a transaction.
 */
import Database from "libsql";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";

export interface LibsqlDialectOptions {
  /** A file path, or ":memory:". */
  path: string;
  /** PRAGMA busy_timeout in ms: how long to wait for another process's lock. */
  busyTimeoutMs: number;
  /** PRAGMA cache_size (pages; negative: KiB); 0 keeps SQLite's default. */
  cacheSize: number;
  /**
   * PRAGMA mmap_size in bytes: how much of the file is read through memory
   * mapped from it rather than pread() (writes still use write()); 0 or absent: none.
   */
  mmapSize?: number;
  /** Statements kept prepared; default 512. */
  statementCacheSize?: number;
}

// Minimal typing of the parts of libsql we use.
interface LibsqlStatement {
  readonly reader: boolean;
  all(params: unknown[]): Record<string, unknown>[];
  get(params: unknown[]): Record<string, unknown> | undefined;
  run(params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  columns(): { name: string; type: string | null }[];
}
interface LibsqlDatabase {
  prepare(sql: string): LibsqlStatement;
  exec(sql: string): void;
  close(): void;
  readonly inTransaction: boolean;
}

/** How one SQL text is executed (see the header comment). */
export type Prepared =
  | { kind: "json"; stmt: LibsqlStatement; names: string[]; blobs: number[] }
  | { kind: "returning"; stmt: LibsqlStatement }
  | { kind: "rows"; stmt: LibsqlStatement }
  | { kind: "write"; stmt: LibsqlStatement };

/**
 * Ends the name of a selected column that holds JSON text (`envelope as
 * envelope_json`): the multi-row reader returns it already parsed. Other
 * drivers return the text; readers accept both (see `parsedJson()`).
 */
export const JSON_SUFFIX = "_json";

/** A JSON column's value as read: parsed by the local driver, text from others. */
export function parsedJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/**
 * Ends a SELECT that reads at most one row (by primary key): it is read
 * with `get()` as it is, BLOBs native, instead of through the JSON wrapper
 * (which spells BLOBs in hex: twice the bytes, and a string a 5 MB body
 * per row soon makes too long).
 */
export const ONE_ROW = "/*one-row*/";

function prepare(db: LibsqlDatabase, sql: string): Prepared {
  const stmt = db.prepare(sql);
  if (!stmt.reader) return { kind: "write", stmt };
  if (sql.trimEnd().endsWith(ONE_ROW)) return { kind: "returning", stmt };
  const head = sql.trimStart().slice(0, 6).toLowerCase();
  if (head !== "select" && !head.startsWith("with")) {
    return /^(insert|update|delete|replac)/.test(head)
      ? { kind: "returning", stmt }
      : { kind: "rows", stmt };
  }
  const columns = stmt.columns();
  const names = columns.map((c) => c.name);
  const list = columns.map((_, i) => `c${i}`);
  // blobs[i]: for a BLOB column, its place among the concatenated BLOBs; else -1.
  let blobCount = 0;
  const blobs = columns.map((c) => (c.type ?? "").toUpperCase() === "BLOB" ? blobCount++ : -1);
  // A column whose name ends in JSON_SUFFIX holds JSON text: it is embedded
  // as JSON, so one JSON.parse yields it parsed (no string inside a string).
  // A BLOB column: its length in octets here (null for NULL), its bytes in
  // the column's concatenation. group_concat appends each value's octets as
  // they are (NUL and 8-bit included, no conversion in a UTF-8 database)
  // and skips NULL; both aggregates see the rows in the same order.
  const items = list.map((c, i) =>
    blobs[i] >= 0 ? `length(cast(${c} as blob))` : names[i].endsWith(JSON_SUFFIX) ? `json(${c})` : c
  );
  const concats = list.filter((_, i) => blobs[i] >= 0)
    .map((c, k) => `, cast(group_concat(cast(${c} as blob), '') as blob) as b${k}`);
  const wrapped = `with q(${list.join(", ")}) as (${sql}) ` +
    `select json_group_array(json_array(${items.join(", ")})) as j${concats.join("")} from q`;
  return { kind: "json", stmt: db.prepare(wrapped), names, blobs };
}

const NO_BYTES = new Uint8Array(0);

/** Runs a prepared reader and returns its rows as objects. */
function readRows(p: Prepared, params: unknown[]): Record<string, unknown>[] {
  if (p.kind === "json") {
    const row = p.stmt.get(params) as Record<string, unknown> | undefined;
    const tuples = JSON.parse((row?.j as string | undefined) ?? "[]") as unknown[][];
    const rows: Record<string, unknown>[] = new Array(tuples.length);
    const { names, blobs } = p;
    // Each BLOB column's concatenation, and how far its rows have been taken.
    const concat: Uint8Array[] = [];
    const at: number[] = [];
    for (let k = 0; blobs.includes(k); k++) {
      const b = row?.[`b${k}`] as Uint8Array | null | undefined;
      concat.push(b ?? NO_BYTES);
      at.push(0);
    }
    for (let r = 0; r < tuples.length; r++) {
      const t = tuples[r];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const v = t[i];
        const k = blobs[i];
        if (k < 0 || v === null) o[names[i]] = v;
        else {
          // A copy of its own (a plain Uint8Array, not a view pinning all the rows' bytes).
          const b = concat[k];
          const start = at[k];
          o[names[i]] = new Uint8Array(b.buffer, b.byteOffset + start, v as number).slice();
          at[k] = start + (v as number);
        }
      }
      rows[r] = o;
    }
    return rows;
  }
  if (p.kind === "returning") {
    const row = p.stmt.get(params);
    if (!row) return [];
    delete row._metadata;
    return [row];
  }
  return p.stmt.all(params);
}

/** Bounded LRU of prepared statements keyed by SQL text. */
export class StatementCache {
  #db: LibsqlDatabase;
  #capacity: number;
  #map = new Map<string, Prepared>();
  /** Statements prepared since open (cache misses); a figure for benchmarks and tests. */
  prepared = 0;

  constructor(db: LibsqlDatabase, capacity: number) {
    this.#db = db;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  get(sql: string): Prepared {
    const hit = this.#map.get(sql);
    if (hit) {
      // Refresh recency: Map iteration order is insertion order.
      this.#map.delete(sql);
      this.#map.set(sql, hit);
      return hit;
    }
    const p = prepare(this.#db, sql);
    this.prepared++;
    this.#map.set(sql, p);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
    return p;
  }

  clear(): void {
    this.#map.clear();
  }
}

/** A FIFO mutex: `lock()` resolves to the release function. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

class LibsqlConnection implements DatabaseConnection {
  readonly statements: StatementCache;

  constructor(statements: StatementCache) {
    this.statements = statements;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const p = this.statements.get(compiled.sql);
    const params = compiled.parameters as unknown[];
    if (p.kind !== "write") return Promise.resolve({ rows: readRows(p, params) as R[] });
    const { changes, lastInsertRowid } = p.stmt.run(params);
    return Promise.resolve({
      rows: [],
      numAffectedRows: BigInt(changes),
      insertId: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid),
    });
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<
    QueryResult<R>
  > {
    const { rows } = await this.executeQuery<R>(compiled);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

export class LibsqlDriver implements Driver {
  #options: LibsqlDialectOptions;
  #db: LibsqlDatabase | null = null;
  #connection: LibsqlConnection | null = null;
  #mutex = new Mutex();
  #releases = new Map<DatabaseConnection, () => void>();

  constructor(options: LibsqlDialectOptions) {
    this.#options = options;
  }

  /** The statement cache, for figures (prepared count) in tests and benchmarks. */
  get statements(): StatementCache | null {
    return this.#connection?.statements ?? null;
  }

  init(): Promise<void> {
    const db = new Database(this.#options.path) as unknown as LibsqlDatabase;
    const memory = this.#options.path === ":memory:";
    // WAL: readers in other processes (the CLI) do not block us. synchronous=FULL
    // fsyncs the WAL at every commit, so an APPEND answered OK survives power loss,
    // not only kill -9 (NORMAL would suffice for a process crash alone).
    if (!memory) db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(this.#options.busyTimeoutMs))}`);
    if (this.#options.cacheSize !== 0) {
      db.exec(`PRAGMA cache_size = ${Math.trunc(this.#options.cacheSize)}`);
    }
    if (!memory && this.#options.mmapSize) {
      db.exec(`PRAGMA mmap_size = ${Math.max(0, Math.trunc(this.#options.mmapSize))}`);
    }
    this.#db = db;
    this.#connection = new LibsqlConnection(
      new StatementCache(db, this.#options.statementCacheSize ?? 512),
    );
    return Promise.resolve();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    const connection = this.#connection;
    if (!connection) {
      release();
      throw new Error("Database is closed");
    }
    this.#releases.set(connection, release);
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock at once: a deferred transaction that reads
    // then writes can fail with SQLITE_BUSY against another process's writer
    // without busy_timeout helping.
    await connection.executeQuery(rawQuery("BEGIN IMMEDIATE"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(rawQuery("COMMIT"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR...): a second
    // ROLLBACK would fail and hide the error that caused it.
    if (this.#db && !this.#db.inTransaction) return;
    await connection.executeQuery(rawQuery("ROLLBACK"));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(connection);
    this.#releases.delete(connection);
    release?.();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    const release = await this.#mutex.lock();
    this.#connection?.statements.clear();
    this.#connection = null;
    this.#db?.close();
    this.#db = null;
    release();
  }
}

function rawQuery(sql: string): CompiledQuery {
  return CompiledQuery.raw(sql);
}

/**
 * Kysely's SQLite compiler and adapter over one of our drivers: the local
 * `LibsqlDriver` above or the remote one (`remote_driver.ts`). The two
 * differ only in how a statement reaches the database.
 */
export class LibsqlDialect<D extends Driver = Driver> implements Dialect {
  readonly driver: D;

  constructor(driver: D) {
    this.driver = driver;
  }

  createDriver(): Driver {
    return this.driver;
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  // deno-lint-ignore no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
