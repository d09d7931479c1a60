/**
 * The PostgreSQL side of the store: Kysely's `PostgresDialect` over a `pg`
 * pool, with three choices of ours.
 *
 * - Every explicit transaction runs at SERIALIZABLE. The store's writes read
 *   the mailbox row (UIDNEXT, HIGHESTMODSEQ, counts) and write it back in the
 *   same transaction; under SERIALIZABLE two nodes that do so at once cannot
 *   both commit (the loser gets SQLSTATE 40001 and `transact()` in retry.ts
 *   runs it again), so no UID or MODSEQ is handed out twice and quota sums
 *   stay exact. Single statements outside a transaction keep READ COMMITTED.
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
  type DatabaseConnection,
  DataTypeNode,
  type Driver,
  GeneratedNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  type QueryResult,
  RawNode,
  type RootOperationNode,
  type TransactionSettings,
  type UnknownRow,
} from "kysely";
import pg from "pg";

const INT8 = 20;
const NUMERIC = 1700;

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
        // deno-lint-ignore no-explicit-any
        return (pg.types.getTypeParser as any)(oid, format);
      },
    },
  });
  // An idle client's error (the server restarted) must not end the process;
  // the pool drops that client and the next query connects anew.
  pool.on("error", () => {});
  return new SerializablePostgresDialect({ pool });
}

class SerializablePostgresDialect extends PostgresDialect {
  #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new SerializableDriver(this.#config);
  }
}

class SerializableDriver extends PostgresDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await super.beginTransaction(connection, {
      ...settings,
      isolationLevel: settings.isolationLevel ?? "serializable",
    });
  }
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
