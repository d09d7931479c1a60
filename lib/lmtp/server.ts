/**
 * The LMTP server: one lib/net listener per listen address of every
 * `[lmtp]` endpoint, an `LmtpSession` per connection, graceful shutdown.
 * Without `allow_remote`, a TCP connection from outside loopback is
 * refused before a byte of LMTP is spoken (the config already refuses to
 * bind such an address; this covers wildcard-free surprises such as a
 * port forwarded into a container).
 */
import type { Logger } from "../log.ts";
import { type Accepted, Listener } from "../net/listener.ts";
import { type LmtpEndpoint, LmtpSession } from "./session.ts";
import { drain } from "../net/drain.ts";

const encoder = new TextEncoder();

export class LmtpServer {
  readonly #endpoints: LmtpEndpoint[];
  readonly #log: Logger;
  readonly #listeners: Listener[] = [];
  readonly #sessions = new Set<LmtpSession>();

  constructor(endpoints: LmtpEndpoint[], log: Logger) {
    this.#endpoints = endpoints;
    this.#log = log;
  }

  /** Bound addresses, port 0 resolved. */
  get addresses(): string[] {
    return this.#listeners.map((l) => l.bound);
  }

  async start(): Promise<void> {
    try {
      for (const endpoint of this.#endpoints) {
        for (const address of endpoint.config.listen) {
          const listener = await Listener.bind({
            address,
            keyPath: `${endpoint.config.path}.listen`,
            tls: null,
            proxyProtocol: null,
            log: endpoint.log,
            logSetupErrors: endpoint.config.ioErrors || endpoint.config.debug,
          }, (accepted) => this.#serve(endpoint, accepted));
          this.#listeners.push(listener);
          this.#log.info(`listening on ${listener.bound}`, { endpoint: endpoint.config.path });
        }
      }
    } catch (err) {
      for (const l of this.#listeners) l.close();
      this.#listeners.length = 0;
      throw err;
    }
    for (const l of this.#listeners) l.start();
  }

  async #serve(endpoint: LmtpEndpoint, accepted: Accepted): Promise<void> {
    const { transport, clientAddress, peer, head } = accepted;
    if (peer !== "unix" && !endpoint.config.allowRemote && !isLoopback(peer)) {
      endpoint.log.info("refused a connection from outside loopback", { peer });
      await transport.write([
        encoder.encode("421 4.7.0 LMTP is served to local clients only\r\n"),
      ]).catch(() => {});
      transport.close();
      return;
    }
    const session = new LmtpSession(endpoint, transport, clientAddress);
    if (head.length > 0) session.push(head);
    this.#sessions.add(session);
    try {
      await session.run();
    } finally {
      this.#sessions.delete(session);
    }
  }

  /**
   * Stops accepting, lets every transaction in flight finish and be
   * answered (up to `timeoutMs`), then cuts what is left. A delivery that
   * committed but whose reply was cut is retried by the MTA.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    await drain(this.#listeners, this.#sessions, timeoutMs);
  }
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}
