/**
 * Connection limits of one endpoint: the connections open in total (counted
 * from accept, so sockets still in a TLS handshake or a PROXY header wait
 * count too) and per client address (counted once the PROXY header, if
 * any, has named the client). Refusals are logged at most once a second
 * per kind, with the number refused meanwhile, so a flood cannot flood the
 * log.
 */
import type { Logger } from "../log.ts";

/** How often, at most, a kind of refusal is logged. */
const LOG_EVERY_MS = 1000;

export class ConnectionLimiter {
  readonly maxTotal: number;
  readonly maxPerAddress: number;
  readonly #log: Logger;
  #total = 0;
  readonly #perAddress = new Map<string, number>();
  readonly #lastLog = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();

  constructor(maxTotal: number, maxPerAddress: number, log: Logger) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
    this.#log = log;
  }

  get total(): number {
    return this.#total;
  }

  /** Counts an accepted socket; false (and a log line) when max_connections are open. */
  acquire(peer: string): boolean {
    if (this.#total >= this.maxTotal) {
      this.#refused("max_connections", peer, this.maxTotal);
      return false;
    }
    this.#total++;
    return true;
  }

  release(): void {
    this.#total--;
  }

  /** Counts a connection from `address`; false (and a log line) when it has too many open. */
  acquireAddress(address: string): boolean {
    const n = this.#perAddress.get(address) ?? 0;
    if (n >= this.maxPerAddress) {
      this.#refused("max_connections_per_ip", address, this.maxPerAddress);
      return false;
    }
    this.#perAddress.set(address, n + 1);
    return true;
  }

  releaseAddress(address: string): void {
    const n = (this.#perAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, n);
  }

  #refused(limit: string, client: string, max: number): void {
    const now = Date.now();
    if (now - (this.#lastLog.get(limit) ?? 0) < LOG_EVERY_MS) {
      this.#suppressed.set(limit, (this.#suppressed.get(limit) ?? 0) + 1);
      return;
    }
    this.#lastLog.set(limit, now);
    const more = this.#suppressed.get(limit) ?? 0;
    this.#suppressed.delete(limit);
    this.#log.info(`limit: connection refused, ${limit} reached`, {
      client,
      [limit]: max,
      refused_since_last_line: more > 0 ? more : undefined,
    });
  }
}
