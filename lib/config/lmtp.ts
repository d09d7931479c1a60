/**
 * The `[lmtp]` (or `[[lmtp]]`) section: maddy's `lmtp` endpoint translated
 * by CONFIG.md's rules. maddy's endpoint hands mail to a delivery pipeline;
 * ours delivers straight into one storage, named by `deliver_to`, with the
 * storage's own `delivery_map` and `delivery_normalize`.
 */
import { ConfigError } from "./errors.ts";
import {
  expectBoolean,
  expectInteger,
  expectString,
  expectStringList,
  expectTable,
  parseDuration,
  parseSize,
  rejectUnknownKeys,
  type Table,
} from "./values.ts";
import { type ModuleScope, translateStorage, translateTable } from "./modules.ts";
import type { ListenAddress, LmtpEndpointConfig } from "./types.ts";

const LMTP_KEYS = [
  "listen",
  "hostname",
  "deliver_to",
  "max_message_size",
  "max_recipients",
  "plus_folder",
  "allow_remote",
  "io_debug",
  "io_errors",
  "debug",
  "timeout",
  "shutdown_timeout",
];

export interface LmtpContext {
  hostname: string;
  globalDebug: boolean;
  scope: ModuleScope;
  parseListenAddress(text: string, path: string): ListenAddress;
}

/** Translates `doc.lmtp` (absent, one table, or an array of tables). */
export function parseLmtpSections(value: unknown, ctx: LmtpContext): LmtpEndpointConfig[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) {
    return value.map((t, i) => parseLmtp(expectTable(t, `lmtp[${i}]`), `lmtp[${i}]`, ctx));
  }
  return [parseLmtp(expectTable(value, "lmtp"), "lmtp", ctx)];
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function parseLmtp(t: Table, path: string, ctx: LmtpContext): LmtpEndpointConfig {
  rejectUnknownKeys(t, LMTP_KEYS, path);
  const at = (key: string) => `${path}.${key}`;
  const bool = (key: string, fallback: boolean) =>
    t[key] === undefined ? fallback : expectBoolean(t[key], at(key));

  if (t.listen === undefined) {
    throw new ConfigError(at("listen"), "missing: a listen address is required");
  }
  const allowRemote = bool("allow_remote", false);
  const listen = expectStringList(t.listen, at("listen")).map((a, i) => {
    const p = Array.isArray(t.listen) ? `${at("listen")}[${i}]` : at("listen");
    const address = ctx.parseListenAddress(a, p);
    if (address.scheme === "tls") {
      throw new ConfigError(
        p,
        `LMTP listens on tcp:// or unix:// only, not ${JSON.stringify(a)}`,
      );
    }
    if (address.scheme === "tcp" && !allowRemote && !isLoopback(address.hostname)) {
      throw new ConfigError(
        p,
        `${a} is not a loopback address: LMTP has no authentication, so anyone who can ` +
          `connect can deliver mail; set allow_remote = true to allow it`,
      );
    }
    return address;
  });
  if (listen.length === 0) throw new ConfigError(at("listen"), "at least one address is required");

  if (t.deliver_to === undefined) {
    throw new ConfigError(at("deliver_to"), 'missing: deliver_to = "&storage_name" is required');
  }
  const deliverTo = expectString(t.deliver_to, at("deliver_to"));
  if (!deliverTo.startsWith("&")) {
    throw new ConfigError(
      at("deliver_to"),
      `expected a storage module reference ("&name"), got ${JSON.stringify(deliverTo)}`,
    );
  }
  const storage = translateStorage(deliverTo, at("deliver_to"), ctx.scope);

  const maxMessageSize = t.max_message_size === undefined
    ? 32 * 1024 * 1024
    : parseSize(t.max_message_size, at("max_message_size"));
  if (maxMessageSize < 1) throw new ConfigError(at("max_message_size"), "expected at least 1 byte");
  const maxRecipients = t.max_recipients === undefined
    ? 20_000
    : expectInteger(t.max_recipients, at("max_recipients"), 1);
  const duration = (key: string, fallback: number) =>
    t[key] === undefined ? fallback : parseDuration(t[key], at(key));

  return {
    path,
    listen,
    hostname: t.hostname === undefined ? ctx.hostname : expectString(t.hostname, at("hostname")),
    deliverTo: storage,
    // The storage's own keys, so an error names them where they are written.
    deliveryMap: translateTable(
      storage.options.deliveryMap,
      `${storage.path}.delivery_map`,
      ctx.scope,
    ),
    deliveryNormalize: storage.options.deliveryNormalize,
    maxMessageSize,
    maxRecipients,
    plusFolder: bool("plus_folder", false),
    allowRemote,
    ioDebug: bool("io_debug", false),
    ioErrors: bool("io_errors", false),
    debug: bool("debug", ctx.globalDebug),
    timeoutMs: duration("timeout", 5 * 60_000),
    shutdownTimeoutMs: duration("shutdown_timeout", 10_000),
  };
}
