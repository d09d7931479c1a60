/** Opens `storage.imapsql`: the database, its migrations, the body files. */
import { type Dialect, Kysely, type KyselyPlugin } from "kysely";
import { ensurePrivateDir, ensurePrivateFile } from "../private_files.ts";
import type { MailStore } from "./mail_store.ts";
import type { ImapSqlOptions } from "./config.ts";
import { BodyFiles } from "./sql/body_files.ts";
import { LibsqlDialect, LibsqlDriver } from "./sql/libsql_dialect.ts";
import { migrate } from "./sql/migrate.ts";
import type { Db } from "./sql/schema.ts";
import type { StoreSql } from "./sql/dialect.ts";
import { sqliteSql } from "./sql/sqlite_sql.ts";
import { SqlMailStore } from "./sql/sql_store.ts";
import { ThreadedMailStore } from "./worker/worker_store.ts";

export type { ImapSqlOptions } from "./config.ts";

/**
 * PostgreSQL connections per store thread. Each thread's transactions run
 * one after another on its writer (the append queue batches), so a few
 * connections serve the reads that go beside them.
 */
const POSTGRES_POOL = 4;

/**
 * Opens the store described by `options`; the caller closes it. With
 * `thread`, the store runs on a store thread of its own (the server's way:
 * see store/worker/worker_store.ts); without, in this thread (the admin CLI).
 */
export async function openImapSqlStore(
  options: ImapSqlOptions,
  { thread = false }: { thread?: boolean } = {},
): Promise<MailStore> {
  return thread ? await ThreadedMailStore.open(options) : await openSqlStore(options);
}

/**
 * The same, typed as the SQL implementation (for the CLI, tests, benchmarks
 * and the store threads, which add their time-slice plugin). `reader`: a
 * second connection beside a writer that is already open (a reader thread):
 * no migrations, no sweep of orphaned body files.
 */
export async function openSqlStore(
  options: ImapSqlOptions,
  extra: { plugins?: KyselyPlugin[]; reader?: boolean; nextTask?: () => Promise<void> } = {},
): Promise<SqlMailStore> {
  const dsn = options.dsn;
  let dialect: Dialect;
  let engine: StoreSql = sqliteSql;
  let preparedStatements: (() => number) | undefined;
  if (dsn.kind === "postgres") {
    // Loaded only for PostgreSQL, like @libsql/client below.
    const { postgresDialect } = await import("./sql/postgres_dialect.ts");
    const { postgresSql } = await import("./sql/postgres_sql.ts");
    dialect = postgresDialect({ url: dsn.url, maxConnections: POSTGRES_POOL });
    engine = postgresSql;
  } else if (dsn.kind === "remote") {
    // Loaded only for a remote DSN: @libsql/client costs about 3 MB of RSS at import.
    const { RemoteLibsqlDriver } = await import("./sql/remote_driver.ts");
    dialect = new LibsqlDialect(new RemoteLibsqlDriver(dsn.url));
  } else {
    if (dsn.kind === "file") {
      const dir = dsn.path.replace(/\/[^/]*$/, "");
      if (dir && dir !== dsn.path) await ensurePrivateDir(dir);
      ensurePrivateFile(dsn.path);
    }
    const driver = new LibsqlDriver({
      path: dsn.kind === "memory" ? ":memory:" : dsn.path,
      busyTimeoutMs: options.sqliteBusyTimeoutMs,
      cacheSize: options.sqliteCacheSize,
      mmapSize: options.sqliteMmapSize,
    });
    dialect = new LibsqlDialect(driver);
    preparedStatements = () => driver.statements?.prepared ?? 0;
  }
  const db = new Kysely<Db>({ dialect, plugins: extra.plugins });
  try {
    if (!extra.reader) await migrate(db, undefined, engine.engine);
    let files: BodyFiles | null = null;
    if (options.msgStore.kind === "fs") {
      // Files are removed only under the write lock, when no row names them
      // (see body_files.ts): BEGIN IMMEDIATE serialises this with every other
      // process's commits.
      files = new BodyFiles(
        options.msgStore.dir,
        (candidates, unlink) =>
          db.transaction().execute(async (trx) => {
            for (const hash of candidates) {
              const row = await trx.selectFrom("bodies").select("id").where("hash", "=", hash)
                .executeTakeFirst();
              if (!row) await unlink(hash);
            }
          }),
      );
      await files.init();
      if (!extra.reader) await files.removeOrphans();
    }
    const store = new SqlMailStore(db, engine, {
      appendLimit: options.appendLimit,
      quota: { ...options.quota },
      disableRecent: options.disableRecent,
      compression: options.compression,
      junkMailbox: options.junkMailbox,
      files,
      preparedStatements,
      nextTask: extra.nextTask,
    });
    if (dsn.kind === "postgres" && !extra.reader) {
      // Changes other nodes commit wake this node's sessions (pg_listen.ts).
      const { PgChangeListener } = await import("./sql/pg_listen.ts");
      const listener = new PgChangeListener(dsn.url, (account, mailbox, modSeq) => {
        store.pollChanged(account, mailbox, modSeq).catch(() => {});
      });
      listener.start();
      store.onClose(() => listener.close());
    }
    return store;
  } catch (e) {
    await db.destroy();
    throw e;
  }
}
