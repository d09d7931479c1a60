/**
 * Local delivery: from a recipient address to an account and mailbox, and
 * from a received message to a stored one, through the `MailStore`
 * interface only. The LMTP endpoint and `imapd deliver` share it.
 *
 * Accounts are never created here: nothing has authenticated the sender
 * (maddy's imap page says so of SMTP delivery), so an address that maps to
 * no account is refused.
 *
 * What is guaranteed: a delivery is reported as done only after the
 * store's transaction holding it has committed (the append resolves after
 * COMMIT). A message is stored at least once per accepted recipient. When
 * the process knows its success reply did not reach the MTA (the write
 * failed or the connection was already gone), it remembers the delivery
 * for an hour, and an identical retry for that recipient is answered
 * "delivered" without storing it a second time. A reply lost after it left
 * this process (or a restart in between) can still give a duplicate on the
 * MTA's retry: LMTP offers no transaction id to do better.
 */
import type { AccountStore, MailboxInfo, MailStore } from "../store/mail_store.ts";
import { StoreError } from "../store/mail_store.ts";

/** Maps a recipient address to an account name (normalization and `delivery_map`), or null. */
export type AccountLookup = (address: string) => Promise<string | null>;

export interface Recipient {
  /** The address as the MTA gave it (it goes into Delivered-To). */
  address: string;
  account: AccountStore;
  /** The `+detail` mailbox to try first (plus_folder), or null for INBOX. */
  folder: string | null;
}

export type DeliveryOutcome =
  | { ok: true; mailbox: string; uid: number; duplicate: boolean }
  | { ok: false; kind: "temporary" | "too-big" | "over-quota"; reason: string };

const UNACKED_TTL_MS = 60 * 60 * 1000;
const UNACKED_MAX = 10_000;

export class Delivery {
  readonly #store: MailStore;
  readonly #lookup: AccountLookup;
  readonly #plusFolder: boolean;
  readonly #observe: ((outcome: DeliveryOutcome, bytes: number) => void) | undefined;
  /** Deliveries whose success reply is known not to have reached the MTA: key → expiry. */
  readonly #unacked = new Map<string, number>();

  constructor(
    store: MailStore,
    lookup: AccountLookup,
    options: {
      plusFolder: boolean;
      /** Told of every outcome with the message's size (the metrics). */
      observe?: (outcome: DeliveryOutcome, bytes: number) => void;
    },
  ) {
    this.#store = store;
    this.#lookup = lookup;
    this.#plusFolder = options.plusFolder;
    this.#observe = options.observe;
  }

  /** The store-wide size limit (the store refuses larger messages). */
  get storeLimit(): number {
    return this.#store.appendLimit;
  }

  /**
   * The recipient's account, or null when the address maps to none. The
   * whole address is tried first; then, for `user+detail@domain`, the
   * address without `+detail`. Throws when the lookup or the store fails
   * (a temporary failure).
   */
  async resolve(address: string): Promise<Recipient | null> {
    const direct = await this.#account(address);
    if (direct) return { address, account: direct, folder: null };
    const sub = splitDetail(address);
    if (!sub) return null;
    const base = await this.#account(sub.base);
    if (!base) return null;
    return { address, account: base, folder: this.#plusFolder ? sub.detail : null };
  }

  async #account(address: string): Promise<AccountStore | null> {
    const name = await this.#lookup(address);
    if (name === null || name === "") return null;
    return await this.#store.openAccount(name);
  }

  /**
   * Stores `message` for one recipient with Return-Path and Delivered-To
   * prepended. Never throws: every failure is an outcome.
   */
  async deliver(sender: string, rcpt: Recipient, message: Uint8Array): Promise<DeliveryOutcome> {
    const outcome = await this.#deliver(sender, rcpt, message);
    this.#observe?.(outcome, message.length);
    return outcome;
  }

  async #deliver(sender: string, rcpt: Recipient, message: Uint8Array): Promise<DeliveryOutcome> {
    try {
      const content = withTraceHeaders(sender, rcpt.address, message);
      const mailbox = await this.#mailbox(rcpt);
      if (this.#unacked.size > 0) {
        const key = await deliveryKey(rcpt.account.accountName, mailbox.name, content);
        const expiry = this.#unacked.get(key);
        if (expiry !== undefined) {
          this.#unacked.delete(key);
          if (expiry > Date.now()) {
            return { ok: true, mailbox: mailbox.name, uid: 0, duplicate: true };
          }
        }
      }
      const result = await rcpt.account.append(mailbox.id, { content });
      return { ok: true, mailbox: mailbox.name, uid: result.uid, duplicate: false };
    } catch (err) {
      return failure(err);
    }
  }

  /**
   * Records that the success reply for this delivery did not reach the
   * MTA, so that its retry is not stored again.
   */
  async unacknowledged(sender: string, rcpt: Recipient, mailbox: string, message: Uint8Array) {
    const content = withTraceHeaders(sender, rcpt.address, message);
    const key = await deliveryKey(rcpt.account.accountName, mailbox, content);
    const now = Date.now();
    for (const [k, expiry] of this.#unacked) {
      if (expiry > now && this.#unacked.size < UNACKED_MAX) break;
      this.#unacked.delete(k);
    }
    this.#unacked.set(key, now + UNACKED_TTL_MS);
  }

  async #mailbox(rcpt: Recipient): Promise<MailboxInfo> {
    if (rcpt.folder !== null) {
      const box = await rcpt.account.getMailbox(rcpt.folder);
      if (box) return box;
    }
    const inbox = await rcpt.account.getMailbox("INBOX");
    if (!inbox) {
      throw new StoreError("NONEXISTENT", `Account ${rcpt.account.accountName} has no INBOX`);
    }
    return inbox;
  }
}

function failure(err: unknown): DeliveryOutcome {
  if (err instanceof StoreError) {
    if (err.code === "TOOBIG") return { ok: false, kind: "too-big", reason: err.message };
    if (err.code === "OVERQUOTA") return { ok: false, kind: "over-quota", reason: err.message };
  }
  return { ok: false, kind: "temporary", reason: (err as Error)?.message ?? String(err) };
}

/** `user+detail@domain` → base `user@domain` and detail `detail`; null without a detail. */
export function splitDetail(address: string): { base: string; detail: string } | null {
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  const plus = local.indexOf("+");
  if (plus <= 0 || plus === local.length - 1) return null;
  return {
    base: local.slice(0, plus) + (at < 0 ? "" : address.slice(at)),
    detail: local.slice(plus + 1),
  };
}

const encoder = new TextEncoder();

/**
 * Return-Path (RFC 5321 §4.4: added by the final delivery) and
 * Delivered-To (the recipient as the MTA addressed it, as Postfix and
 * Dovecot write it), before the message's own header.
 */
export function withTraceHeaders(
  sender: string,
  recipient: string,
  message: Uint8Array,
): Uint8Array {
  const head = encoder.encode(`Return-Path: <${sender}>\r\nDelivered-To: ${recipient}\r\n`);
  const out = new Uint8Array(head.length + message.length);
  out.set(head);
  out.set(message, head.length);
  return out;
}

async function deliveryKey(account: string, mailbox: string, content: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", content as Uint8Array<ArrayBuffer>),
  );
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return `${account}\u0000${mailbox}\u0000${hex}`;
}
