/**
 * The store as the server sees it: domain terms only. UIDs, never sequence
 * numbers; Unicode mailbox names, never modified UTF-7; no IMAP syntax and
 * no Kysely types. `lib/server` depends on this file alone; the SQL
 * implementation lives in `lib/store/sql/`.
 */
import type { BodyStructure, Envelope } from "../mime/types.ts";

/** The hierarchy delimiter of mailbox names, on the wire and in storage. */
export const HIERARCHY_DELIMITER = "/";

/** System flags RFC 3501 §2.3.2 defines that a client may store. */
export const SYSTEM_FLAGS = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"] as const;

/** Bits of `MailboxSnapshot.flags`, one per system flag. */
export const FLAG_BITS = {
  "\\Seen": 1,
  "\\Answered": 2,
  "\\Flagged": 4,
  "\\Deleted": 8,
  "\\Draft": 16,
} as const;

/** Set in a `MailboxSnapshot.flags` byte when the message also has keywords. */
export const FLAG_HAS_KEYWORDS = 64;

/** Special-use attributes of RFC 6154 §2. */
export const SPECIAL_USES = [
  "\\All",
  "\\Archive",
  "\\Drafts",
  "\\Flagged",
  "\\Junk",
  "\\Sent",
  "\\Trash",
] as const;

export type SpecialUse = typeof SPECIAL_USES[number];

/** An inclusive UID range; `to` may exceed the largest UID in use. */
export interface UidRange {
  from: number;
  to: number;
}

/** A set of UIDs as sorted, non-overlapping inclusive ranges. */
export type UidSet = readonly UidRange[];

export interface MailboxInfo {
  id: number;
  /** Full Unicode name with HIERARCHY_DELIMITER; "INBOX" is always spelled so. */
  name: string;
  uidValidity: number;
  uidNext: number;
  highestModSeq: number;
  specialUse: SpecialUse | null;
  subscribed: boolean;
  /**
   * MAILBOXID (RFC 8474 §4): the same for as long as this mailbox exists,
   * across RENAME, and never given to another mailbox.
   */
  objectId: string;
}

/** listMailboxesSince()'s answer. */
export interface MailboxList {
  /**
   * Stands for the account's mailbox names with their special-use
   * attributes and subscription marks as they are now: the same string as
   * long as none of them changes (on this store; another store, or another
   * thread of it, never gives the same string).
   */
  version: string;
  /** Null when `version` is the one the caller gave; else listMailboxes(). */
  mailboxes: MailboxInfo[] | null;
}

export interface MailboxStatus {
  messages: number;
  /** Messages no session has claimed as \Recent yet; always 0 under disable_recent. */
  recent: number;
  unseen: number;
  uidNext: number;
  uidValidity: number;
  highestModSeq: number;
  /** Per-mailbox APPEND limit in bytes (RFC 7889), null for none. */
  appendLimit: number | null;
  /** Sum of the messages' sizes in octets (STATUS SIZE, RFC 8438 §2). */
  size: number;
  /** Messages with \Deleted (STATUS DELETED, RFC 9051 §6.3.11). */
  deleted: number;
  /** Sum of the sizes of the messages with \Deleted (STATUS DELETED-STORAGE, RFC 9208). */
  deletedStorage: number;
}

/**
 * The APPEND limits in force for an account (RFC 7889), as the store decides
 * them: a mailbox's own limit, else the account's own, else the storage's
 * `appendlimit` (`account` already holds that fallback).
 */
export interface AppendLimits {
  /** The account's limit in bytes: its own, else the storage's. */
  account: number;
  /** Mailboxes with a limit of their own, by mailbox id. */
  mailboxes: Readonly<Record<number, number>>;
}

/** The limit for an APPEND to `mailboxId` (null: the mailbox is not known yet). */
export function appendLimitIn(limits: AppendLimits, mailboxId: number | null): number {
  return (mailboxId === null ? undefined : limits.mailboxes[mailboxId]) ?? limits.account;
}

/** The largest APPEND any mailbox of the account accepts (the reader's ceiling). */
export function largestAppendLimit(limits: AppendLimits): number {
  return Math.max(limits.account, ...Object.values(limits.mailboxes));
}

/** Quota limits (RFC 9208 resources): STORAGE in bytes, MESSAGE in messages; null for none. */
export interface QuotaLimits {
  storage: number | null;
  messages: number | null;
}

/** What an account uses: the sum of its messages' sizes in bytes, and their number. */
export interface QuotaUsage {
  storage: number;
  messages: number;
}

/** An account's own setting for one limit: a number, the storage's "default", or "none". */
export type QuotaSetting = number | "default" | "none";

/** An account's quota: what the admin set, the limits in force, and the usage. */
export interface AccountQuota {
  own: { storage: QuotaSetting; messages: QuotaSetting };
  limits: QuotaLimits;
  usage: QuotaUsage;
}

/** The state of a mailbox a session needs on SELECT. */
export interface MailboxSnapshot {
  mailbox: MailboxInfo;
  /** All UIDs in ascending order: sequence number n is uids[n - 1]. */
  uids: Uint32Array;
  /** Keywords and flags in use in the mailbox (for the FLAGS response). */
  flagsInUse: string[];
  /** UID of the first message without \Seen, or null. */
  firstUnseenUid: number | null;
  /**
   * Optional, from stores that keep it compactly: one byte per message,
   * aligned with `uids`: the system flags as FLAG_BITS says, and
   * FLAG_HAS_KEYWORDS when the message has keywords (fetch them with FETCH
   * FLAGS). Lets a session (or a shared mailbox index) know every message's
   * flags at SELECT without reading them one by one.
   */
  flags?: Uint8Array;
  /** Messages no session has claimed as \Recent yet (the session claims with claimRecent). */
  recent: number;
  unseen: number;
  /**
   * Set when the caller named this mailbox in `SelectOptions.indexed`: the
   * store polled it first (so every change committed before has reached the
   * watchers as events) and read no UIDs. `uids` is empty, `flags` absent,
   * `firstUnseenUid`, `unseen` and `recent` are not set from the messages:
   * the caller's index has them. `recentUid` is the \Recent claim counter
   * (null under disable_recent).
   */
  indexed?: { recentUid: number | null };
  /** The watch `SelectOptions.watch` asked for: ends it. */
  unwatch?: () => void;
}

/** Options of selectByName (SELECT and EXAMINE). */
export interface SelectOptions {
  readOnly?: boolean;
  /**
   * Mailboxes whose index the caller keeps in memory (lib/server/mailbox_index.ts):
   * when the name is one of them, the answer is `indexed` (no UID list read).
   */
  indexed?: readonly number[];
  /**
   * Watches the mailbox found, registered before the snapshot is read, so a
   * change committed after the snapshot always arrives as an event (a watch
   * begun after the answer could miss one committed in between).
   * `MailboxSnapshot.unwatch` ends it. Not used with an `indexed` answer.
   */
  watch?: (event: MailboxEvent) => void;
}

/** What FETCH-like readers may ask for; the store loads only what is asked. */
export interface MessageFields {
  flags?: boolean;
  internalDate?: boolean;
  size?: boolean;
  modSeq?: boolean;
  envelope?: boolean;
  bodyStructure?: boolean;
  /** The top-level header block (including its final blank line). */
  header?: boolean;
  /** The whole message, header and body. */
  content?: boolean;
  /** When the message was saved into this mailbox (RFC 8514). */
  saveDate?: boolean;
  /** EMAILID (RFC 8474 §5.1). */
  emailId?: boolean;
  /**
   * Not a field but a filter: only messages whose MODSEQ is above this
   * (CHANGEDSINCE, RFC 7162 §3.1.4.1), chosen by the store in the same
   * request (a search and a fetch would be two trips to the store).
   */
  changedSince?: number;
  /**
   * PREVIEW (RFC 8970): true computes (and stores) a preview not stored yet;
   * "lazy" (§3.2, the LAZY modifier) answers null for it instead.
   */
  preview?: boolean | "lazy";
  /**
   * Not a field but a form: with envelope or bodyStructure (and no content),
   * ENVELOPE and BODYSTRUCTURE as FETCH writes them for a session with
   * UTF8=ACCEPT ("utf8") or without ("ascii"), in `envelopeWire` and
   * `bodyStructureWire`, where the store kept them; the structures otherwise.
   */
  wireForm?: "utf8" | "ascii";
}

export interface MessageRecord {
  uid: number;
  flags?: readonly string[];
  internalDate?: Date;
  size?: number;
  modSeq?: number;
  envelope?: Envelope;
  bodyStructure?: BodyStructure;
  header?: Uint8Array;
  content?: Uint8Array;
  /** Null when the store does not know when the message was saved (RFC 8514 §4.2: NIL). */
  saveDate?: Date | null;
  emailId?: string;
  /** The preview text; null only when asked for "lazy" and not computed yet. */
  preview?: string | null;
  /**
   * With `content`: true when the store knows the message holds no NUL
   * octet, so FETCH need not look for one to map (RFC 3501 §4.3.1).
   */
  nulFree?: boolean;
  /** With MessageFields.wireForm: ENVELOPE as a FETCH response writes it, instead of `envelope`. */
  envelopeWire?: Uint8Array;
  /** With MessageFields.wireForm: BODYSTRUCTURE likewise, instead of `bodyStructure`. */
  bodyStructureWire?: Uint8Array;
}

export interface AppendInput {
  content: Uint8Array;
  flags?: readonly string[];
  internalDate?: Date;
}

/** A mailbox's identity as another server kept it (import). */
export interface RestoreMailboxState {
  uidValidity: number;
  uidNext: number;
  specialUse: SpecialUse | null;
}

/** A message as another server kept it (import): its own UID, flags and date. */
export interface RestoreMessage {
  uid: number;
  content: Uint8Array;
  flags: readonly string[];
  internalDate: Date;
}

export interface AppendResult {
  uid: number;
  uidValidity: number;
  modSeq: number;
  /**
   * With `claimRecent`: the \Recent range the APPEND claimed in its own
   * transaction (the same on every result of one call), or null when
   * nothing was claimed (disable_recent).
   */
  recent?: UidRange | null;
}

/** What `AccountStore.appendByName()` did: the mailbox it found, and appendAll()'s results. */
export interface AppendedByName {
  mailboxId: number;
  results: AppendResult[];
}

/** How `AccountStore.appendAll()` stores its messages. */
export interface AppendOptions {
  /** Claim \Recent for the new messages (and any unclaimed below them) in the same transaction. */
  claimRecent?: boolean;
}

/** REPLACE (RFC 8508): the new message's append, and the MODSEQ of the old one's expunge. */
export interface ReplaceResult extends AppendResult {
  expungeModSeq: number;
}

export type FlagMode = "set" | "add" | "remove";

export interface FlagChange {
  uid: number;
  flags: readonly string[];
  modSeq: number;
}

export interface StoreFlagsResult {
  changed: FlagChange[];
  /** UIDs left alone because their MODSEQ exceeded `unchangedSince` (RFC 7162). */
  modified: number[];
}

export interface CopyResult {
  uidValidity: number;
  /** Source UIDs in ascending order, and the UID each got in the destination. */
  sourceUids: number[];
  destUids: number[];
}

/**
 * A search in domain terms: sequence sets are resolved to UID sets by the
 * session, and so are RECENT, NEW and OLD (\Recent belongs to a session).
 */
export type SearchKey =
  | { type: "all" }
  | { type: "uid"; set: UidSet }
  | { type: "flag"; flag: string; present: boolean }
  | { type: "internalDate"; op: "before" | "on" | "since"; date: string /* YYYY-MM-DD */ }
  | { type: "sentDate"; op: "before" | "on" | "since"; date: string /* YYYY-MM-DD */ }
  /** The internal date against an instant, ms since the epoch (OLDER/YOUNGER, RFC 5032). */
  | { type: "internalTime"; op: "before" | "since"; time: number }
  /** The save date by day (RFC 8514 §4.3); a message without one matches none. */
  | { type: "saveDate"; op: "before" | "on" | "since"; date: string /* YYYY-MM-DD */ }
  /** Every message, when the mailbox keeps save dates (RFC 8514 §4.3). */
  | { type: "saveDateSupported" }
  /** EMAILID / THREADID (RFC 8474 §6). */
  | { type: "emailId"; id: string }
  | { type: "threadId"; id: string }
  | { type: "size"; op: "larger" | "smaller"; bytes: number }
  | { type: "header"; name: string; value: string }
  | { type: "body"; value: string }
  | { type: "text"; value: string }
  | { type: "modSeq"; min: number }
  | { type: "and"; keys: SearchKey[] }
  | { type: "or"; left: SearchKey; right: SearchKey }
  | { type: "not"; key: SearchKey };

/** A change to a mailbox, delivered to every session watching it. */
export type MailboxEvent =
  /**
   * `modSeq`: the mailbox's MODSEQ after the change (RFC 7162), when the store knows it.
   * `flags`: when the store knows them, the new messages' flags and MODSEQs
   * aligned with `uids` (the shared mailbox index, lib/server/mailbox_index.ts,
   * learns them without a read; without them those messages' flags are
   * unknown there). Typed arrays, so a COPY of 100,000 messages crosses
   * between threads as three buffers, not 100,000 objects.
   */
  | {
    type: "append";
    mailboxId: number;
    uids: number[];
    modSeq?: number;
    flags?: AppendedFlags;
  }
  | { type: "expunge"; mailboxId: number; uids: number[]; modSeq?: number }
  | { type: "flags"; mailboxId: number; changes: FlagChange[] }
  | { type: "deleted"; mailboxId: number }
  | { type: "renamed"; mailboxId: number; name: string };

/** The flags of appended messages, by position in the event's `uids`. */
export interface AppendedFlags {
  /** System flags as FLAG_BITS (no FLAG_HAS_KEYWORDS). */
  system: Uint8Array;
  /** Keywords of the messages that have any, by position. */
  keywords: Record<number, string[]>;
  modSeqs: Float64Array;
}

/** AppendedFlags of messages given as system flag bits, JSON keyword lists and MODSEQs. */
export function appendedFlags(
  rows: readonly { bits: number; keywords: string; modSeq: number }[],
): AppendedFlags {
  const out: AppendedFlags = {
    system: new Uint8Array(rows.length),
    keywords: {},
    modSeqs: new Float64Array(rows.length),
  };
  rows.forEach((r, i) => {
    out.system[i] = r.bits & 31;
    out.modSeqs[i] = r.modSeq;
    if (r.keywords !== "[]") out.keywords[i] = JSON.parse(r.keywords);
  });
  return out;
}

/**
 * A change anywhere in one account (NOTIFY, RFC 5465): every mailbox event
 * of the account's mailboxes, and what happens to the account itself.
 */
export type AccountEvent =
  | MailboxEvent
  | { type: "created"; mailboxId: number; name: string }
  | { type: "subscription"; name: string; subscribed: boolean }
  /** METADATA entries changed (RFC 5464); `mailboxId` null for server entries. */
  | { type: "metadata"; mailboxId: number | null; entries: string[] };

/** A METADATA entry (RFC 5464 §3.2) and its value; null: no value (the entry does not exist). */
export interface MetadataEntry {
  /** Lower-cased, "/private/..." or "/shared/...". */
  entry: string;
  value: Uint8Array | null;
}

/** GETMETADATA DEPTH (RFC 5464 §4.2.2): the entry, its children too, or its whole subtree. */
export type MetadataDepth = 0 | 1 | "infinity";

/** Domain errors the server maps to IMAP response codes. */
export type StoreErrorCode =
  | "NONEXISTENT"
  | "ALREADYEXISTS"
  | "TRYCREATE"
  | "TOOBIG"
  | "OVERQUOTA"
  | "CANNOT"
  | "INUSE"
  | "LIMIT"
  /** The database cannot be reached (RFC 5530 UNAVAILABLE): nothing was done; try again. */
  | "UNAVAILABLE";

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
  }
}

/** One account's mail. Every method acts inside this account only. */
export interface AccountStore {
  readonly accountName: string;

  listMailboxes(): Promise<MailboxInfo[]>;
  /**
   * listMailboxes(), or only the version when the names, special-use
   * attributes and subscriptions are those of `known` (LIST keeps its
   * answer for a version: the list then need not cross between threads).
   * The counters in MailboxInfo (UIDNEXT, HIGHESTMODSEQ) are not part of
   * the version.
   */
  listMailboxesSince(known: string | null): Promise<MailboxList>;
  getMailbox(name: string): Promise<MailboxInfo | null>;
  /** Creates the mailbox and any missing parents. */
  createMailbox(name: string, options?: { specialUse?: SpecialUse }): Promise<MailboxInfo>;
  deleteMailbox(name: string): Promise<void>;
  /** Renames the mailbox and its whole hierarchy; renaming INBOX moves its messages. */
  renameMailbox(from: string, to: string): Promise<void>;
  setSubscribed(name: string, subscribed: boolean): Promise<void>;
  /** Names subscribed to, whether or not the mailbox exists (RFC 3501 §6.3.6). */
  listSubscriptions(): Promise<string[]>;
  status(mailboxId: number): Promise<MailboxStatus>;

  /** Takes a snapshot of the mailbox for a session that selects it. */
  select(mailboxId: number, options?: { readOnly?: boolean }): Promise<MailboxSnapshot>;
  /**
   * getMailbox and select in one call (SELECT and EXAMINE): null when no
   * mailbox has that name. One trip to the store where the two calls made two.
   */
  selectByName(name: string, options?: SelectOptions): Promise<MailboxSnapshot | null>;
  /**
   * \Recent (RFC 3501 §2.3.2): atomically claims the messages up to `uid`
   * that no session has claimed yet and returns their UID range, or null
   * when there are none (always null under disable_recent). With `peek`
   * (EXAMINE) nothing is claimed: the range that a claim would get.
   */
  claimRecent(
    mailboxId: number,
    uid: number,
    options?: { peek?: boolean },
  ): Promise<UidRange | null>;
  append(mailboxId: number, input: AppendInput): Promise<AppendResult>;
  /**
   * Appends several messages in one transaction, all or none (MULTIAPPEND,
   * RFC 3502), with ascending UIDs in the order given. With `claimRecent`
   * (a session that has the mailbox selected), the same transaction claims
   * \Recent up to the last new UID, as `claimRecent()` would after it
   * (AppendResult.recent): one commit instead of two.
   */
  appendAll(
    mailboxId: number,
    inputs: readonly AppendInput[],
    options?: AppendOptions,
  ): Promise<AppendResult[]>;
  /**
   * `appendAll()` into the mailbox named `name`, found by the store as it
   * appends (as `getMailbox()` finds it): one request where a session would
   * otherwise look the mailbox up first. Null when there is no such mailbox.
   * \Recent is claimed when the mailbox turns out to be `claimRecentIn`.
   */
  appendByName(
    name: string,
    inputs: readonly AppendInput[],
    options?: { claimRecentIn?: number },
  ): Promise<AppendedByName | null>;
  /**
   * REPLACE (RFC 8508 §3.3): appends `input` to `destMailboxId` and expunges
   * `uid` from `mailboxId` (whatever its flags) in one transaction, both or
   * neither; NONEXISTENT when that message is gone. The quota sees the
   * difference in size; the APPEND limit applies as to APPEND.
   */
  replace(
    mailboxId: number,
    uid: number,
    destMailboxId: number,
    input: AppendInput,
  ): Promise<ReplaceResult>;
  /** Streams records in ascending UID order, in chunks, for the UIDs in `uids` that exist. */
  fetch(mailboxId: number, uids: UidSet, fields: MessageFields): AsyncIterable<MessageRecord>;
  storeFlags(
    mailboxId: number,
    uids: UidSet,
    mode: FlagMode,
    flags: readonly string[],
    options?: { unchangedSince?: number },
  ): Promise<StoreFlagsResult>;
  /** Removes messages with \Deleted (limited to `uids` when given); returns the expunged UIDs. */
  expunge(mailboxId: number, uids?: UidSet): Promise<number[]>;
  copy(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult>;
  /** Copy then expunge of the source, as one transaction (RFC 6851). */
  move(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult>;
  /** UIDs matching `key`, ascending. */
  search(mailboxId: number, key: SearchKey): Promise<number[]>;
  /**
   * QRESYNC (RFC 7162 §3.2.5.1, §3.2.6): the UIDs among `uids` that were
   * expunged at a MODSEQ above `sinceModSeq`, ascending. Every expunge
   * leaves a tombstone that is kept as long as the mailbox exists (none is
   * pruned), so the answer is exact for any `sinceModSeq`.
   */
  vanished(mailboxId: number, sinceModSeq: number, uids: UidSet): Promise<number[]>;
  /**
   * Subscribes to changes of one mailbox made in this process; returns the
   * unsubscribe. Changes made by another process (the admin CLI) arrive too,
   * once `poll()` has found them. Events may repeat (a UID already known, a
   * flag change already seen): sessions ignore what they already have.
   */
  watch(mailboxId: number, listener: (event: MailboxEvent) => void): () => void;
  /**
   * Looks for changes made by other processes since the last look and
   * delivers them to every watcher of the mailbox as events. Cheap when
   * nothing changed (one row read of the mailbox's HIGHESTMODSEQ): the server
   * calls it on NOOP, CHECK and on an IDLE timer.
   */
  poll(mailboxId: number): Promise<void>;
  /**
   * Subscribes to every change of the account made in this process (NOTIFY,
   * RFC 5465): its mailboxes' events, mailboxes created, subscriptions and
   * METADATA changed. Changes of other processes arrive after `pollAccount()`.
   */
  watchAccount(listener: (event: AccountEvent) => void): () => void;
  /**
   * Looks for changes other processes made to any mailbox of the account
   * (one row per mailbox read; the changed ones are polled as `poll()`
   * does) and for mailboxes they created or deleted.
   */
  pollAccount(): Promise<void>;
  /**
   * METADATA (RFC 5464 §4.2): the entries named, with their children to
   * `depth`. A name asked for that has no value comes back with value null;
   * children without a value do not come back. `mailboxId` null: server entries.
   */
  getMetadata(
    mailboxId: number | null,
    entries: readonly string[],
    depth: MetadataDepth,
  ): Promise<MetadataEntry[]>;
  /**
   * SETMETADATA (RFC 5464 §4.3): sets (value null: removes) the entries in
   * one transaction, all or none. Fails with StoreError LIMIT when the
   * mailbox (or the server) would hold more than `maxEntries` entries.
   */
  setMetadata(
    mailboxId: number | null,
    changes: readonly MetadataEntry[],
    maxEntries: number,
  ): Promise<void>;
  /** The account's own APPEND limit in bytes, or null to use the store-wide one. */
  getAppendLimit(): Promise<number | null>;
  /** The APPEND limits in force for the account and its mailboxes (RFC 7889). */
  appendLimits(): Promise<AppendLimits>;
  setAppendLimit(bytes: number | null): Promise<void>;
  /**
   * Counts the APPEND limit changes made through this process's store, any
   * account: limits a session read at the same count are still current,
   * unless another process changed them (the store checks every message
   * against fresh limits anyway). Lets the literal gate skip a store read.
   */
  readonly appendLimitChanges: number;
  /**
   * The account's quota (RFC 9208: one quota root per account). APPEND, COPY
   * and MOVE that would pass a limit fail with StoreError OVERQUOTA; the
   * usage is exact under concurrent writers.
   */
  quota(): Promise<AccountQuota>;
  /** Sets the account's own limits (admin); a field left out stays as it is. */
  setQuota(change: { storage?: QuotaSetting; messages?: QuotaSetting }): Promise<void>;
  /**
   * Import: creates the mailbox (or takes the existing one) with the given
   * UIDVALIDITY, and UIDNEXT at least `uidNext`. An existing mailbox that
   * never held a message takes the given UIDVALIDITY; one that has is a
   * CANNOT error (its clients' caches would be wrong).
   */
  restoreMailbox(name: string, state: RestoreMailboxState): Promise<MailboxInfo>;
  /**
   * Import: stores messages under their own UIDs (UIDNEXT rises past them);
   * UIDs the mailbox already has are skipped. Returns how many were stored.
   */
  restoreMessages(mailboxId: number, messages: readonly RestoreMessage[]): Promise<number>;
}

export interface MailStore {
  /** Opens an account; creates it (with its default mailboxes) when `create` is set. */
  openAccount(name: string, options?: { create?: boolean }): Promise<AccountStore | null>;
  listAccounts(): Promise<string[]>;
  deleteAccount(name: string): Promise<void>;
  /** The store-wide APPEND limit in bytes, from `appendlimit`. */
  readonly appendLimit: number;
  /**
   * A hint that requests will come soon (a client is logging in): a store
   * that stops its threads when idle starts them now, so they open while the
   * password is verified (worker_store.ts).
   */
  warm?(): void;
  close(): Promise<void>;
}
