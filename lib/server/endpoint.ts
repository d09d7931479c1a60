/**
 * What one `[imap]` endpoint's connections share: its config slice, its
 * logger, TLS, and the services behind it (login and storage), reached
 * only through their interfaces.
 */
import type { ImapEndpointConfig } from "../config/types.ts";
import type { MailStore } from "../store/mail_store.ts";
import type { Logger } from "../log.ts";
import type { TlsManager } from "../net/tls.ts";

export type LoginResult =
  | { ok: true; authName: string; storageAccount: string }
  | { ok: false; reason: "failed" | "unavailable"; delayMs: number };

/** Checks credentials and maps the user to a storage account (lib/auth implements it). */
export interface LoginService {
  /** `authzid` is SASL PLAIN's authorization identity ("" for none). */
  login(
    username: string,
    password: string,
    clientAddress: string,
    authzid?: string,
  ): Promise<LoginResult>;
}

/** A SASL server mechanism (lib/auth implements them). */
export type SaslStep =
  | { kind: "challenge"; data: Uint8Array }
  | { kind: "done"; authzid: string; username: string; password: string }
  | { kind: "error"; message: string };

export interface SaslMechanism {
  step(response: Uint8Array | null): SaslStep;
}

/** What the endpoint reports as it works (lib/app.ts feeds it to the metrics). */
export interface EndpointObserver {
  /** A command got its tagged reply after `seconds` (0 when it never reached the parser). */
  commandDone(name: string, result: "ok" | "no" | "bad", seconds: number): void;
}

export interface Endpoint {
  config: ImapEndpointConfig;
  log: Logger;
  tls: TlsManager | null;
  store: MailStore;
  auth: LoginService;
  /** Creates a SASL mechanism by upper-case name, or null if unknown. */
  sasl(name: string): SaslMechanism | null;
  /** Server name and version for ID (RFC 2971) and the greeting. */
  version: string;
  observer?: EndpointObserver;
}
