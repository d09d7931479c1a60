/**
 * The PostgreSQL side of the store: Kysely's `PostgresDialect` over a `pg`
 * pool, with three choices of ours.
 *
 * - Transactions run at READ COMMITTED, and every transaction that writes a
 *   mailbox first locks its row (`lockRows()` in context.ts: SELECT … FOR
 *   UPDATE): the row is the mailbox's counter (UIDNEXT, HIGHESTMODSEQ, counts),
 *   so writers of one mailbox, on any node, take turns, and each reads the
 *   counter its predecessor committed: no UID or MODSEQ is handed out twice.
 *   A quota check locks the account row the same way. (SERIALIZABLE was
 *   tried first: under four busy writers a flag change over a whole mailbox
 *   lost to appends ten times in a row.) Deadlocks (40P01) and races on a
 *   unique key are run again by retry.ts.
 * - `bigint` (int8) and `numeric` (what SUM() of a bigint returns) are read
 *   as JavaScript numbers: every integer the store keeps (UIDs, MODSEQs,
 *   sizes, milliseconds since 1970) is far below 2^53.
 * - The migrations, written for SQLite, are run through `pgSchemaPlugin`:
 *   `integer` columns become `bigint`, `blob` becomes `bytea`, an `integer
 *   primary key` (SQLite's row id) becomes an identity column, and
 *   `without rowid` is dropped. Store queries do not go through it.
 */
import {
  ColumnDefinitionNode,
  type ColumnDefinitionNode as ColumnDefinition,
  type CreateTableNode,
  DataTypeNode,
  GeneratedNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresDialect,
  type QueryResult,
  RawNode,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";
import pg from "pg";
import { StoreError } from "../mail_store.ts";

const INT8 = 20;
const NUMERIC = 1700;
const BYTEA = 17;

/**
 * bytea in text format (node-postgres asks for text): PostgreSQL 9.0 and
 * later send it as hex, a backslash, "x" and two digits an octet (bytea_output = hex,
 * the default). pg-types decodes that with Buffer.from(hex), about 0.5 ms
 * for a 53 KB body under Deno; V8's own Uint8Array.fromHex takes 30 µs.
 * The older escape format goes to pg-types' parser.
 */
function byteaParser(fallback: (v: string) => unknown): (v: string) => unknown {
  return (v: string) =>
    v !== null && v.startsWith("\\x") ? Uint8Array.fromHex(v.slice(2)) : fallback(v);
}

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?…` (libpq-style URL). */
  url: string;
  /** Connections this pool may open. */
  maxConnections: number;
}

/** Opens a pool (lazily: the first query connects). */
export function postgresDialect(options: PostgresOptions): PostgresDialect {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser(oid: number, format?: string) {
        if (oid === INT8 || oid === NUMERIC) return (v: string) => (v === null ? v : Number(v));
        if (oid === BYTEA && format !== "binary") {
          // deno-lint-ignore no-explicit-any
          return byteaParser((pg.types.getTypeParser as any)(oid, format));
        }
        // deno-lint-ignore no-explicit-any
        return (pg.types.getTypeParser as any)(oid, format);
      },
    },
  });
  // An idle client's error (the server restarted) must not end the process;
  // the pool drops that client and the next query connects anew.
  pool.on("error", () => {});
  return new PostgresDialect({
    pool: {
      async connect() {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (e) {
          throw unavailable(e);
        }
        return wrapQuery(client);
      },
      end: () => pool.end(),
      options: pool.options,
    },
  });
}

const WRAPPED = Symbol("unavailable-wrapped");

/**
 * The database cannot be reached (refused, reset, timed out, shutting down,
 * SQLSTATE class 08): the command gets `NO [UNAVAILABLE]` (RFC 5530 §3)
 * instead of an internal error. A write whose COMMIT never got its answer
 * was not acknowledged, so no acknowledged data is lost; the pool drops
 * the broken client and the next command connects anew.
 */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === "string" ? err.code : "";
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH)$/.test(code)) {
    return true;
  }
  if (/^08/.test(code) || code === "57P01" || code === "57P02" || code === "57P03") return true;
  const message = typeof err?.message === "string" ? err.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Connection refused/i
    .test(message);
}

function unavailable(e: unknown): unknown {
  return isUnreachable(e)
    ? new StoreError("UNAVAILABLE", "The mail database is unreachable; try again shortly", {
      // The reason stays for the log and for start-up errors, not for the client.
      cause: e,
    })
    : e;
}

/** Makes a pooled client's failed queries report an unreachable database as such (once per client). */
function wrapQuery(client: pg.PoolClient): pg.PoolClient {
  const c = client as pg.PoolClient & { [WRAPPED]?: true };
  if (c[WRAPPED]) return client;
  c[WRAPPED] = true;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // deno-lint-ignore no-explicit-any
  (client as any).query = (...args: unknown[]) => {
    const r = query(...args);
    if (r instanceof Promise) return r.catch((e) => Promise.reject(unavailable(e)));
    return r;
  };
  return client;
}

class PgSchemaTransformer extends OperationNodeTransformer {
  protected override transformDataType(node: DataTypeNode): DataTypeNode {
    if (node.dataType === "integer") return DataTypeNode.create("bigint");
    if (node.dataType === "blob") return DataTypeNode.create("bytea");
    return node;
  }

  protected override transformColumnDefinition(node: ColumnDefinition): ColumnDefinition {
    const out = super.transformColumnDefinition(node);
    const isRowId = node.primaryKey && DataTypeNode.is(node.dataType) &&
      node.dataType.dataType === "integer";
    if (!isRowId) return out;
    return ColumnDefinitionNode.cloneWith(out, {
      generated: GeneratedNode.create({ identity: true, byDefault: true }),
    });
  }

  protected override transformCreateTable(node: CreateTableNode): CreateTableNode {
    const out = super.transformCreateTable(node);
    const endModifiers = out.endModifiers?.filter((m) =>
      !(RawNode.is(m) && m.sqlFragments.join("").trim().toLowerCase() === "without rowid")
    );
    return { ...out, endModifiers };
  }
}

/** Rewrites the SQLite-typed schema statements of the migrations for PostgreSQL (see above). */
export class PgSchemaPlugin implements KyselyPlugin {
  #transformer = new PgSchemaTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
