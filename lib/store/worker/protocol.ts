/**
 * Messages between the thread that serves sockets and the store thread
 * (`store_thread.ts`). Both sides of `worker_store.ts` speak these and
 * nothing else; everything here survives structured clone.
 *
 * Records travel as JSON text plus an array of byte buffers (transferred,
 * not copied): structured clone of many small objects costs about 5 µs per
 * object, which made FETCH of 100,000 records twice as slow; one string is
 * copied in one piece.
 */
import type { ImapSqlOptions } from "../config.ts";
import type { AccountEvent } from "../mail_store.ts";

/** A store-wide method (no account) or an account method (with `account`). */
export interface CallRequest {
  t: "call";
  id: number;
  /** The account's canonical name, for AccountStore methods. */
  account?: string;
  method: string;
  args: unknown[];
}

export type ToStore =
  /** `reader`: a read-only helper beside the writer thread (see worker_store.ts). */
  | { t: "open"; options: ImapSqlOptions; reader: boolean }
  | CallRequest
  | { t: "fetch"; id: number; account: string; args: unknown[] }
  /** The consumer took a chunk of stream `id`: one more may be sent. */
  | { t: "more"; id: number }
  /** The consumer stopped reading stream `id`. */
  | { t: "cancel"; id: number }
  | { t: "watch"; watch: number; account: string; mailboxId: number }
  /** Every change of the account (NOTIFY); events come back as "event" with this `watch`. */
  | { t: "watchAccount"; watch: number; account: string }
  | { t: "unwatch"; watch: number };

export interface WireError {
  name: string;
  message: string;
  /** StoreError's code. */
  code?: string;
  stack?: string;
  /** The error's cause (a remote DSN's "fetch failed" says why only there). */
  cause?: WireError;
}

export type FromStore =
  | { t: "ready" }
  | { t: "open-failed"; error: WireError }
  | { t: "ok"; id: number; value: unknown }
  /**
   * A reply that is many small plain objects (JSON_REPLIES in store_thread.ts),
   * as one JSON text: structured clone of 1,000 MailboxInfo records cost
   * about 1.6× as much there and back.
   */
  | { t: "json"; id: number; json: string }
  | { t: "err"; id: number; error: WireError }
  /**
   * Records of a fetch stream: JSON text; a byte field is an index into
   * `bins`, or [offset, length] in `pack` (small fields share one buffer).
   */
  | {
    t: "chunk";
    id: number;
    json: string;
    bins: Uint8Array<ArrayBuffer>[];
    pack: Uint8Array<ArrayBuffer> | null;
    done: boolean;
  }
  | { t: "event"; watch: number; event: AccountEvent };

/** Chunks a fetch stream may have in flight before the consumer asks for more. */
export const STREAM_CREDIT = 2;
/**
 * A fetch chunk is sent once it holds this many records or bytes (JSON text
 * and message bytes together). Each chunk is a message each way (the chunk,
 * then "more"), and a message between threads costs 25–350 µs on a busy
 * 2-core machine (the woken thread preempts the sender), so small records
 * travel thousands at a time: `UID FETCH 1:* (UID FLAGS)` of 5,000 messages
 * went from 20 chunks to 1. The byte limit bounds memory for big records.
 */
export const CHUNK_RECORDS = 8192;
export const CHUNK_BYTES = 1 << 20;

/** A byte array ready to transfer: its own whole buffer (a view is copied out first). */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : bytes.slice();
}
