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
import type { ListenAddress } from "./config.ts";

export interface LmtpEndpointConfig {
  path: string;
  listen: ListenAddress[];
  /** The name in the greeting and the LHLO reply (the global hostname by default). */
  hostname: string;
  /** Storage spec: "&ref" to a `[storage.imapsql.NAME]` block. */
  deliverTo: string;
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
  /** Named storage modules: the names `deliver_to` may refer to. */
  isStorage(name: string): boolean;
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
  if (!ctx.isStorage(deliverTo.slice(1))) {
    throw new ConfigError(
      at("deliver_to"),
      `${JSON.stringify(deliverTo)} does not name a [storage.imapsql.*] block`,
    );
  }

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
    deliverTo,
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
