/**
 * The composition root: from a translated config to running listeners, and
 * to the stores and credential tables the admin commands act on. `main.ts`
 * calls it; the tests start servers through it too, so they run exactly
 * what a user runs.
 */
import type { Config, ImapEndpointConfig, ModuleDefinition } from "./config/config.ts";
import { ConfigError } from "./config/errors.ts";
import { expectString, isTable } from "./config/values.ts";
import type { MailStore } from "./store/mail_store.ts";
import { openImapSqlStore, parseImapSqlConfig } from "./store/imapsql.ts";
import { buildAuthProvider, openCredentialsTable } from "./auth/providers.ts";
import { buildTable, type ModuleContext, type MutableTable } from "./auth/tables.ts";
import { getNormalizer } from "./auth/normalize.ts";
import { Authenticator } from "./auth/authenticator.ts";
import { createSaslMechanism } from "./auth/sasl.ts";
import { ImapServer } from "./server/server.ts";
import type { Endpoint } from "./server/endpoint.ts";
import { Logger } from "./log.ts";
import { TlsManager } from "./net/tls.ts";
import { VERSION } from "./version.ts";

export interface RunningServer {
  server: ImapServer;
  /** Bound addresses, port 0 resolved. */
  addresses: string[];
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
): Promise<{ key: string; store: MailStore }> {
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
  const existing = opened.get(key);
  if (existing) return { key, store: existing };
  const options = parseImapSqlConfig(body, bodyPath, { stateDir: config.stateDir });
  const store = await openImapSqlStore(options);
  opened.set(key, store);
  return { key, store };
}

/** Builds every endpoint's services and opens the listeners. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  await Deno.mkdir(config.stateDir, { recursive: true });
  const ctx = moduleContext(config);
  const stores = new Map<string, MailStore>();
  const authenticators: Authenticator[] = [];
  const closeAll = async () => {
    for (const a of authenticators) await a.close().catch(() => {});
    for (const s of stores.values()) await s.close().catch(() => {});
  };
  try {
    const endpoints: Endpoint[] = [];
    for (const ep of config.endpoints) {
      endpoints.push(await buildEndpoint(ep, config, ctx, log, stores, authenticators));
    }
    const server = new ImapServer(endpoints, log);
    await server.start();
    const timeout = Math.max(...config.endpoints.map((e) => e.shutdownTimeoutMs));
    return {
      server,
      addresses: server.addresses,
      stores,
      async shutdown() {
        await server.shutdown(timeout);
        await closeAll();
      },
    };
  } catch (err) {
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
