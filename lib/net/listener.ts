/**
 * One listening socket of any protocol: bind, accept loop, the PROXY
 * protocol step, TLS wrapping for tls:// addresses. What the connection
 * then speaks is the handler's business (IMAP today; LMTP and metrics
 * plug in the same way), so nothing here knows a protocol.
 *
 * PROXY protocol policy: with `proxyProtocol` set, a connection from a
 * trusted source (every source when `trust` is empty) is read for a v1 or
 * v2 header before anything else (at most HEADER_WAIT_MS; a TLS
 * ClientHello or a protocol byte means "no header"), and the header's
 * source address becomes the client address. An untrusted source is never
 * waited on and its header is never honoured: on tcp:// it reaches the
 * handler as its first bytes; on tls:// it fails the TLS handshake. A
 * header that is malformed closes the connection.
 */
import type { ListenAddress } from "../config/types.ts";
import { ConfigError, ioReason } from "../config/errors.ts";
import type { Logger } from "../log.ts";
import { concatBytes } from "../bytes.ts";
import { type Cidr, cidrContains } from "./cidr.ts";
import { parseProxyHeader } from "./proxy_protocol.ts";
import type { TlsManager } from "./tls.ts";
import type { ConnectionLimiter } from "./limits.ts";
import { ConnTransport, type Transport } from "./transport.ts";

/** How long a trusted source has to send its PROXY header. */
export const HEADER_WAIT_MS = 5000;

export interface ProxyProtocolOptions {
  /** Empty: every source is trusted. */
  trust: readonly Cidr[];
  /** TLS between the proxy and us, before the header, or null. */
  tls: TlsManager | null;
}

export interface ListenerOptions {
  address: ListenAddress;
  /** The config key that lists the address (`imap.listen`): a bind failure names it. */
  keyPath?: string;
  /** Certificates for a tls:// address (required there, ignored elsewhere). */
  tls: TlsManager | null;
  proxyProtocol: ProxyProtocolOptions | null;
  /** The endpoint's logger: set-up failures and bad PROXY headers go there. */
  log: Logger;
  /** Whether a connection whose set-up failed (TLS handshake, I/O) is logged. */
  logSetupErrors: boolean;
  /** How long the PROXY header and TLS handshake may take before the socket is closed. */
  setupTimeoutMs?: number;
  /** Counts open connections; one over its total is refused at accept. */
  limiter?: ConnectionLimiter;
  /**
   * What a refused connection is told before the close, on listeners where
   * the protocol speaks first in the clear (tcp:// or unix:// without PROXY);
   * IMAP's is "* BYE ..." (RFC 3501 §7.1.5).
   */
  refusal?: Uint8Array;
}

/** A connection ready for its protocol: TLS done, PROXY header read. */
export interface Accepted {
  transport: Transport;
  /** The client: the PROXY header's source, else the peer ("unix" on unix sockets). */
  clientAddress: string;
  /** The socket's remote address. */
  peer: string;
  /** Bytes already read past the PROXY header; they belong to the protocol. */
  head: Uint8Array;
  /** When the socket was accepted (ms since the epoch): deadlines "from connect" start here. */
  acceptedAt: number;
}

/** Serves one accepted connection; resolves when it is over. */
export type ConnectionHandler = (accepted: Accepted) => Promise<void>;

export class Listener {
  readonly #listener: Deno.Listener;
  readonly #options: ListenerOptions;
  readonly #handler: ConnectionHandler;
  /** The bound address as text, port 0 resolved: "tcp://127.0.0.1:40123". */
  readonly bound: string;
  #closed = false;
  #loop: Promise<void> | null = null;
  #acceptErrors = 0;
  #acceptErrorLogged = 0;

  private constructor(
    listener: Deno.Listener,
    options: ListenerOptions,
    handler: ConnectionHandler,
  ) {
    this.#listener = listener;
    this.#options = options;
    this.#handler = handler;
    this.bound = boundText(options.address, listener.addr);
  }

  /** Binds the address (removing a stale unix socket file first); throws if it cannot. */
  static async bind(options: ListenerOptions, handler: ConnectionHandler): Promise<Listener> {
    const address = options.address;
    if (address.scheme === "tls" && !options.tls) {
      throw new Error(`${address.text} needs TLS certificates`);
    }
    let listener: Deno.Listener;
    try {
      if (address.scheme === "unix") await removeStaleSocket(address.path);
      listener = address.scheme === "unix"
        ? Deno.listen({ transport: "unix", path: address.path })
        : Deno.listen({ hostname: address.hostname, port: address.port, transport: "tcp" });
    } catch (err) {
      // "Address already in use" alone does not say which of the addresses, or where it is set.
      throw new ConfigError(
        options.keyPath ?? "",
        `cannot listen on ${address.text}: ${ioReason(err)}`,
      );
    }
    return new Listener(listener, options, handler);
  }

  /** Starts the accept loop; `done` resolves when the listener is closed. */
  start(): void {
    this.#loop ??= this.#acceptLoop();
  }

  get done(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Stops accepting; connections already handed over go on. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
  }

  async #acceptLoop(): Promise<void> {
    const log = this.#options.log;
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#closed) return;
        // Out of file descriptors, typically: one line a minute, not ten a second.
        const now = Date.now();
        this.#acceptErrors++;
        if (now - this.#acceptErrorLogged >= 60_000) {
          log.error("accept failed", {
            reason: (err as Error).message,
            failures: this.#acceptErrors,
            hint: "lower max_connections below the file descriptor limit",
          });
          this.#acceptErrorLogged = now;
          this.#acceptErrors = 0;
        }
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#closed) {
        conn.close();
        continue;
      }
      const limiter = this.#options.limiter;
      if (limiter && !limiter.acquire(peerAddress(conn.remoteAddr))) {
        this.#refuse(conn);
        continue;
      }
      this.#serve(conn).catch((err) => {
        if (this.#options.logSetupErrors) {
          log.error("connection setup failed", { reason: (err as Error).message });
        }
        try {
          conn.close();
        } catch { /* already closed */ }
      }).finally(() => limiter?.release());
    }
  }

  /** Closes a connection over the limit, after the refusal text where it can be sent in the clear. */
  #refuse(conn: Deno.Conn): void {
    const { address, proxyProtocol, refusal } = this.#options;
    const close = () => {
      try {
        conn.close();
      } catch { /* already closed */ }
    };
    if (!refusal || address.scheme === "tls" || proxyProtocol) return close();
    // One short write, never waited on for long: a flood must not pile up writers.
    const timer = setTimeout(close, 1000);
    conn.write(refusal).catch(() => {}).finally(() => {
      clearTimeout(timer);
      close();
    });
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const setup = this.#setUp(conn);
    const ms = this.#options.setupTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let accepted: Accepted | null;
    try {
      accepted = ms === undefined ? await setup : await Promise.race([
        setup,
        new Promise<never>((_, reject) => {
          // A client that never finishes its TLS handshake or PROXY header
          // must not hold its place for ever (slowloris).
          timer = setTimeout(() => reject(new Error("connection set-up timed out")), ms);
        }),
      ]);
    } catch (err) {
      setup.catch(() => {}); // settles when the socket closes; nothing more to do
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (accepted) await this.#handler(accepted);
  }

  /** PROXY header and TLS: the connection as its protocol will see it, or null if refused. */
  async #setUp(conn: Deno.Conn): Promise<Accepted | null> {
    const acceptedAt = Date.now();
    const { address, proxyProtocol: pp, log } = this.#options;
    const peer = peerAddress(conn.remoteAddr);
    let clientAddress = peer;
    let transport: Transport = new ConnTransport(conn);
    let head: Uint8Array = new Uint8Array(0);

    if (pp && (pp.trust.length === 0 || pp.trust.some((c) => cidrContains(c, peer)))) {
      if (pp.tls) transport = await transport.startTls(await pp.tls.socketOptions());
      const header = await readProxyHeader(transport);
      if (header.kind === "invalid") {
        log.info("closing connection: bad PROXY header", { peer, reason: header.message });
        transport.close();
        return null;
      }
      head = header.rest;
      if (header.source) clientAddress = header.source;
      if (header.pending) transport = new PendingReadTransport(transport, header.pending);
    }

    if (address.scheme === "tls") {
      transport = await transport.startTls(await this.#options.tls!.socketOptions(), head);
      head = new Uint8Array(0);
    }
    return { transport, clientAddress, peer, head, acceptedAt };
  }
}

/** Hands out a read that was already under way before the protocol's own reads. */
class PendingReadTransport implements Transport {
  readonly #inner: Transport;
  #pending: Promise<Uint8Array | null> | null;

  constructor(inner: Transport, pending: Promise<Uint8Array | null>) {
    this.#inner = inner;
    this.#pending = pending;
  }

  get secure(): boolean {
    return this.#inner.secure;
  }

  get tlsProtocol(): string | null {
    return this.#inner.tlsProtocol;
  }

  read(): Promise<Uint8Array | null> {
    const pending = this.#pending;
    if (!pending) return this.#inner.read();
    this.#pending = null;
    return pending;
  }

  write(chunks: Uint8Array[]): Promise<void> {
    return this.#inner.write(chunks);
  }

  close(): void {
    this.#inner.close();
  }

  async startTls(options: import("node:tls").TlsOptions, head?: Uint8Array): Promise<Transport> {
    const pending = this.#pending;
    this.#pending = null;
    let first = head ?? new Uint8Array(0);
    if (pending) {
      const chunk = await pending;
      if (chunk) first = concatBytes([first, chunk]);
    }
    return this.#inner.startTls(options, first);
  }
}

/** A socket file left by a previous run would make listen() fail; other files are left alone. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSocket) await Deno.remove(path);
  } catch { /* nothing there */ }
}

function peerAddress(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") return addr.hostname;
  return "unix";
}

function boundText(address: ListenAddress, addr: Deno.Addr): string {
  if (address.scheme === "unix") return address.text;
  const net = addr as Deno.NetAddr;
  const host = net.hostname.includes(":") ? `[${net.hostname}]` : net.hostname;
  return `${address.scheme}://${host}:${net.port}`;
}

type HeaderOutcome =
  | {
    kind: "ok";
    source: string | null;
    rest: Uint8Array;
    /** A read still under way when the wait ended; its bytes belong to the protocol. */
    pending?: Promise<Uint8Array | null>;
  }
  | { kind: "invalid"; message: string };

/** Reads until the PROXY header is complete, absent, or invalid. */
async function readProxyHeader(transport: Transport): Promise<HeaderOutcome> {
  let buf: Uint8Array = new Uint8Array(0);
  const deadline = Date.now() + HEADER_WAIT_MS;
  for (;;) {
    const r = parseProxyHeader(buf);
    if (r.kind === "header") {
      return { kind: "ok", source: r.source?.address ?? null, rest: buf.slice(r.consumed) };
    }
    if (r.kind === "none") return { kind: "ok", source: null, rest: buf };
    if (r.kind === "invalid") return { kind: "invalid", message: r.message };
    const left = deadline - Date.now();
    const read = transport.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const chunk = await Promise.race([
      read,
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), left))),
    ]);
    clearTimeout(timer);
    if (chunk === "timeout") {
      // Nothing (or only part of a header) came: a direct client waiting for a greeting.
      if (buf.length === 0) return { kind: "ok", source: null, rest: buf, pending: read };
      return { kind: "invalid", message: "incomplete PROXY header" };
    }
    if (chunk === null) return { kind: "invalid", message: "connection closed before the header" };
    // Two parts are always copied: the transport reuses its read buffer.
    buf = concatBytes([buf, chunk]);
  }
}
