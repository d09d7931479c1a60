/**
 * Who gets in and which storage account they see, as maddy's imap endpoint
 * decides it (internal/auth/sasl.go, internal/endpoint/imap/imap.go):
 *
 * 1. the SASL username is normalized with `auth_map_normalize` and looked up
 *    in `auth_map`; a miss refuses the login; the result is the name given
 *    to the auth provider(s), tried in order;
 * 2. the *original* SASL username is normalized with
 *    `storage_map_normalize` and looked up in `storage_map`; a miss refuses
 *    the login; the result is the storage account.
 *
 * Abuse limits: every refused login grows a delay per client address and per
 * username (the larger applies) that the IMAP layer waits before it answers.
 * Unknown and known usernames take the same path (the pass_table provider
 * verifies against a dummy hash) and the same delay, and the result never
 * says which step refused.
 */
import type { ImapEndpointConfig } from "../config/types.ts";
import { buildTable } from "../tables/build.ts";
import type { Table } from "../tables/table.ts";
import { verifyPassword } from "./hash.ts";
import { getNormalizer, type Normalizer } from "./normalize.ts";
import { type AuthProvider, buildAuthProvider, getDummyHash } from "./providers.ts";

export type LoginResult =
  | { ok: true; authName: string; storageAccount: string }
  | { ok: false; reason: "failed" | "unavailable"; delayMs: number };

/** A reasonable bound on failed logins per connection before it is closed. */
export const DEFAULT_MAX_FAILURES_PER_CONNECTION = 3;

export interface LimiterOptions {
  /** Delay after the first failure; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A failure count is forgotten this long after its last failure. */
  forgetAfterMs: number;
  /** Bound on remembered addresses plus usernames (least recently used go). */
  maxEntries: number;
}

export const DEFAULT_LIMITS: LimiterOptions = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  forgetAfterMs: 15 * 60_000,
  maxEntries: 10_000,
};

interface Entry {
  failures: number;
  last: number;
}

/**
 * Failure counts per client address and per username, in memory, bounded in
 * size. The clock is injectable so tests need no waiting.
 */
export class FailureLimiter {
  readonly options: LimiterOptions;
  #entries = new Map<string, Entry>();
  #now: () => number;

  constructor(options: Partial<LimiterOptions> = {}, now: () => number = () => performance.now()) {
    this.options = { ...DEFAULT_LIMITS, ...options };
    this.#now = now;
  }

  /** The delay due now for this address and username (0 when clean). */
  delayFor(address: string, username: string): number {
    const n = Math.max(this.#count(`a:${address}`), this.#count(`u:${username}`));
    if (n === 0) return 0;
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(n - 1, 30));
  }

  recordFailure(address: string, username: string): void {
    this.#bump(`a:${address}`);
    this.#bump(`u:${username}`);
  }

  /** A success clears the username's count; the address keeps its record. */
  recordSuccess(_address: string, username: string): void {
    this.#entries.delete(`u:${username}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  #count(key: string): number {
    const e = this.#entries.get(key);
    if (!e) return 0;
    if (this.#now() - e.last > this.options.forgetAfterMs) {
      this.#entries.delete(key);
      return 0;
    }
    return e.failures;
  }

  #bump(key: string): void {
    const failures = this.#count(key) + 1;
    this.#entries.delete(key); // re-insert: Map order is the LRU order
    this.#entries.set(key, { failures, last: this.#now() });
    while (this.#entries.size > this.options.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}

export interface AuthenticatorOptions {
  providers: AuthProvider;
  authMap: Table;
  authNormalize: Normalizer;
  storageMap: Table;
  storageNormalize: Normalizer;
  limiter?: FailureLimiter;
}

export class Authenticator {
  readonly limiter: FailureLimiter;
  #o: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.limiter = options.limiter ?? new FailureLimiter();
  }

  /**
   * Checks a username and password from LOGIN or AUTHENTICATE. `authzid` is
   * PLAIN's authorization identity: empty, or the same user (compared after
   * auth normalization); acting as someone else is refused, as maddy does.
   */
  async login(
    username: string,
    password: string,
    clientAddress: string,
    authzid = "",
  ): Promise<LoginResult> {
    let limitKey = username.toLowerCase();
    const refuse = (reason: "failed" | "unavailable"): LoginResult => {
      if (reason === "failed") this.limiter.recordFailure(clientAddress, limitKey);
      return { ok: false, reason, delayMs: this.limiter.delayFor(clientAddress, limitKey) };
    };

    let authKey: string;
    try {
      authKey = this.#o.authNormalize(username);
    } catch {
      return refuse("failed");
    }
    limitKey = authKey;
    if (authzid !== "" && authzid !== username) {
      let same = false;
      try {
        same = this.#o.authNormalize(authzid) === authKey;
      } catch { /* not the same */ }
      if (!same) return refuse("failed");
    }

    let authName: string | null;
    try {
      authName = await this.#o.authMap.lookup(authKey);
    } catch {
      return refuse("unavailable");
    }
    if (authName === null) {
      // Cost what a provider check costs, so a miss is not told by time.
      await verifyPassword(password, await getDummyHash());
      return refuse("failed");
    }

    const result = await this.#o.providers.authenticate(authName, password);
    if (result !== "ok") return refuse(result);

    let storageAccount: string | null;
    try {
      storageAccount = await this.#o.storageMap.lookup(this.#o.storageNormalize(username));
    } catch (e) {
      // A normalizer refusing the name is a refusal; a table error is not.
      return refuse(e instanceof Error && e.name === "NormalizeError" ? "failed" : "unavailable");
    }
    if (storageAccount === null || storageAccount === "") return refuse("failed");

    this.limiter.recordSuccess(clientAddress, limitKey);
    return { ok: true, authName, storageAccount };
  }

  async close(): Promise<void> {
    await this.#o.providers.close?.();
    await this.#o.authMap.close?.();
    if (this.#o.storageMap !== this.#o.authMap) await this.#o.storageMap.close?.();
  }
}

/** The parts of an endpoint's config that decide who gets in. */
export type AuthDirectives = Pick<
  ImapEndpointConfig,
  "auth" | "authMap" | "authMapNormalize" | "storageMap" | "storageMapNormalize"
>;

/**
 * Builds the Authenticator for an endpoint from its translated directives
 * (lib/config applied maddy's defaults and the inherited globals).
 */
export async function createAuthenticator(
  directives: AuthDirectives,
  limiter?: FailureLimiter,
): Promise<Authenticator> {
  const opened: { close?(): Promise<void> }[] = [];
  try {
    const providers = await buildAuthProvider(directives.auth);
    opened.push(providers);
    const authMap = await buildTable(directives.authMap);
    opened.push(authMap);
    const storageMap = await buildTable(directives.storageMap);
    return new Authenticator({
      providers,
      authMap,
      authNormalize: getNormalizer(directives.authMapNormalize),
      storageMap,
      storageNormalize: getNormalizer(directives.storageMapNormalize),
      limiter,
    });
  } catch (e) {
    for (const o of opened) await o.close?.();
    throw e;
  }
}
