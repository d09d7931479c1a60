/**
 * The `[storage.imapsql.NAME]` slice of the config: maddy's `storage.imapsql`
 * directives translated into a frozen, typed `ImapSqlOptions` (types.ts);
 * the store receives that object and never sees TOML.
 */
import { ConfigError } from "./errors.ts";
import {
  expectBoolean,
  expectInteger,
  expectString,
  expectTable,
  parseDuration,
  parseNormalizer,
  parseSize,
  rejectUnknownKeys,
  type Table,
} from "./values.ts";
import {
  type Compression,
  type Dsn,
  type ImapSqlOptions,
  type MsgStore,
  type NormalizerName,
  type QuotaDefaults,
} from "./types.ts";

const KEYS = [
  "driver",
  "dsn",
  "msg_store",
  "compression",
  "appendlimit",
  "quota",
  "junk_mailbox",
  "disable_recent",
  "sqlite_cache_size",
  "sqlite_mmap_size",
  "sqlite_busy_timeout",
  "delivery_map",
  "delivery_normalize",
  "debug",
] as const;

/**
 * `sqlite_mmap_size` unless configured: none. Reads of the database's pages
 * through memory mapped from the file instead of a pread() and a copy each
 * took the store thread's CPU for a first-sync FETCH of 2,000 messages from
 * 19 to 12 ms and for 200 bodies from 26 to 17 ms, but every page read stays
 * mapped and counts in the server's RSS and PSS (80 MB more after a few
 * rounds of the quick bench): docs/performance.md. Up to 2 GiB when set
 * (SQLite cuts a larger value to its limit).
 */
const DEFAULT_MMAP_SIZE = 0;

const BUILTIN_TABLES = [
  "identity",
  "email_localpart",
  "email_localpart_optional",
  "email_with_domain",
];

const ALGORITHMS = ["zstd", "deflate", "gzip", "brotli"] as const;

function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

function resolvePath(stateDir: string, path: string): string {
  return isAbsolute(path) ? path : `${stateDir.replace(/\/+$/, "")}/${path}`;
}

function parseDsn(value: unknown, path: string, stateDir: string): Dsn {
  const text = expectString(value, path).trim();
  if (text === "") throw new ConfigError(path, "expected a DSN, got an empty string");
  if (text === ":memory:" || text === "file::memory:") return { kind: "memory" };
  if (/^(libsql|https?|wss?):\/\//i.test(text)) return { kind: "remote", url: text };
  if (/^postgres(ql)?:\/\//i.test(text)) {
    throw new ConfigError(path, `a postgres:// DSN needs driver = "postgres"`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new ConfigError(path, `unsupported DSN scheme in ${JSON.stringify(text)}`);
  }
  let file = text.startsWith("file:") ? text.slice("file:".length) : text;
  // "file:" URIs may carry query parameters (mode=ro, ...); we take none.
  if (file.includes("?")) {
    throw new ConfigError(path, `DSN parameters are not supported in ${JSON.stringify(text)}`);
  }
  if (file.startsWith("//")) file = file.slice(2);
  if (file === "") throw new ConfigError(path, `missing file name in ${JSON.stringify(text)}`);
  return { kind: "file", path: resolvePath(stateDir, file) };
}

/**
 * `postgres://` or `postgresql://` URL (libpq's form: user, password, host,
 * port, database, `?sslmode=…`); other forms, such as `host=… dbname=…`,
 * are refused here rather than misread later.
 */
function parsePostgresDsn(value: unknown, path: string): Dsn {
  const text = expectString(value, path).trim();
  if (!/^postgres(ql)?:\/\//i.test(text)) {
    throw new ConfigError(
      path,
      `driver "postgres" expects a postgres://user:password@host:port/database DSN`,
    );
  }
  try {
    new URL(text);
  } catch {
    throw new ConfigError(path, "not a valid postgres:// URL");
  }
  return { kind: "postgres", url: text };
}

function parseMsgStore(value: unknown, path: string, stateDir: string): MsgStore {
  const args = Array.isArray(value) ? value : [value];
  const kind = expectString(args[0], Array.isArray(value) ? `${path}[0]` : path);
  if (kind === "db") {
    if (args.length !== 1) throw new ConfigError(path, `"db" takes no argument`);
    return { kind: "db" };
  }
  if (kind === "fs") {
    if (args.length > 2) throw new ConfigError(path, `"fs" takes one directory`);
    const dir = args.length === 2 ? expectString(args[1], `${path}[1]`) : "messages";
    if (dir.trim() === "") throw new ConfigError(`${path}[1]`, "expected a directory");
    return { kind: "fs", dir: resolvePath(stateDir, dir) };
  }
  throw new ConfigError(
    path,
    `unknown message store ${JSON.stringify(kind)} (expected "db" or "fs")`,
  );
}

/**
 * quota = { storage = SIZE, messages = N }: the default QUOTA (RFC 9208) of
 * every account of the storage; either may be left out (no limit). maddy has
 * no such directive; `imap-acct quota` sets an account's own limits.
 */
function parseQuota(value: unknown, path: string): QuotaDefaults {
  const table = expectTable(value, path);
  rejectUnknownKeys(table, ["storage", "messages"], path);
  return Object.freeze({
    storage: table.storage === undefined ? null : parseSize(table.storage, `${path}.storage`),
    messages: table.messages === undefined
      ? null
      : expectInteger(table.messages, `${path}.messages`),
  });
}

function parseCompression(value: unknown, path: string): Compression {
  const args = Array.isArray(value) ? value : [value];
  const name = expectString(args[0], Array.isArray(value) ? `${path}[0]` : path);
  if (name === "off") {
    if (args.length !== 1) throw new ConfigError(path, `"off" takes no level`);
    return { algorithm: "off" };
  }
  const algorithm = ALGORITHMS.find((a) => a === name);
  if (!algorithm) {
    throw new ConfigError(
      path,
      `unknown compression ${JSON.stringify(name)} (expected "off", ${ALGORITHMS.join(", ")})`,
    );
  }
  if (args.length > 2) throw new ConfigError(path, "expected an algorithm and at most a level");
  const level = args.length === 2 ? expectInteger(args[1], `${path}[1]`, -7) : null;
  const max = algorithm === "zstd" ? 22 : algorithm === "brotli" ? 11 : 9;
  if (level !== null && level > max) {
    throw new ConfigError(`${path}[1]`, `level ${level} is out of range for ${algorithm}`);
  }
  return { algorithm, level };
}

function parseTableRef(value: unknown, path: string): string {
  const text = expectString(value, path);
  if (BUILTIN_TABLES.includes(text)) return text;
  if (/^&[A-Za-z0-9_.-]+$/.test(text)) return text;
  throw new ConfigError(
    path,
    `unknown table ${JSON.stringify(text)} (expected ${BUILTIN_TABLES.join(", ")} or "&name")`,
  );
}

/** Validates the `storage.imapsql` table at `path`; relative paths resolve against `stateDir`. */
export function parseImapSqlConfig(
  table: Record<string, unknown>,
  path: string,
  ctx: { stateDir: string },
): ImapSqlOptions {
  rejectUnknownKeys(table as Table, KEYS, path);
  const at = (key: string) => (path ? `${path}.${key}` : key);

  let driver: "libsql" | "postgres" = "libsql";
  if (table.driver !== undefined) {
    const d = expectString(table.driver, at("driver"));
    if (d === "postgres" || d === "postgresql") {
      driver = "postgres";
    } else if (d !== "libsql" && d !== "sqlite3") {
      throw new ConfigError(
        at("driver"),
        `unsupported driver ${
          JSON.stringify(d)
        } (expected "libsql", "sqlite3", "postgres" or "postgresql")`,
      );
    }
  }
  // maddy's "sqlite3" is our "libsql": the same SQLite file format.
  let dsn: Dsn;
  if (driver === "postgres") {
    if (table.dsn === undefined) throw new ConfigError(at("dsn"), `driver "postgres" needs a dsn`);
    dsn = parsePostgresDsn(table.dsn, at("dsn"));
  } else {
    dsn = parseDsn(table.dsn ?? "imapsql.db", at("dsn"), ctx.stateDir);
  }
  const msgStore = table.msg_store === undefined
    ? { kind: "db" as const }
    : parseMsgStore(table.msg_store, at("msg_store"), ctx.stateDir);
  if (msgStore.kind === "fs" && dsn.kind === "remote") {
    throw new ConfigError(at("msg_store"), "msg_store fs needs a local database, not a remote DSN");
  }
  if (msgStore.kind === "fs" && dsn.kind === "postgres") {
    // Nodes on one PostgreSQL database share no directory: bodies live in the database.
    throw new ConfigError(at("msg_store"), `msg_store fs is not supported with driver "postgres"`);
  }
  const compression = table.compression === undefined
    ? { algorithm: "off" as const }
    : parseCompression(table.compression, at("compression"));
  const appendLimit = table.appendlimit === undefined
    ? 32 * 1024 * 1024
    : parseSize(table.appendlimit, at("appendlimit"));
  if (appendLimit < 1) throw new ConfigError(at("appendlimit"), "expected a size of at least 1");
  const quota = table.quota === undefined
    ? Object.freeze({ storage: null, messages: null })
    : parseQuota(table.quota, at("quota"));
  const junkMailbox = table.junk_mailbox === undefined
    ? "Junk"
    : expectString(table.junk_mailbox, at("junk_mailbox"));
  if (junkMailbox.trim() === "") throw new ConfigError(at("junk_mailbox"), "expected a name");
  const disableRecent = table.disable_recent === undefined
    ? false
    : expectBoolean(table.disable_recent, at("disable_recent"));
  const sqliteCacheSize = table.sqlite_cache_size === undefined
    ? 0
    : expectInteger(table.sqlite_cache_size, at("sqlite_cache_size"), -(2 ** 31));
  const sqliteMmapSize = table.sqlite_mmap_size === undefined
    ? DEFAULT_MMAP_SIZE
    : parseSize(table.sqlite_mmap_size, at("sqlite_mmap_size"));
  if (sqliteMmapSize < 0) throw new ConfigError(at("sqlite_mmap_size"), "expected a size");
  let sqliteBusyTimeoutMs = 5000;
  if (typeof table.sqlite_busy_timeout === "string") {
    sqliteBusyTimeoutMs = parseDuration(table.sqlite_busy_timeout, at("sqlite_busy_timeout"));
  } else if (table.sqlite_busy_timeout !== undefined) {
    // maddy takes a bare number of milliseconds.
    sqliteBusyTimeoutMs = expectInteger(table.sqlite_busy_timeout, at("sqlite_busy_timeout"));
  }
  const deliveryMap = table.delivery_map === undefined
    ? "identity"
    : parseTableRef(table.delivery_map, at("delivery_map"));
  const deliveryNormalize: NormalizerName = table.delivery_normalize === undefined
    ? "precis_casefold_email"
    : parseNormalizer(table.delivery_normalize, at("delivery_normalize"));
  const debug = table.debug === undefined ? false : expectBoolean(table.debug, at("debug"));

  return Object.freeze({
    driver,
    dsn: Object.freeze(dsn),
    msgStore: Object.freeze(msgStore),
    compression: Object.freeze(compression),
    appendLimit,
    quota,
    junkMailbox,
    disableRecent,
    sqliteCacheSize,
    sqliteMmapSize,
    sqliteBusyTimeoutMs,
    deliveryMap,
    deliveryNormalize,
    debug,
  });
}
