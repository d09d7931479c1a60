/**
 * Listeners of every endpoint, the PROXY protocol step, TLS wrapping, the
 * set of open connections, and graceful shutdown.
 *
 * PROXY protocol policy: with `proxy_protocol` on, a connection from a
 * trusted source (every source when `trust` is empty) is read for a v1 or
 * v2 header before anything else (at most HEADER_WAIT_MS; a TLS
 * ClientHello or an IMAP byte means "no header"), and the header's source
 * address becomes the client address. An untrusted source is never waited
 * on and its header is never honoured: on tcp:// it reaches the session as
 * its first line, which gets "* BYE" and the connection is closed; on
 * tls:// it fails the TLS handshake. A header that is malformed closes
 * the connection.
 */
import type { ListenAddress } from "../config/config.ts";
import { cidrContains } from "../config/cidr.ts";
import { parseProxyHeader } from "../wire/proxy_protocol.ts";
import { Connection } from "./connection.ts";
import type { Endpoint } from "./endpoint.ts";
import type { Logger } from "./log.ts";
import { TlsManager } from "./tls.ts";
import { ConnTransport, type Transport } from "./transport.ts";

/** How long a trusted source has to send its PROXY header. */
export const HEADER_WAIT_MS = 5000;

interface ListeningSocket {
  listener: Deno.Listener;
  address: ListenAddress;
  endpoint: Endpoint;
  /** The bound address as text, port 0 resolved: "tcp://127.0.0.1:40123". */
  bound: string;
}

export class ImapServer {
  readonly #log: Logger;
  readonly #endpoints: Endpoint[];
  readonly #sockets: ListeningSocket[] = [];
  readonly #connections = new Set<Connection>();
  readonly #accepting = new Set<Promise<void>>();
  readonly #proxyTls = new Map<Endpoint, TlsManager>();
  #stopping = false;

  constructor(endpoints: Endpoint[], log: Logger) {
    this.#endpoints = endpoints;
    this.#log = log;
  }

  /** Bound addresses, with port 0 resolved. */
  get addresses(): string[] {
    return this.#sockets.map((s) => s.bound);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Opens every listener; on failure closes those already open and throws. */
  async start(): Promise<void> {
    try {
      for (const endpoint of this.#endpoints) {
        const pp = endpoint.config.proxyProtocol;
        if (pp?.tls) this.#proxyTls.set(endpoint, await TlsManager.create(pp.tls, endpoint.log));
        for (const address of endpoint.config.listen) {
          if (address.scheme === "unix") await removeStaleSocket(address.path);
          const listener = address.scheme === "unix"
            ? Deno.listen({ transport: "unix", path: address.path })
            : Deno.listen({ hostname: address.hostname, port: address.port, transport: "tcp" });
          const bound = boundText(address, listener.addr);
          this.#sockets.push({ listener, address, endpoint, bound });
          this.#log.info(`listening on ${bound}`, { endpoint: endpoint.config.path });
        }
      }
    } catch (err) {
      for (const s of this.#sockets) s.listener.close();
      this.#sockets.length = 0;
      throw err;
    }
    for (const socket of this.#sockets) {
      const loop = this.#acceptLoop(socket);
      this.#accepting.add(loop);
      loop.finally(() => this.#accepting.delete(loop));
    }
  }

  async #acceptLoop(socket: ListeningSocket): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await socket.listener.accept();
      } catch (err) {
        if (this.#stopping) return;
        this.#log.error("accept failed", { reason: (err as Error).message });
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#stopping) {
        conn.close();
        continue;
      }
      this.#serve(socket, conn).catch((err) => {
        if (socket.endpoint.config.ioErrors || socket.endpoint.config.debug) {
          socket.endpoint.log.error("connection setup failed", { reason: (err as Error).message });
        }
        try {
          conn.close();
        } catch { /* already closed */ }
      });
    }
  }

  async #serve(socket: ListeningSocket, conn: Deno.Conn): Promise<void> {
    const endpoint = socket.endpoint;
    const peer = peerAddress(conn.remoteAddr);
    let clientAddress = peer;
    let transport: Transport = new ConnTransport(conn);
    let head: Uint8Array = new Uint8Array(0);

    const pp = endpoint.config.proxyProtocol;
    if (pp && (pp.trust.length === 0 || pp.trust.some((c) => cidrContains(c, peer)))) {
      const proxyTls = this.#proxyTls.get(endpoint);
      if (proxyTls) transport = await transport.startTls(await proxyTls.socketOptions());
      const header = await readProxyHeader(transport);
      if (header.kind === "invalid") {
        endpoint.log.info("closing connection: bad PROXY header", { peer, reason: header.message });
        transport.close();
        return;
      }
      head = header.rest;
      if (header.source) clientAddress = header.source;
      if (header.pending) transport = new PendingReadTransport(transport, header.pending);
    }

    if (socket.address.scheme === "tls") {
      transport = await transport.startTls(await endpoint.tls!.socketOptions(), head);
      head = new Uint8Array(0);
    }

    const connection = new Connection(endpoint, transport, clientAddress);
    if (head.length > 0) connection.reader.push(head);
    if (clientAddress !== peer) connection.log.debug("proxied", { peer });
    this.#connections.add(connection);
    try {
      await connection.run();
    } finally {
      this.#connections.delete(connection);
    }
  }

  /**
   * Stops accepting, says BYE to every session (after its command in
   * flight), waits up to `timeoutMs`, then cuts what is left.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    for (const s of this.#sockets) {
      try {
        s.listener.close();
      } catch { /* already closed */ }
    }
    const open = [...this.#connections];
    for (const c of open) c.shutdown();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(open.map((c) => c.done)), timeout]);
    clearTimeout(timer);
    for (const c of this.#connections) c.abort();
    await Promise.race([
      Promise.all(open.map((c) => c.done)),
      new Promise((r) => setTimeout(r, 500)),
    ]);
  }
}

/** Hands out a read that was already under way before the session's own reads. */
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
      if (chunk) {
        const joined = new Uint8Array(first.length + chunk.length);
        joined.set(first);
        joined.set(chunk, first.length);
        first = joined;
      }
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
    /** A read still under way when the wait ended; its bytes belong to the session. */
    pending?: Promise<Uint8Array | null>;
  }
  | { kind: "invalid"; message: string };

/** Reads until the PROXY header is complete, absent, or invalid. */
async function readProxyHeader(transport: Transport): Promise<HeaderOutcome> {
  let buf = new Uint8Array(0);
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
      // Nothing (or only part of a header) came: a direct client waiting for our greeting.
      if (buf.length === 0) return { kind: "ok", source: null, rest: buf, pending: read };
      return { kind: "invalid", message: "incomplete PROXY header" };
    }
    if (chunk === null) return { kind: "invalid", message: "connection closed before the header" };
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf);
    next.set(chunk, buf.length);
    buf = next;
  }
}
