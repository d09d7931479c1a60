/**
 * Translates the TOML configuration (CONFIG.md's rules) into one frozen,
 * typed `Config` (types.ts), module bodies included (modules.ts,
 * storage.ts). Subsystems get their slice and never see TOML.
 */
import { parse as parseToml } from "smol-toml";
import { ConfigError } from "./errors.ts";
import { parseCidr } from "../net/cidr.ts";
import {
  describe,
  expectBoolean,
  expectInteger,
  expectString,
  expectStringList,
  expectTable,
  isTable,
  parseDuration,
  parseNormalizer,
  parseSize,
  rejectUnknownKeys,
  type Table,
} from "./values.ts";
import {
  MODULE_TYPES,
  ModuleScope,
  type RawModule,
  translateAuthList,
  translateStorage,
  translateTable,
} from "./modules.ts";
import { parseLmtpSections } from "./lmtp.ts";
import type {
  Config,
  ImapEndpointConfig,
  ListenAddress,
  LogTarget,
  NormalizerName,
  OpenMetricsConfig,
  ProxyProtocolConfig,
  TlsCertificate,
  TlsConfig,
  TlsVersion,
} from "./types.ts";

export type * from "./types.ts";
export { MODULE_TYPES };

const TOP_KEYS = [
  "hostname",
  "state_dir",
  "tls",
  "debug",
  "log",
  "log_format",
  "auth_map",
  "auth_map_normalize",
  "imap",
  "lmtp",
  "openmetrics",
  "storage",
  "auth",
  "table",
];

const IMAP_KEYS = [
  "listen",
  "tls",
  "proxy_protocol",
  "io_debug",
  "io_errors",
  "debug",
  "insecure_auth",
  "sasl_login",
  "auth",
  "storage",
  "auth_map",
  "auth_map_normalize",
  "storage_map",
  "storage_map_normalize",
  "autologout",
  "login_timeout",
  "idle_timeout",
  "shutdown_timeout",
  "max_line_length",
  "max_command_size",
  "max_command_size_before_login",
  "max_search_keys",
  "max_search_size",
  "max_connections",
  "max_connections_per_ip",
];

const TLS_VERSIONS: Record<string, TlsVersion> = {
  "tls1.0": "TLSv1",
  "tls1.1": "TLSv1.1",
  "tls1.2": "TLSv1.2",
  "tls1.3": "TLSv1.3",
};
/** What Deno's TLS stack (rustls) can offer. */
const RUNTIME_TLS: readonly TlsVersion[] = ["TLSv1.2", "TLSv1.3"];
const VERSION_ORDER: readonly TlsVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/** The environment variable naming the config file when --config is not given. */
export const CONFIG_ENV = "IMAPD_CONFIG";

/** Reads and translates a config file; errors carry the file and, where found, the line. */
export async function loadConfig(file: string): Promise<Config> {
  let source: string;
  try {
    source = await Deno.readTextFile(file);
  } catch (err) {
    throw new ConfigError("", `cannot read the config file: ${(err as Error).message}`, file);
  }
  return parseConfig(source, file);
}

export function parseConfig(source: string, file: string): Config {
  let doc: Table;
  try {
    doc = parseToml(source) as Table;
  } catch (err) {
    const e = err as { line?: number; message: string };
    const first = e.message.split("\n")[0];
    throw new ConfigError("", `invalid TOML: ${first}`, file, e.line);
  }
  try {
    return translate(doc, file);
  } catch (err) {
    if (err instanceof ConfigError && !err.file) {
      throw err.inFile(file, locateKey(source, err.keyPath));
    }
    throw err;
  }
}

function dirOf(file: string): string {
  const i = file.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : file.slice(0, i);
}

export function resolvePath(base: string, path: string): string {
  return path.startsWith("/") ? path : `${base}/${path}`.replace(/\/\.\//g, "/");
}

function translate(doc: Table, file: string): Config {
  rejectUnknownKeys(doc, TOP_KEYS, "");
  const baseDir = dirOf(file);
  const stateDir = resolvePath(
    baseDir,
    doc.state_dir === undefined ? "data" : expectString(doc.state_dir, "state_dir"),
  );
  const hostname = doc.hostname === undefined
    ? Deno.hostname()
    : expectString(doc.hostname, "hostname");
  const debug = doc.debug === undefined ? false : expectBoolean(doc.debug, "debug");
  const log = parseLog(doc.log, baseDir);
  let logFormat: "text" | "json" = "text";
  if (doc.log_format !== undefined) {
    const f = expectString(doc.log_format, "log_format");
    if (f !== "text" && f !== "json") {
      throw new ConfigError("log_format", `expected "text" or "json", got ${JSON.stringify(f)}`);
    }
    logFormat = f;
  }
  const globalTls = doc.tls === undefined ? null : parseTls(doc.tls, "tls", baseDir);
  const globalAuthMap = doc.auth_map ?? "identity";
  const globalAuthNormalize = doc.auth_map_normalize === undefined
    ? "auto"
    : parseNormalizer(doc.auth_map_normalize, "auth_map_normalize");

  const rawModules = collectModules(doc);
  const scope = new ModuleScope(stateDir, rawModules);

  let imapTables: { table: Table; path: string }[];
  if (doc.imap === undefined) {
    throw new ConfigError("imap", "missing: at least one [imap] endpoint is required");
  } else if (Array.isArray(doc.imap)) {
    imapTables = doc.imap.map((t, i) => ({
      table: expectTable(t, `imap[${i}]`),
      path: `imap[${i}]`,
    }));
    if (imapTables.length === 0) throw new ConfigError("imap", "at least one endpoint is required");
  } else {
    imapTables = [{ table: expectTable(doc.imap, "imap"), path: "imap" }];
  }

  const endpoints = imapTables.map(({ table, path }) =>
    parseEndpoint(table, path, {
      baseDir,
      globalTls,
      globalDebug: debug,
      globalAuthMap,
      globalAuthNormalize,
      modules: rawModules,
      scope,
    })
  );

  const lmtp = parseLmtpSections(doc.lmtp, {
    hostname,
    globalDebug: debug,
    scope,
    parseListenAddress,
  });

  const seen = new Map<string, string>();
  for (const ep of [...endpoints, ...lmtp]) {
    for (const addr of ep.listen) {
      if (addr.scheme !== "unix" && addr.port === 0) continue; // each gets its own port
      const other = seen.get(addr.text);
      if (other) {
        throw new ConfigError(`${ep.path}.listen`, `${addr.text} is already used by ${other}`);
      }
      seen.set(addr.text, ep.path);
    }
  }

  // Blocks no endpoint uses are translated too: their mistakes stop start-up as well.
  const modules = scope.all();
  const openmetrics = parseOpenMetrics(doc.openmetrics, seen);
  return deepFreeze({
    file,
    hostname,
    stateDir,
    debug,
    log,
    logFormat,
    endpoints,
    lmtp,
    openmetrics,
    modules,
  });
}

/** `[openmetrics]`: maddy's `openmetrics tcp://127.0.0.1:9749`. Plain HTTP over TCP only. */
function parseOpenMetrics(
  value: unknown,
  used: Map<string, string>,
): OpenMetricsConfig | null {
  if (value === undefined) return null;
  const t = expectTable(value, "openmetrics");
  rejectUnknownKeys(t, ["listen"], "openmetrics");
  if (t.listen === undefined) {
    throw new ConfigError("openmetrics.listen", "missing: a listen address is required");
  }
  const listen = expectStringList(t.listen, "openmetrics.listen").map((a, i) => {
    const path = Array.isArray(t.listen) ? `openmetrics.listen[${i}]` : "openmetrics.listen";
    const addr = parseListenAddress(a, path);
    if (addr.scheme !== "tcp") {
      throw new ConfigError(path, `${JSON.stringify(a)}: metrics are served over tcp:// only`);
    }
    const other = addr.port === 0 ? undefined : used.get(addr.text);
    if (other) throw new ConfigError(path, `${addr.text} is already used by ${other}`);
    return { hostname: addr.hostname, port: addr.port, text: addr.text };
  });
  if (listen.length === 0) {
    throw new ConfigError("openmetrics.listen", "at least one address is required");
  }
  return { listen };
}

interface EndpointContext {
  baseDir: string;
  globalTls: TlsConfig | "off" | null;
  globalDebug: boolean;
  globalAuthMap: unknown;
  globalAuthNormalize: NormalizerName;
  modules: ReadonlyMap<string, RawModule>;
  scope: ModuleScope;
}

function parseEndpoint(t: Table, path: string, ctx: EndpointContext): ImapEndpointConfig {
  rejectUnknownKeys(t, IMAP_KEYS, path);
  if (t.listen === undefined) {
    throw new ConfigError(`${path}.listen`, "missing: a listen address is required");
  }
  const listen = expectStringList(t.listen, `${path}.listen`).map((a, i) =>
    parseListenAddress(a, Array.isArray(t.listen) ? `${path}.listen[${i}]` : `${path}.listen`)
  );
  if (listen.length === 0) {
    throw new ConfigError(`${path}.listen`, "at least one address is required");
  }

  const ownTls = t.tls === undefined ? undefined : parseTls(t.tls, `${path}.tls`, ctx.baseDir);
  const tlsSetting = ownTls === undefined ? ctx.globalTls : ownTls;
  const tls = tlsSetting === "off" ? null : tlsSetting;
  const tlsListener = listen.find((l) => l.scheme === "tls");
  if (tlsListener && !tls) {
    throw new ConfigError(
      `${path}.tls`,
      `${tlsListener.text} needs a TLS certificate: set [${path}.tls] or a global tls`,
    );
  }

  const bool = (key: string, fallback: boolean) =>
    t[key] === undefined ? fallback : expectBoolean(t[key], `${path}.${key}`);

  const insecureAuthDefaulted = t.insecure_auth === undefined && !tls;
  const insecureAuth = bool("insecure_auth", !tls);

  for (const key of ["auth", "storage"]) {
    if (t[key] === undefined) {
      throw new ConfigError(`${path}.${key}`, `missing: ${key} is required`);
    }
  }
  checkRefs(t.auth, `${path}.auth`, ctx.modules, "auth");
  checkRefs(t.storage, `${path}.storage`, ctx.modules, "storage");
  const authMap = t.auth_map ?? ctx.globalAuthMap;
  const storageMap = t.storage_map ?? "identity";
  checkRefs(authMap, `${path}.auth_map`, ctx.modules, "table");
  checkRefs(storageMap, `${path}.storage_map`, ctx.modules, "table");

  const duration = (key: string, fallback: number, min = 0) => {
    if (t[key] === undefined) return fallback;
    const ms = parseDuration(t[key], `${path}.${key}`);
    if (ms < min) {
      throw new ConfigError(`${path}.${key}`, `must be at least ${min / 60000} minutes`);
    }
    return ms;
  };

  const storage = translateStorage(t.storage, `${path}.storage`, ctx.scope);
  const size = (key: string, fallback: number) => {
    if (t[key] === undefined) return fallback;
    const n = parseSize(t[key], `${path}.${key}`);
    if (n < 1) throw new ConfigError(`${path}.${key}`, "expected a size of at least 1");
    return n;
  };
  const count = (key: string, fallback: number) =>
    t[key] === undefined ? fallback : expectInteger(t[key], `${path}.${key}`, 1);
  const maxLineLength = size("max_line_length", 64 * 1024);

  return {
    path,
    listen,
    tls,
    proxyProtocol: t.proxy_protocol === undefined
      ? null
      : parseProxyProtocol(t.proxy_protocol, `${path}.proxy_protocol`, ctx.baseDir),
    ioDebug: bool("io_debug", false),
    ioErrors: bool("io_errors", false),
    debug: bool("debug", ctx.globalDebug),
    insecureAuth,
    insecureAuthDefaulted,
    saslLogin: bool("sasl_login", false),
    auth: translateAuthList(t.auth, `${path}.auth`, ctx.scope),
    storage,
    appendLimit: storage.options.appendLimit,
    authMap: translateTable(authMap, `${path}.auth_map`, ctx.scope),
    authMapNormalize: t.auth_map_normalize === undefined
      ? ctx.globalAuthNormalize
      : parseNormalizer(t.auth_map_normalize, `${path}.auth_map_normalize`),
    storageMap: translateTable(storageMap, `${path}.storage_map`, ctx.scope),
    storageMapNormalize: t.storage_map_normalize === undefined
      ? "auto"
      : parseNormalizer(t.storage_map_normalize, `${path}.storage_map_normalize`),
    // RFC 3501 §5.4: the autologout timer of an authenticated session is at least 30 minutes.
    autologoutMs: duration("autologout", 30 * 60_000, 30 * 60_000),
    loginTimeoutMs: duration("login_timeout", 60_000),
    idleTimeoutMs: duration("idle_timeout", 60 * 60_000, 30 * 60_000),
    shutdownTimeoutMs: duration("shutdown_timeout", 10_000),
    maxLineLength,
    maxCommandSize: size("max_command_size", 1024 * 1024),
    maxCommandSizeBeforeLogin: size("max_command_size_before_login", 64 * 1024),
    maxSearchKeys: count("max_search_keys", 1000),
    maxSearchSize: size("max_search_size", 64 * 1024),
    maxConnections: count("max_connections", 5000),
    maxConnectionsPerIp: count("max_connections_per_ip", 500),
  };
}

export function parseListenAddress(text: string, path: string): ListenAddress {
  const m = /^(tcp|tls|unix):\/\/(.*)$/.exec(text);
  if (!m) {
    throw new ConfigError(
      path,
      `invalid address ${
        JSON.stringify(text)
      } (expected tcp://host:port, tls://host:port or unix:///path)`,
    );
  }
  const [, scheme, rest] = m;
  if (scheme === "unix") {
    if (!rest.startsWith("/")) {
      throw new ConfigError(
        path,
        `invalid address ${JSON.stringify(text)}: a unix path must be absolute`,
      );
    }
    return { scheme: "unix", path: rest, text };
  }
  const hp = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]/]*)):(\d{1,5})$/.exec(rest);
  const port = hp ? Number(hp[3]) : NaN;
  if (!hp || port > 65535) {
    throw new ConfigError(path, `invalid address ${JSON.stringify(text)} (expected host:port)`);
  }
  const hostname = hp[1] ?? (hp[2] === "" ? "0.0.0.0" : hp[2]);
  return { scheme: scheme as "tcp" | "tls", hostname, port, text };
}

const TLS_KEYS = ["cert", "key", "certificates", "protocols"];

function parseTls(value: unknown, path: string, baseDir: string): TlsConfig | "off" {
  if (value === "off") return "off";
  if (typeof value === "string") {
    throw new ConfigError(
      path,
      `expected "off" or a table with cert and key, got ${describe(value)}`,
    );
  }
  const t = expectTable(value, path);
  rejectUnknownKeys(t, TLS_KEYS, path);
  const certificates: TlsCertificate[] = [];
  if (t.cert !== undefined || t.key !== undefined) {
    if (t.cert === undefined) {
      throw new ConfigError(`${path}.cert`, "missing: key is set without cert");
    }
    if (t.key === undefined) {
      throw new ConfigError(`${path}.key`, "missing: cert is set without key");
    }
    certificates.push({
      cert: resolvePath(baseDir, expectString(t.cert, `${path}.cert`)),
      key: resolvePath(baseDir, expectString(t.key, `${path}.key`)),
      keyPath: path,
    });
  }
  if (t.certificates !== undefined) {
    if (!Array.isArray(t.certificates)) {
      throw new ConfigError(
        `${path}.certificates`,
        `expected an array of tables, got ${describe(t.certificates)}`,
      );
    }
    t.certificates.forEach((c, i) => {
      const p = `${path}.certificates[${i}]`;
      const ct = expectTable(c, p);
      rejectUnknownKeys(ct, ["cert", "key"], p);
      certificates.push({
        cert: resolvePath(baseDir, expectString(ct.cert, `${p}.cert`)),
        key: resolvePath(baseDir, expectString(ct.key, `${p}.key`)),
        keyPath: p,
      });
    });
  }
  if (certificates.length === 0) {
    throw new ConfigError(
      path,
      'no certificate: set cert and key (or certificates), or tls = "off"',
    );
  }
  let minVersion: TlsVersion = "TLSv1.2";
  let maxVersion: TlsVersion = "TLSv1.3";
  if (t.protocols !== undefined) {
    const list = expectStringList(t.protocols, `${path}.protocols`);
    if (list.length < 1 || list.length > 2) {
      throw new ConfigError(
        `${path}.protocols`,
        "expected one version, or a minimum and a maximum",
      );
    }
    const versions = list.map((v, i) => {
      const p = Array.isArray(t.protocols) ? `${path}.protocols[${i}]` : `${path}.protocols`;
      const version = TLS_VERSIONS[v];
      if (!version) {
        throw new ConfigError(
          p,
          `unknown TLS version ${JSON.stringify(v)} (known: tls1.0, tls1.1, tls1.2, tls1.3)`,
        );
      }
      if (!RUNTIME_TLS.includes(version)) {
        throw new ConfigError(
          p,
          `TLS version ${
            JSON.stringify(v)
          } is not available in this runtime (only tls1.2 and tls1.3)`,
        );
      }
      return version;
    });
    minVersion = versions[0];
    maxVersion = versions[versions.length - 1];
    if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
      throw new ConfigError(`${path}.protocols`, "the minimum version is above the maximum");
    }
  }
  return { certificates, minVersion, maxVersion };
}

function parseProxyProtocol(value: unknown, path: string, baseDir: string): ProxyProtocolConfig {
  // `proxy_protocol = true` enables it for every source, like a bare `proxy_protocol` directive.
  if (value === true) return { trust: [], tls: null };
  const t = expectTable(value, path);
  rejectUnknownKeys(t, ["trust", "tls"], path);
  const trust = t.trust === undefined
    ? []
    : expectStringList(t.trust, `${path}.trust`).map((s, i) => {
      const cidr = parseCidr(s);
      if (!cidr) {
        throw new ConfigError(
          Array.isArray(t.trust) ? `${path}.trust[${i}]` : `${path}.trust`,
          `invalid address or network ${JSON.stringify(s)}`,
        );
      }
      return cidr;
    });
  // The top-level tls is not inherited here (the seed says so).
  const tls = t.tls === undefined ? null : parseTls(t.tls, `${path}.tls`, baseDir);
  return { trust, tls: tls === "off" ? null : tls };
}

function parseLog(value: unknown, baseDir: string): LogTarget[] {
  if (value === undefined) return [{ kind: "stderr" }];
  const list = expectStringList(value, "log");
  return list.map((v) => {
    if (v === "stderr" || v === "off") return { kind: v };
    if (v === "") throw new ConfigError("log", 'expected "stderr", "off" or a file path');
    return { kind: "file", path: resolvePath(baseDir, v) };
  });
}

/** Collects `[storage.imapsql.NAME]`, `[auth.pass_table.NAME]`, `[table.static.NAME]` ... */
function collectModules(doc: Table): Map<string, RawModule> {
  const modules = new Map<string, RawModule>();
  for (const [ns, types] of Object.entries(MODULE_TYPES)) {
    const nsTable = doc[ns];
    if (nsTable === undefined) continue;
    const t = expectTable(nsTable, ns);
    for (const [type, instances] of Object.entries(t)) {
      if (!types.includes(type)) {
        throw new ConfigError(
          `${ns}.${type}`,
          `unknown module "${ns}.${type}" (known: ${types.map((x) => `${ns}.${x}`).join(", ")})`,
        );
      }
      const it = expectTable(instances, `${ns}.${type}`);
      for (const [name, body] of Object.entries(it)) {
        const path = `${ns}.${type}.${name}`;
        if (!isTable(body)) {
          throw new ConfigError(path, `expected a module table [${path}], got ${describe(body)}`);
        }
        const previous = modules.get(name);
        if (previous) {
          throw new ConfigError(path, `module name "${name}" is already used by ${previous.path}`);
        }
        modules.set(name, { type: `${ns}.${type}`, name, body, path });
      }
    }
  }
  return modules;
}

/** Checks that every "&name" in a spec names a module of the namespace. */
function checkRefs(
  spec: unknown,
  path: string,
  modules: ReadonlyMap<string, RawModule>,
  ns: string,
): void {
  if (Array.isArray(spec)) {
    spec.forEach((s, i) => checkRefs(s, `${path}[${i}]`, modules, ns));
    return;
  }
  if (typeof spec === "string" && spec.startsWith("&")) {
    const mod = modules.get(spec.slice(1));
    if (!mod) throw new ConfigError(path, `unknown module reference ${JSON.stringify(spec)}`);
    if (!mod.type.startsWith(`${ns}.`)) {
      throw new ConfigError(
        path,
        `${JSON.stringify(spec)} is a ${mod.type} module, expected a ${ns} module`,
      );
    }
    return;
  }
  if (typeof spec !== "string" && !isTable(spec)) {
    throw new ConfigError(
      path,
      `expected a module reference ("&name"), a module name or a table, got ${describe(spec)}`,
    );
  }
}

/**
 * The line (1-based) of the key path `keyPath` ("imap.tls.cert",
 * "imap[1].listen", "auth.pass_table.x.table.dsn") in the TOML `source`, or
 * of the nearest table or key above it. TOML's ways of writing a key are
 * followed: headers with spaces or quoted parts (`[ storage."x" ]`),
 * dotted keys (`imapsql.x.compression = ...` under `[storage]`), inline
 * tables, and `[[imap]]` arrays of tables (counted, for `imap[1]`).
 */
export function locateKey(source: string, keyPath: string): number | undefined {
  const target = pathSegments(keyPath);
  if (target.length === 0) return undefined;
  const lines = source.split("\n");
  const arrayCounts = new Map<string, number>();
  let table: Segment[] = [];
  let multiline: string | null = null;
  let best = 0;
  let bestLine: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (multiline !== null) {
      if (countOf(line, multiline) % 2 === 1) multiline = null;
      continue;
    }
    let defined: Segment[] | null = null;
    let value = "";
    const header = /^(\[\[?)(.*?)\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      const keys = tomlKey(header[2]);
      if (!keys) continue;
      table = keys.map((name) => ({ name }));
      if (header[1] === "[[") {
        const id = keys.join("\u0000");
        const n = arrayCounts.get(id) ?? 0;
        arrayCounts.set(id, n + 1);
        table[table.length - 1] = { name: keys[keys.length - 1], index: n };
      }
      defined = table;
    } else {
      const eq = keyValueSplit(line);
      if (eq) {
        const keys = tomlKey(eq.key);
        if (keys) defined = [...table, ...keys.map((name) => ({ name }))];
        value = eq.value;
        for (const q of ['"""', "'''"]) if (countOf(value, q) % 2 === 1) multiline = q;
      }
    }
    if (!defined) continue;
    let score = matchLength(defined, target);
    if (score === 0) continue;
    // An inline table on the line may hold the rest: `x = { dsn = "a", compresion = 1 }`.
    while (
      score === defined.length && score < target.length &&
      new RegExp(`[{,]\\s*"?${escapeRegExp(target[score].name)}"?\\s*=`).test(value)
    ) score++;
    if (score > best) {
      best = score;
      bestLine = i + 1;
    }
  }
  return bestLine;
}

interface Segment {
  name: string;
  /** The entry of an array of tables (`[[imap]]`), counted from 0. */
  index?: number;
}

/** "imap[1].tls.protocols[0]" as segments; an index after a name is kept on it. */
function pathSegments(keyPath: string): Segment[] {
  if (!keyPath) return [];
  return keyPath.split(".").map((part) => {
    const m = /^([^[]*)\[(\d+)\]/.exec(part);
    return m ? { name: m[1], index: Number(m[2]) } : { name: part };
  });
}

/**
 * How many leading segments of `defined` match `target`, when all of one
 * is a prefix of the other; else 0. An index counts only where both have one.
 */
function matchLength(defined: Segment[], target: Segment[]): number {
  const n = Math.min(defined.length, target.length);
  for (let i = 0; i < n; i++) {
    const d = defined[i];
    const t = target[i];
    if (d.name !== t.name) return 0;
    if (d.index !== undefined && t.index !== undefined && d.index !== t.index) return 0;
  }
  return n;
}

/** A TOML key (`a."b c".d`, bare or quoted parts) as its parts, or null. */
function tomlKey(text: string): string[] | null {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return null;
    parts.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2] ?? m[3]);
    at = re.lastIndex;
    if (m[4] === "") break;
  }
  return parts.length > 0 && at >= text.length ? parts : null;
}

/** `key = value` split at the first "=" outside quotes, or null. */
function keyValueSplit(line: string): { key: string; value: string } | null {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return null;
    else if (c === "=") return { key: line.slice(0, i), value: line.slice(i + 1) };
  }
  return null;
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function deepFreeze<T>(value: T): T {
  if (ArrayBuffer.isView(value)) return value;
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Map) {
      for (const v of value.values()) deepFreeze(v);
    } else {
      for (const v of Object.values(value)) deepFreeze(v);
    }
  }
  return value;
}
