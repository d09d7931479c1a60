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
  ModuleDefinition,
} from "./config/config.ts";
import { ConfigError } from "./config/errors.ts";
import { expectString, isTable } from "./config/values.ts";
import type { MailStore } from "./store/mail_store.ts";
import { type ImapSqlOptions, openImapSqlStore, parseImapSqlConfig } from "./store/imapsql.ts";
import { buildAuthProvider, openCredentialsTable } from "./auth/providers.ts";
import { buildTable, type ModuleContext, type MutableTable } from "./auth/tables.ts";
import { getNormalizer, NormalizeError } from "./auth/normalize.ts";
import { Authenticator } from "./auth/authenticator.ts";
import { createSaslMechanism } from "./auth/sasl.ts";
import { ImapServer } from "./server/server.ts";
import type { Endpoint } from "./server/endpoint.ts";
import { Logger } from "./log.ts";
import { TlsManager } from "./net/tls.ts";
import { VERSION } from "./version.ts";
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
  shutdown(): Promise<void>;
}

export function moduleContext(config: Config): ModuleContext {
  return {
    stateDir: config.stateDir,
    resolve(ref: string) {
      const name = ref.startsWith("&") ? ref.slice(1) : ref;
      const mod = config.modules.get(name);
      if (!mod) throw new ConfigError("", `unknown module reference ${JSON.stringify(ref)}`);
      return mod as ModuleDefinition & { body: Record<string, unknown> };
    },
  };
}

/** Opens (once per module) the storage an endpoint names. */
async function openStorage(
  spec: unknown,
  path: string,
  config: Config,
  opened: Map<string, MailStore>,
): Promise<{ key: string; store: MailStore; options: ImapSqlOptions }> {
  let body: Record<string, unknown>;
  let bodyPath: string;
  let key: string;
  if (typeof spec === "string" && spec.startsWith("&")) {
    const mod = config.modules.get(spec.slice(1))!; // the loader checked the reference
    body = mod.body;
    bodyPath = mod.path;
    key = mod.name;
  } else if (isTable(spec)) {
    const module = expectString(spec.module, `${path}.module`);
    if (module !== "imapsql" && module !== "storage.imapsql") {
      throw new ConfigError(
        `${path}.module`,
        `unknown storage module ${JSON.stringify(module)} (known: imapsql)`,
      );
    }
    const { module: _m, ...rest } = spec;
    body = rest;
    bodyPath = path;
    key = `inline:${path}`;
  } else {
    throw new ConfigError(path, 'expected a storage module reference ("&name") or an inline table');
  }
  const options = parseImapSqlConfig(body, bodyPath, { stateDir: config.stateDir });
  const existing = opened.get(key);
  if (existing) return { key, store: existing, options };
  const store = await openImapSqlStore(options);
  opened.set(key, store);
  return { key, store, options };
}

/** Builds every endpoint's services and opens the listeners. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  await Deno.mkdir(config.stateDir, { recursive: true });
  const ctx = moduleContext(config);
  const stores = new Map<string, MailStore>();
  const authenticators: Authenticator[] = [];
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const a of authenticators) await a.close().catch(() => {});
    for (const c of closers) await c().catch(() => {});
    for (const s of stores.values()) await s.close().catch(() => {});
  };
  let lmtp: LmtpServer | null = null;
  try {
    const endpoints: Endpoint[] = [];
    for (const ep of config.endpoints) {
      endpoints.push(await buildEndpoint(ep, config, ctx, log, stores, authenticators));
    }
    const lmtpEndpoints: LmtpEndpoint[] = [];
    for (const ep of config.lmtp) {
      lmtpEndpoints.push(await buildLmtpEndpoint(ep, config, ctx, log, stores, closers));
    }
    if (lmtpEndpoints.length > 0) {
      lmtp = new LmtpServer(lmtpEndpoints, log);
      await lmtp.start();
    }
    const server = new ImapServer(endpoints, log);
    await server.start();
    const timeout = Math.max(
      ...config.endpoints.map((e) => e.shutdownTimeoutMs),
      ...config.lmtp.map((e) => e.shutdownTimeoutMs),
    );
    const lmtpServer = lmtp;
    return {
      server,
      addresses: server.addresses,
      lmtp: lmtpServer,
      lmtpAddresses: lmtpServer?.addresses ?? [],
      stores,
      async shutdown() {
        // Deliveries in flight are answered before the stores close.
        await Promise.all([server.shutdown(timeout), lmtpServer?.shutdown(timeout)]);
        await closeAll();
      },
    };
  } catch (err) {
    await lmtp?.shutdown(0);
    await closeAll();
    throw err;
  }
}

async function buildEndpoint(
  ep: ImapEndpointConfig,
  config: Config,
  ctx: ModuleContext,
  log: Logger,
  stores: Map<string, MailStore>,
  authenticators: Authenticator[],
): Promise<Endpoint> {
  const epLog = log.child({}, "imap", ep.debug);
  const { store } = await openStorage(ep.storage, `${ep.path}.storage`, config, stores);
  const authenticator = new Authenticator({
    providers: await buildAuthProvider(ep.auth, `${ep.path}.auth`, ctx),
    authMap: await buildTable(ep.authMap, `${ep.path}.auth_map`, ctx),
    authNormalize: getNormalizer(ep.authMapNormalize, `${ep.path}.auth_map_normalize`),
    storageMap: await buildTable(ep.storageMap, `${ep.path}.storage_map`, ctx),
    storageNormalize: getNormalizer(ep.storageMapNormalize, `${ep.path}.storage_map_normalize`),
  });
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
    store,
    auth: authenticator,
    sasl: (name) => (name === "PLAIN" || name === "LOGIN" ? createSaslMechanism(name) : null),
    version: VERSION,
  };
}

async function buildLmtpEndpoint(
  ep: LmtpEndpointConfig,
  config: Config,
  ctx: ModuleContext,
  log: Logger,
  stores: Map<string, MailStore>,
  closers: (() => Promise<void>)[],
): Promise<LmtpEndpoint> {
  const { store, options } = await openStorage(
    ep.deliverTo,
    `${ep.path}.deliver_to`,
    config,
    stores,
  );
  const lookup = await buildDeliveryLookup(options, ctx, closers);
  return {
    config: ep,
    log: log.child({}, "lmtp", ep.debug),
    delivery: new Delivery(store, lookup, { plusFolder: ep.plusFolder }),
  };
}

/**
 * The storage's `delivery_normalize` then `delivery_map`: recipient
 * address to account name. An address the normalizer refuses maps to no
 * account.
 */
async function buildDeliveryLookup(
  options: ImapSqlOptions,
  ctx: ModuleContext,
  closers: (() => Promise<void>)[],
): Promise<AccountLookup> {
  const normalize = getNormalizer(options.deliveryNormalize, "delivery_normalize");
  const table = await buildTable(options.deliveryMap, "delivery_map", ctx);
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

/** What `imapd deliver` delivers through: the `deliver_to` storage of the first `[lmtp]` endpoint, else the first endpoint's storage. */
export async function openAdminDelivery(
  config: Config,
): Promise<{ delivery: Delivery; close(): Promise<void> }> {
  const ctx = moduleContext(config);
  const spec = config.lmtp[0]?.deliverTo ?? config.endpoints[0].storage;
  const path = config.lmtp[0]
    ? `${config.lmtp[0].path}.deliver_to`
    : `${config.endpoints[0].path}.storage`;
  const { store, options } = await openStorage(spec, path, config, new Map());
  const closers: (() => Promise<void>)[] = [];
  try {
    const lookup = await buildDeliveryLookup(options, ctx, closers);
    return {
      delivery: new Delivery(store, lookup, { plusFolder: config.lmtp[0]?.plusFolder ?? false }),
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

/** The storage the admin commands act on: `[storage.imapsql.NAME]` named by `block`, else the first endpoint's. */
export async function openAdminStore(config: Config, block?: string): Promise<MailStore> {
  const spec = block ? `&${block}` : config.endpoints[0].storage;
  if (typeof spec === "string" && spec.startsWith("&") && !config.modules.has(spec.slice(1))) {
    throw new ConfigError("", `no storage module named ${JSON.stringify(spec.slice(1))}`);
  }
  const { store } = await openStorage(
    spec,
    `${config.endpoints[0].path}.storage`,
    config,
    new Map(),
  );
  return store;
}

/** The credentials table the `creds` command acts on (maddy's --cfg-block, default local_authdb). */
export async function openAdminCredentials(
  config: Config,
  block?: string,
): Promise<MutableTable | null> {
  await Deno.mkdir(config.stateDir, { recursive: true });
  const ctx = moduleContext(config);
  if (block) return await openCredentialsTable(ctx, block);
  // Default: the first pass_table the first endpoint authenticates with.
  const auth = config.endpoints[0].auth;
  const refs = (Array.isArray(auth) ? auth : [auth]).filter((a): a is string =>
    typeof a === "string" && a.startsWith("&")
  );
  for (const ref of refs) {
    if (config.modules.get(ref.slice(1))?.type === "auth.pass_table") {
      return await openCredentialsTable(ctx, ref.slice(1));
    }
  }
  return await openCredentialsTable(ctx);
}

export { Logger };
