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
  /** Statements kept prepared; default 512. */
  statementCacheSize?: number;
}

// Minimal typing of the parts of libsql we use.
interface LibsqlStatement {
  readonly reader: boolean;
  all(params: unknown[]): Record<string, unknown>[];
  run(params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  iterate(params: unknown[]): IterableIterator<Record<string, unknown>>;
}
interface LibsqlDatabase {
  prepare(sql: string): LibsqlStatement;
  exec(sql: string): void;
  close(): void;
}

/** Bounded LRU of prepared statements keyed by SQL text. */
export class StatementCache {
  #db: LibsqlDatabase;
  #capacity: number;
  #map = new Map<string, LibsqlStatement>();
  /** Statements prepared since open (cache misses); a figure for benchmarks and tests. */
  prepared = 0;

  constructor(db: LibsqlDatabase, capacity: number) {
    this.#db = db;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  get(sql: string): LibsqlStatement {
    const hit = this.#map.get(sql);
    if (hit) {
      // Refresh recency: Map iteration order is insertion order.
      this.#map.delete(sql);
      this.#map.set(sql, hit);
      return hit;
    }
    const stmt = this.#db.prepare(sql);
    this.prepared++;
    this.#map.set(sql, stmt);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
    return stmt;
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
    const stmt = this.statements.get(compiled.sql);
    const params = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(params) as R[] });
    const { changes, lastInsertRowid } = stmt.run(params);
    return Promise.resolve({
      rows: [],
      numAffectedRows: BigInt(changes),
      insertId: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid),
    });
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<
    QueryResult<R>
  > {
    const stmt = this.statements.get(compiled.sql);
    let rows: R[] = [];
    for (const row of stmt.iterate(compiled.parameters as unknown[])) {
      rows.push(row as R);
      if (rows.length >= chunkSize) {
        yield { rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { rows };
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

export class LibsqlDialect implements Dialect {
  readonly driver: LibsqlDriver;

  constructor(options: LibsqlDialectOptions) {
    this.driver = new LibsqlDriver(options);
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
