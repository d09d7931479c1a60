/**
 * A thin Kysely driver over `@libsql/client` for remote DSNs
 * (`libsql://`, `http(s)://`, `ws(s)://`): statements run on the server, so
 * the client-side prepared-statement leak of local use does not apply.
 * Queries are serialized through one mutex like the local dialect; a
 * transaction is a `client.transaction("write")` (interactive, so the server
 * holds its lock while we are between statements: keep them short).
 * Streaming returns the whole result as one chunk.
 */
import { createClient } from "@libsql/client";
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from "kysely";
import { Mutex } from "./libsql_dialect.ts";

type Client = ReturnType<typeof createClient>;
type Tx = Awaited<ReturnType<Client["transaction"]>>;
type InValue = null | string | number | bigint | ArrayBuffer | Uint8Array | boolean | Date;

class RemoteConnection implements DatabaseConnection {
  #client: Client;
  tx: Tx | null = null;

  constructor(client: Client) {
    this.#client = client;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = { sql: compiled.sql, args: compiled.parameters as InValue[] };
    const rs = this.tx ? await this.tx.execute(stmt) : await this.#client.execute(stmt);
    const rows = rs.rows.map((row) => {
      const out: Record<string, unknown> = {};
      rs.columns.forEach((c, i) => (out[c] = row[i]));
      return out as R;
    });
    return {
      rows,
      numAffectedRows: BigInt(rs.rowsAffected),
      insertId: rs.lastInsertRowid,
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(compiled);
  }
}

/** Used through `LibsqlDialect` (libsql_dialect.ts), which adds the SQLite compiler. */
export class RemoteLibsqlDriver implements Driver {
  #url: string;
  #client: Client | null = null;
  #connection: RemoteConnection | null = null;
  #mutex = new Mutex();
  #release: (() => void) | null = null;

  constructor(url: string) {
    this.#url = url;
  }

  init(): Promise<void> {
    const authToken = Deno.env.get("LIBSQL_AUTH_TOKEN");
    this.#client = createClient(authToken ? { url: this.#url, authToken } : { url: this.#url });
    this.#connection = new RemoteConnection(this.#client);
    return Promise.resolve();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#mutex.lock();
    if (!this.#connection) throw new Error("Database is closed");
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as RemoteConnection).tx = await this.#client!.transaction("write");
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as RemoteConnection;
    try {
      await c.tx?.commit();
    } finally {
      c.tx?.close();
      c.tx = null;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as RemoteConnection;
    try {
      await c.tx?.rollback();
    } finally {
      c.tx?.close();
      c.tx = null;
    }
  }

  releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    this.#client?.close();
    this.#client = null;
    this.#connection = null;
    return Promise.resolve();
  }
}
