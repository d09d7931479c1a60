/**
 * The IMAP server: one lib/net listener per listen address of every
 * endpoint, an IMAP `Connection` per accepted connection, the set of open
 * connections, and graceful shutdown. Binding, PROXY protocol and TLS
 * wrapping are lib/net's (see lib/net/listener.ts for the PROXY policy).
 */
import type { Logger } from "../log.ts";
import { type Accepted, Listener } from "../net/listener.ts";
import { TlsManager } from "../net/tls.ts";
import { ConnectionLimiter } from "../net/limits.ts";

/** Greetings of a refused connection (RFC 3501 §7.1.5: BYE as greeting). */
const TOO_MANY = new TextEncoder().encode("* BYE Too many connections; try again later\r\n");
const TOO_MANY_FROM_ADDRESS = new TextEncoder().encode(
  "* BYE Too many connections from your address; try again later\r\n",
);
import { Connection } from "./connection.ts";
import type { Endpoint } from "./endpoint.ts";
import { drain } from "../net/drain.ts";

export class ImapServer {
  readonly #log: Logger;
  readonly #endpoints: Endpoint[];
  readonly #listeners: Listener[] = [];
  readonly #connections = new Set<Connection>();

  constructor(endpoints: Endpoint[], log: Logger) {
    this.#endpoints = endpoints;
    this.#log = log;
  }

  /** Bound addresses, with port 0 resolved. */
  get addresses(): string[] {
    return this.#listeners.map((l) => l.bound);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Open connections by endpoint and session state (for metrics). */
  connectionStates(): { endpoint: string; state: string; count: number }[] {
    const counts = new Map<string, { endpoint: string; state: string; count: number }>();
    for (const c of this.#connections) {
      const endpoint = c.endpoint.config.path;
      const state = c.state.kind;
      const k = `${endpoint}\u0000${state}`;
      const entry = counts.get(k) ?? counts.set(k, { endpoint, state, count: 0 }).get(k)!;
      entry.count++;
    }
    return [...counts.values()];
  }

  /** Opens every listener; on failure closes those already open and throws. */
  async start(): Promise<void> {
    try {
      for (const endpoint of this.#endpoints) {
        const pp = endpoint.config.proxyProtocol;
        const limiter = new ConnectionLimiter(
          endpoint.config.maxConnections,
          endpoint.config.maxConnectionsPerIp,
          endpoint.log,
        );
        const proxyProtocol = pp
          ? { trust: pp.trust, tls: pp.tls ? await TlsManager.create(pp.tls, endpoint.log) : null }
          : null;
        for (const address of endpoint.config.listen) {
          const listener = await Listener.bind({
            address,
            keyPath: `${endpoint.config.path}.listen`,
            tls: endpoint.tls,
            proxyProtocol,
            log: endpoint.log,
            logSetupErrors: endpoint.config.ioErrors || endpoint.config.debug,
            limiter,
            refusal: TOO_MANY,
            // login_timeout runs from connect: set-up takes part of it.
            setupTimeoutMs: endpoint.config.loginTimeoutMs,
          }, (accepted) => this.#serve(endpoint, limiter, accepted));
          this.#listeners.push(listener);
          this.#log.info(`listening on ${listener.bound}`, { endpoint: endpoint.config.path });
        }
      }
    } catch (err) {
      for (const l of this.#listeners) l.close();
      this.#listeners.length = 0;
      throw err;
    }
    for (const listener of this.#listeners) listener.start();
  }

  async #serve(endpoint: Endpoint, limiter: ConnectionLimiter, accepted: Accepted): Promise<void> {
    const { transport, clientAddress } = accepted;
    // Per address once PROXY has named the client; unix sockets have no address.
    const perAddress = clientAddress !== "unix";
    if (perAddress && !limiter.acquireAddress(clientAddress)) {
      await transport.write([TOO_MANY_FROM_ADDRESS]).catch(() => {});
      transport.close();
      return;
    }
    try {
      await this.#run(endpoint, accepted);
    } finally {
      if (perAddress) limiter.releaseAddress(clientAddress);
    }
  }

  async #run(endpoint: Endpoint, accepted: Accepted): Promise<void> {
    const { transport, clientAddress, peer, head } = accepted;
    const connection = new Connection(endpoint, transport, clientAddress, accepted.acceptedAt);
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
    await drain(this.#listeners, this.#connections, timeoutMs);
  }
}
