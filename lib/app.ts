/**
 * The composition root: from a translated config to running listeners, and
 * to the stores and credential tables the admin commands act on. `main.ts`
 * calls it; the tests start servers through it too, so they run exactly
 * what a user runs.
 */
import type {
  Config,
  ImapEndpointConfig,
  LmtpEndpointConfig,
  NormalizerName,
  StorageOptions,
  TableOptions,
} from "./config/types.ts";
import { ensurePrivateDir } from "./private_files.ts";
import { ConfigError, ioReason } from "./config/errors.ts";
import { locateKey } from "./config/config.ts";
import type { AccountStore, MailStore } from "./store/mail_store.ts";
import { ThreadedMailStore } from "./store/worker/worker_store.ts";
import { openCredentialsTable } from "./auth/providers.ts";
import type { MutableTable } from "./tables/table.ts";
import { createAuthenticator } from "./auth/authenticator.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import { createSaslMechanism } from "./auth/sasl.ts";
import { ImapServer } from "./server/server.ts";
import type { Endpoint, LoginService } from "./server/endpoint.ts";
import { Metrics } from "./metrics/metrics.ts";
import { type MetricsEndpoint, serveMetrics } from "./metrics/endpoint.ts";
import { Logger } from "./log.ts";
import { TlsManager } from "./net/tls.ts";
import { VERSION } from "./version.ts";
import { buildTable } from "./tables/build.ts";
import { getNormalizer, NormalizeError } from "./auth/normalize.ts";
import { type AccountLookup, Delivery } from "./lmtp/delivery.ts";
import { LmtpServer } from "./lmtp/server.ts";
import type { LmtpEndpoint } from "./lmtp/session.ts";

export interface RunningServer {
  server: ImapServer;
  /** Bound addresses, port 0 resolved. */
  addresses: string[];
  /** The `[lmtp]` server, when configured. */
  lmtp: LmtpServer | null;
  /** Its bound addresses, port 0 resolved. */
  lmtpAddresses: string[];
  /** The stores by module name (tests and the CLI reach them). */
  stores: Map<string, MailStore>;
  metrics: Metrics;
  /** Bound addresses of the `[openmetrics]` endpoint (empty when it is off). */
  metricsAddresses: string[];
  shutdown(): Promise<void>;
}

/**
 * Runs `build`; a ConfigError it throws (a database that will not open, a
 * missing auth helper) is given the config file and the line of its key,
 * like the errors found while translating.
 */
async function locating<T>(config: Config, build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    if (!(err instanceof ConfigError) || err.file) throw err;
    let line: number | undefined;
    try {
      line = locateKey(await Deno.readTextFile(config.file), err.keyPath);
    } catch { /* the file is gone or unreadable: name it without a line */ }
    throw err.inFile(config.file, line);
  }
}

/**
 * Creates `state_dir` (0700) when missing; one that cannot be created, or
 * that is not a directory, stops start-up naming `state_dir`.
 */
export async function ensureStateDir(config: Config): Promise<void> {
  const dir = config.stateDir;
  await locating(config, async () => {
    try {
      await ensurePrivateDir(dir);
    } catch (err) {
      throw new ConfigError("state_dir", `cannot create ${JSON.stringify(dir)}: ${ioReason(err)}`);
    }
    const info = await Deno.stat(dir).catch((err) => {
      throw new ConfigError("state_dir", `cannot use ${JSON.stringify(dir)}: ${ioReason(err)}`);
    });
    if (!info.isDirectory) {
      throw new ConfigError("state_dir", `${JSON.stringify(dir)} exists and is not a directory`);
    }
  });
}

/**
 * A DSN as an error may show it: a file's path, or a remote URL without its
 * password and without an `authToken` parameter.
 */
export function dsnForDisplay(dsn: StorageOptions["options"]["dsn"]): string {
  if (dsn.kind === "memory") return ":memory:";
  if (dsn.kind === "file") return dsn.path;
  try {
    const url = new URL(dsn.url);
    if (url.password) url.password = "***";
    for (const name of [...url.searchParams.keys()]) {
      if (/token|password|secret/i.test(name)) url.searchParams.set(name, "***");
    }
    return url.href.replaceAll("%2A%2A%2A", "***");
  } catch {
    return dsn.url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/**
 * Opens (once per module) the storage an endpoint names. A database that
 * will not open (a file that cannot be created, a server that does not
 * answer) is a ConfigError at the storage's `dsn`, naming the database.
 */
async function openStorage(
  storage: StorageOptions,
  opened: Map<string, MailStore>,
  thread = false,
): Promise<MailStore> {
  const existing = opened.get(storage.key);
  if (existing) return existing;
  let store: MailStore;
  try {
    // The server's store lives on store threads: this thread never loads the
    // SQL store, Kysely or the MIME code (several MB of an idle server's
    // memory); the admin commands load them here when they open a store.
    store = thread
      ? await ThreadedMailStore.open(storage.options)
      : await (await import("./store/imapsql.ts")).openImapSqlStore(storage.options);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const kind = storage.options.dsn.kind;
    const what = kind === "remote" || kind === "postgres" ? "reach" : "open";
    throw new ConfigError(
      `${storage.path}.dsn`,
      `cannot ${what} the database ${dsnForDisplay(storage.options.dsn)}: ${ioReason(err)}`,
    );
  }
  opened.set(storage.key, store);
  return store;
}

/**
 * The server's logger, as the config's `log` and `log_format` say; a log
 * file that cannot be opened stops start-up naming `log`, the file and why.
 */
export async function openLogger(config: Config): Promise<Logger> {
  return await locating(config, () => {
    try {
      return Promise.resolve(Logger.open(config.log, config.debug, config.logFormat));
    } catch (err) {
      // Deno names the path it failed on ("...: open '/var/log/x'"); else the first file.
      const file = /open '([^']+)'/.exec((err as Error).message)?.[1] ??
        config.log.find((t) => t.kind === "file")?.path;
      throw new ConfigError(
        "log",
        `cannot open the log file${file ? ` ${JSON.stringify(file)}` : ""}: ${ioReason(err)}`,
      );
    }
  });
}

/** Builds every endpoint's services and opens the listeners. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  await ensureStateDir(config);
  const stores = new Map<string, MailStore>();
  const authenticators: Authenticator[] = [];
  const closers: (() => Promise<void>)[] = [];
  const metrics = new Metrics();
  let metricsEndpoint: MetricsEndpoint | null = null;
  const closeAll = async () => {
    await metricsEndpoint?.close().catch(() => {});
    for (const a of authenticators) await a.close().catch(() => {});
    for (const c of closers) await c().catch(() => {});
    for (const s of stores.values()) await s.close().catch(() => {});
  };
  let server: ImapServer | null = null;
  let lmtp: LmtpServer | null = null;
  try {
    const endpoints: Endpoint[] = [];
    for (const ep of config.endpoints) {
      endpoints.push(
        await locating(config, () => buildEndpoint(ep, log, stores, authenticators, metrics)),
      );
    }
    const lmtpEndpoints: LmtpEndpoint[] = [];
    for (const ep of config.lmtp) {
      lmtpEndpoints.push(
        await locating(config, () => buildLmtpEndpoint(ep, log, stores, closers, metrics)),
      );
    }
    // IMAP first: its addresses come first in the log, as they did before [lmtp] existed.
    server = new ImapServer(endpoints, log);
    // A listen address that cannot be bound names its key and line (imap.listen, lmtp.listen).
    await locating(config, () => server!.start());
    metrics.addConnectionSource(() => server!.connectionStates());
    metrics.addDatabaseFiles(() => databaseFiles(config));
    if (config.openmetrics) {
      const listen = config.openmetrics.listen;
      metricsEndpoint = await locating(config, () => serveMetrics(listen, metrics, log));
    }
    if (lmtpEndpoints.length > 0) {
      lmtp = new LmtpServer(lmtpEndpoints, log);
      await locating(config, () => lmtp!.start());
    }
    const timeout = Math.max(
      ...config.endpoints.map((e) => e.shutdownTimeoutMs),
      ...config.lmtp.map((e) => e.shutdownTimeoutMs),
    );
    const imapServer = server;
    const lmtpServer = lmtp;
    return {
      server: imapServer,
      addresses: imapServer.addresses,
      lmtp: lmtpServer,
      lmtpAddresses: lmtpServer?.addresses ?? [],
      stores,
      metrics,
      metricsAddresses: metricsEndpoint?.addresses ?? [],
      async shutdown() {
        // Deliveries in flight are answered before the stores close.
        await Promise.all([imapServer.shutdown(timeout), lmtpServer?.shutdown(timeout)]);
        await closeAll();
      },
    };
  } catch (err) {
    // An LMTP address that cannot be bound stops the IMAP listeners already open.
    await server?.shutdown(0);
    await closeAll();
    throw err;
  }
}

async function buildEndpoint(
  ep: ImapEndpointConfig,
  log: Logger,
  stores: Map<string, MailStore>,
  authenticators: Authenticator[],
  metrics: Metrics,
): Promise<Endpoint> {
  const epLog = log.child({}, "imap", ep.debug);
  // The server's store runs on a store thread; the admin commands open theirs in-process.
  const store = await openStorage(ep.storage, stores, true);
  const authenticator = await createAuthenticator(ep);
  authenticators.push(authenticator);
  const tls = ep.tls ? await TlsManager.create(ep.tls, epLog) : null;
  if (!ep.tls && ep.insecureAuthDefaulted) {
    epLog.warn(
      "TLS is off: plain-text authentication is allowed (insecure_auth defaults to true)",
      {
        endpoint: ep.path,
      },
    );
  } else if (ep.insecureAuth && !ep.tls) {
    epLog.warn("insecure_auth is on: passwords may travel unencrypted", { endpoint: ep.path });
  }
  return {
    config: ep,
    log: epLog,
    tls,
    store: instrumented(store, metrics),
    auth: countingLogins(authenticator, metrics),
    sasl: (name) => (name === "PLAIN" || name === "LOGIN" ? createSaslMechanism(name) : null),
    version: VERSION,
    observer: {
      commandDone(name, result, seconds) {
        metrics.commands.inc({ command: name, result });
        metrics.commandSeconds.observe({ command: name }, seconds);
      },
    },
  };
}

async function buildLmtpEndpoint(
  ep: LmtpEndpointConfig,
  log: Logger,
  stores: Map<string, MailStore>,
  closers: (() => Promise<void>)[],
  metrics: Metrics,
): Promise<LmtpEndpoint> {
  const store = await openStorage(ep.deliverTo, stores, true);
  const lookup = await buildDeliveryLookup(ep.deliveryMap, ep.deliveryNormalize, closers);
  return {
    config: ep,
    log: log.child({}, "lmtp", ep.debug),
    delivery: new Delivery(store, lookup, {
      plusFolder: ep.plusFolder,
      observe(outcome, bytes) {
        const result = outcome.ok ? (outcome.duplicate ? "duplicate" : "ok") : outcome.kind;
        metrics.deliveries.inc({ result });
        if (outcome.ok && !outcome.duplicate) metrics.deliveryBytes.inc(bytes);
      },
    }),
  };
}

/**
 * The storage's `delivery_normalize` then `delivery_map`: recipient
 * address to account name. An address the normalizer refuses maps to no
 * account.
 */
async function buildDeliveryLookup(
  map: TableOptions,
  normalizer: NormalizerName,
  closers: (() => Promise<void>)[],
): Promise<AccountLookup> {
  const normalize = getNormalizer(normalizer);
  const table = await buildTable(map);
  closers.push(async () => await table.close?.());
  return async (address) => {
    let key: string;
    try {
      key = normalize(address);
    } catch (err) {
      if (err instanceof NormalizeError) return null;
      throw err;
    }
    return await table.lookup(key);
  };
}

/**
 * What `imapd deliver` delivers through: the first `[lmtp]` endpoint's
 * `deliver_to`, else the first `[imap]` endpoint's storage (with that
 * storage's delivery_map and delivery_normalize).
 */
export async function openAdminDelivery(
  config: Config,
): Promise<{ delivery: Delivery; maxMessageSize: number; close(): Promise<void> }> {
  const ep = config.lmtp[0];
  const storage = ep?.deliverTo ?? config.endpoints[0].storage;
  const map: TableOptions = ep?.deliveryMap ?? deliveryMapOf(config, storage);
  await ensureStateDir(config);
  const store = await locating(config, () => openStorage(storage, new Map()));
  const closers: (() => Promise<void>)[] = [];
  try {
    const lookup = await buildDeliveryLookup(map, storage.options.deliveryNormalize, closers);
    return {
      delivery: new Delivery(store, lookup, { plusFolder: ep?.plusFolder ?? false }),
      maxMessageSize: ep?.maxMessageSize ?? storage.options.appendLimit,
      async close() {
        for (const c of closers) await c().catch(() => {});
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** A storage's delivery_map as table options, for a config without [lmtp]. */
function deliveryMapOf(config: Config, storage: StorageOptions): TableOptions {
  const spec = storage.options.deliveryMap;
  const path = `${storage.path}.delivery_map`;
  if (spec.startsWith("&")) {
    const mod = config.modules.get(spec.slice(1));
    if (mod?.kind !== "table") {
      throw new ConfigError(path, `${JSON.stringify(spec)} does not name a table module`);
    }
    return mod.table;
  }
  if (spec === "identity" || spec === "email_localpart" || spec === "email_localpart_optional") {
    return { path, name: null, module: spec };
  }
  throw new ConfigError(path, `${JSON.stringify(spec)} needs an [lmtp] section to be translated`);
}

/** Counts each login attempt by its result. */
function countingLogins(auth: LoginService, metrics: Metrics): LoginService {
  return {
    async login(username, password, clientAddress, authzid) {
      const result = await auth.login(username, password, clientAddress, authzid);
      metrics.logins.inc({ result: result.ok ? "ok" : result.reason });
      return result;
    },
  };
}

/**
 * The endpoint's view of a store: it times every store request a session
 * makes (by method) and counts the messages and bytes APPEND stores.
 */
function instrumented(store: MailStore, metrics: Metrics): MailStore {
  const timed = <T>(method: string, promise: Promise<T>): Promise<T> => {
    const start = performance.now();
    const done = () =>
      metrics.storeRequestSeconds.observe({ method }, (performance.now() - start) / 1000);
    promise.then(done, done);
    return promise;
  };
  // One view per account store, so every session of an account holds the same
  // object (the shared mailbox index, lib/server/mailbox_index.ts, is kept by it).
  const views = new WeakMap<AccountStore, AccountStore>();
  const account = (a: AccountStore): AccountStore => {
    let view = views.get(a);
    if (!view) views.set(a, view = instrument(a));
    return view;
  };
  const instrument = (a: AccountStore): AccountStore =>
    new Proxy(a, {
      get(target, prop) {
        if (prop === "append") {
          return async (...args: Parameters<AccountStore["append"]>) => {
            const result = await timed("append", target.append(...args));
            metrics.appends.inc();
            metrics.appendBytes.inc(args[1].content.length);
            return result;
          };
        }
        // MULTIAPPEND's one request is timed under "append" too: one APPEND, one request.
        if (prop === "appendAll" || prop === "appendByName") {
          return async (...args: Parameters<AccountStore["appendAll" | "appendByName"]>) => {
            const result = await timed(
              "append",
              // deno-lint-ignore no-explicit-any
              (target[prop] as (...a: any[]) => Promise<unknown>)(...args),
            );
            // appendByName's null: no such mailbox, nothing appended.
            if (result !== null) {
              metrics.appends.inc(args[1].length);
              metrics.appendBytes.inc(args[1].reduce((n, m) => n + m.content.length, 0));
            }
            return result;
          };
        }
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          // Requests answer with a promise; fetch (a stream) and watch are left as they are.
          return result instanceof Promise ? timed(String(prop), result) : result;
        };
      },
    });
  const wrapped = new WeakMap<AccountStore, AccountStore>();
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "openAccount") {
        return async (...args: Parameters<MailStore["openAccount"]>) => {
          const a = await timed("openAccount", target.openAccount(...args));
          if (!a) return a;
          // One wrapper per account, as the store keeps one account object:
          // sessions of an account share it (idle_poll.ts keys on it).
          let w = wrapped.get(a);
          if (!w) wrapped.set(a, w = account(a));
          return w;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The database files of the storages the endpoints use (file DSNs), WAL included. */
function databaseFiles(config: Config): string[] {
  const paths = new Set<string>();
  for (const ep of config.endpoints) {
    const dsn = ep.storage.options.dsn;
    if (dsn.kind === "file") paths.add(dsn.path);
  }
  return [...paths].flatMap((path) => [path, `${path}-wal`]);
}

/** The storage the admin commands act on: `[storage.imapsql.NAME]` named by `block`, else the first endpoint's. */
export async function openAdminStore(config: Config, block?: string): Promise<MailStore> {
  let storage = config.endpoints[0].storage;
  if (block !== undefined) {
    const mod = config.modules.get(block);
    if (mod?.kind !== "storage") throw noBlock(config, block, "storage", "storage.imapsql");
    storage = mod.storage;
  }
  await ensureStateDir(config);
  return await locating(config, () => openStorage(storage, new Map()));
}

/** Opens one storage in this process, for `imapd health`. */
export async function openStorageOf(config: Config, storage: StorageOptions): Promise<MailStore> {
  return await locating(config, () => openStorage(storage, new Map()));
}

/** `--cfg-block NAME` names no block of the kind the command needs: say which there are. */
function noBlock(config: Config, block: string, kind: string, type: string): ConfigError {
  const names = [...config.modules.values()]
    .filter((m) => m.kind === kind && (m.kind !== "auth" || m.auth.module === "pass_table"))
    .map((m) => m.name);
  return new ConfigError(
    "",
    `--cfg-block ${JSON.stringify(block)}: the config has no [${type}.${block}] block` +
      ` (${type} blocks: ${names.length > 0 ? names.join(", ") : "none"})`,
    config.file,
  );
}

/** The credentials table the `creds` command acts on (maddy's --cfg-block, default local_authdb). */
export async function openAdminCredentials(
  config: Config,
  block?: string,
): Promise<MutableTable | null> {
  await ensureStateDir(config);
  // Default: the first pass_table the first endpoint authenticates with, else local_authdb.
  const name = block ??
    config.endpoints[0].auth.find((a) => a.module === "pass_table" && a.name !== null)?.name ??
    "local_authdb";
  const mod = config.modules.get(name);
  if (block !== undefined && (mod?.kind !== "auth" || mod.auth.module !== "pass_table")) {
    throw noBlock(config, block, "auth", "auth.pass_table");
  }
  if (!mod) throw new ConfigError("", `unknown module reference ${JSON.stringify(`&${name}`)}`);
  if (mod.kind !== "auth" || mod.auth.module !== "pass_table") {
    throw new ConfigError(mod.path, `[${mod.type}.${mod.name}] is not an auth.pass_table block`);
  }
  const passTable = mod.auth;
  return await locating(config, () => openCredentialsTable(passTable));
}

export { Logger };
