/**
 * The typed, frozen shape of a translated configuration: what every
 * subsystem receives (its slice) instead of TOML. Types only; the
 * translation lives in config.ts (top level and endpoints), modules.ts
 * (auth and table module bodies) and storage.ts (`storage.imapsql`).
 */

/** An IP network: `proxy_protocol.trust` entries (lib/net/cidr.ts parses and matches them). */
export interface Cidr {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export type ListenAddress =
  | { scheme: "tcp" | "tls"; hostname: string; port: number; text: string }
  | { scheme: "unix"; path: string; text: string };

export type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

export interface TlsCertificate {
  cert: string;
  key: string;
  /**
   * The config key that sets this pair (`imap.tls`, `tls.certificates[1]`),
   * so a file that cannot be read at start names it; `cert`/`key` follow it.
   */
  keyPath?: string;
}

export interface TlsConfig {
  /** The first is the default; others are chosen by SNI. */
  certificates: TlsCertificate[];
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
}

export interface ProxyProtocolConfig {
  /** Empty means every source is trusted (maddy's behaviour with no list). */
  trust: Cidr[];
  tls: TlsConfig | null;
}

export interface LogTarget {
  kind: "stderr" | "off" | "file";
  path?: string;
}

/** Username normalization functions (`auth_map_normalize` and friends). */
export const NORMALIZER_NAMES = [
  "auto",
  "precis_casefold_email",
  "precis_casefold",
  "precis_email",
  "precis",
  "casefold",
  "noop",
] as const;

export type NormalizerName = typeof NORMALIZER_NAMES[number];

// ---------------------------------------------------------------------------
// Table modules (maddy-tables(5))

interface TableBase {
  /** Key path of the table's spec, for errors found when it is opened. */
  readonly path: string;
  /** The `[table.TYPE.NAME]` block it came from, or null when inline. */
  readonly name: string | null;
}

export type TableOptions =
  & TableBase
  & (
    | { readonly module: "identity" | "email_localpart" | "email_localpart_optional" }
    | { readonly module: "email_with_domain"; readonly domains: readonly string[] }
    | { readonly module: "static"; readonly entries: ReadonlyMap<string, string> }
    | {
      readonly module: "regexp";
      /** A JavaScript RegExp source (RE2 spellings translated, full match anchored). */
      readonly source: string;
      readonly flags: string;
      readonly replacement: string | null;
      readonly expandPlaceholders: boolean;
    }
    | { readonly module: "file"; readonly file: string }
    | {
      readonly module: "chain";
      readonly steps: readonly { readonly table: TableOptions; readonly optional: boolean }[];
    }
    | {
      readonly module: "sql_query";
      readonly db: SqlDbOptions;
      readonly queries: SqlQueries;
      readonly init: readonly string[];
      readonly namedArgs: boolean;
    }
    | {
      readonly module: "sql_table";
      readonly db: SqlDbOptions;
      readonly tableName: string;
      readonly keyColumn: string;
      readonly valueColumn: string;
    }
  );

export type TableModule = TableOptions["module"];

export interface SqlDbOptions {
  /** "sqlite" for driver libsql/sqlite3, "postgres" for postgres/postgresql. */
  readonly driver: "sqlite" | "postgres";
  /** maddy's dsn, its arguments joined by spaces. */
  readonly dsn: string;
  /** Where a relative DSN lives. */
  readonly stateDir: string;
}

export interface SqlQueries {
  readonly lookup: string;
  readonly list?: string;
  readonly add?: string;
  readonly set?: string;
  readonly del?: string;
}

// ---------------------------------------------------------------------------
// Auth modules

/** Where maddy looks for its helpers (config.LibexecDirectory). */
export const LIBEXEC_DIRECTORY = "/usr/lib/maddy";

export type AuthOptions =
  & { readonly path: string; readonly name: string | null }
  & (
    | { readonly module: "pass_table"; readonly table: TableOptions }
    | {
      readonly module: "external";
      readonly helper: string;
      /** Key path to name when the helper does not exist. */
      readonly helperPath: string;
      readonly perDomain: boolean;
      readonly domains: readonly string[] | null;
    }
    | { readonly module: "pam"; readonly useHelper: boolean }
  );

// ---------------------------------------------------------------------------
// storage.imapsql

export type Compression =
  | { algorithm: "off" }
  | { algorithm: "zstd" | "deflate" | "gzip" | "brotli"; level: number | null };

export type Dsn =
  | { kind: "memory" }
  | { kind: "file"; path: string }
  | { kind: "remote"; url: string }
  /** PostgreSQL (`driver = "postgres"`): a libpq-style URL, password included. */
  | { kind: "postgres"; url: string };

export type MsgStore = { kind: "db" } | { kind: "fs"; dir: string };

/** Default QUOTA limits (RFC 9208) of a storage's accounts: bytes and messages, null for none. */
export interface QuotaDefaults {
  readonly storage: number | null;
  readonly messages: number | null;
}

export interface ImapSqlOptions {
  /** "libsql" (maddy's "sqlite3" is accepted as an alias and normalized). */
  /** "postgres" for a `postgres://` DSN (driver = "postgres"/"postgresql"), else "libsql". */
  readonly driver: "libsql" | "postgres";
  readonly dsn: Dsn;
  readonly msgStore: MsgStore;
  readonly compression: Compression;
  /** Store-wide APPEND limit in bytes. */
  readonly appendLimit: number;
  /** `quota`: every account's default quota; an account may have its own (imap-acct quota). */
  readonly quota: QuotaDefaults;
  readonly junkMailbox: string;
  readonly disableRecent: boolean;
  /** PRAGMA cache_size; 0 keeps SQLite's default. */
  readonly sqliteCacheSize: number;
  /** PRAGMA mmap_size in bytes (libSQL files; 0: reads through pread()). */
  readonly sqliteMmapSize: number;
  /** PRAGMA busy_timeout in milliseconds. */
  readonly sqliteBusyTimeoutMs: number;
  /** Table mapping delivery addresses to accounts: a built-in name or "&ref". */
  readonly deliveryMap: string;
  readonly deliveryNormalize: NormalizerName;
  readonly debug: boolean;
}

/** A storage an endpoint uses: the options, and a key shared by every endpoint naming it. */
export interface StorageOptions {
  /** The module name for `&name`, `inline:PATH` for an inline table. */
  readonly key: string;
  readonly path: string;
  readonly options: ImapSqlOptions;
}

// ---------------------------------------------------------------------------
// Named module blocks and endpoints

export type NamedModule =
  | {
    readonly kind: "storage";
    readonly type: "storage.imapsql";
    readonly name: string;
    readonly path: string;
    readonly storage: StorageOptions;
  }
  | {
    readonly kind: "auth";
    readonly type: string;
    readonly name: string;
    readonly path: string;
    readonly auth: AuthOptions;
  }
  | {
    readonly kind: "table";
    readonly type: string;
    readonly name: string;
    readonly path: string;
    readonly table: TableOptions;
  };

export interface ImapEndpointConfig {
  path: string;
  listen: ListenAddress[];
  tls: TlsConfig | null;
  proxyProtocol: ProxyProtocolConfig | null;
  ioDebug: boolean;
  ioErrors: boolean;
  debug: boolean;
  insecureAuth: boolean;
  /** True when insecure_auth was not set and defaulted to true for lack of TLS. */
  insecureAuthDefaulted: boolean;
  saslLogin: boolean;
  /** Auth providers, tried in order (one, or several for a list). */
  auth: readonly AuthOptions[];
  storage: StorageOptions;
  /**
   * The APPEND limit in bytes this endpoint announces and enforces
   * (RFC 7889): the storage's `appendlimit`, decided here once.
   */
  appendLimit: number;
  authMap: TableOptions;
  authMapNormalize: NormalizerName;
  storageMap: TableOptions;
  storageMapNormalize: NormalizerName;
  /** Auto-logout of an authenticated idle session (RFC 3501 §5.4: at least 30 minutes). */
  autologoutMs: number;
  /** Time a client has to log in after connecting. */
  loginTimeoutMs: number;
  /** How long one IDLE may last before the server ends the connection. */
  idleTimeoutMs: number;
  /** How long shutdown waits for in-flight commands. */
  shutdownTimeoutMs: number;
  maxLineLength: number;
  /** Largest command, literals included, once logged in (an APPEND may carry APPENDLIMIT more). */
  maxCommandSize: number;
  /** Largest command, literals included, before login. */
  maxCommandSizeBeforeLogin: number;
  /** Most search keys in one SEARCH, SORT or THREAD. */
  maxSearchKeys: number;
  /** Most octets of strings in the keys of one SEARCH, SORT or THREAD. */
  maxSearchSize: number;
  /** Most connections open at once on this endpoint. */
  maxConnections: number;
  /** Most connections open at once from one client address. */
  maxConnectionsPerIp: number;
}

/** One `[lmtp]` (or `[[lmtp]]`) delivery endpoint (lmtp.ts translates it). */
export interface LmtpEndpointConfig {
  path: string;
  listen: ListenAddress[];
  /** The name in the greeting and the LHLO reply (the global hostname by default). */
  hostname: string;
  /** The storage `deliver_to` names. */
  deliverTo: StorageOptions;
  /** That storage's `delivery_map`: recipient address (normalized) to account name. */
  deliveryMap: TableOptions;
  deliveryNormalize: NormalizerName;
  /** Largest message accepted, in bytes (SIZE; 552 5.3.4 above it). */
  maxMessageSize: number;
  /** Most recipients in one transaction (452 4.5.3 past it). */
  maxRecipients: number;
  /** `user+detail@` delivers to the mailbox `detail` when it exists. */
  plusFolder: boolean;
  /** Whether tcp:// may listen on, and accept from, addresses other than loopback. */
  allowRemote: boolean;
  ioDebug: boolean;
  ioErrors: boolean;
  debug: boolean;
  /** How long the server waits for a command or message text (RFC 5321 §4.5.3.2: 5 minutes). */
  timeoutMs: number;
  /** How long shutdown waits for transactions in flight. */
  shutdownTimeoutMs: number;
}

export interface OpenMetricsConfig {
  listen: { hostname: string; port: number; text: string }[];
}

export interface Config {
  file: string;
  hostname: string;
  stateDir: string;
  debug: boolean;
  log: LogTarget[];
  /** `log_format`: key=value lines ("text") or one JSON object per line. */
  logFormat: "text" | "json";
  endpoints: ImapEndpointConfig[];
  /** `[lmtp]` / `[[lmtp]]` delivery endpoints (none when the section is absent). */
  lmtp: LmtpEndpointConfig[];
  /** `[openmetrics]`, or null when metrics are not served. */
  openmetrics: OpenMetricsConfig | null;
  /** Every named module block, translated, by name. */
  modules: ReadonlyMap<string, NamedModule>;
}
