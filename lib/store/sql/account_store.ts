/**
 * `AccountStore` over SQL: one account's view, each method a call into the
 * section that implements it (mailboxes.ts, append.ts, fetch.ts,
 * store_flags.ts, expunge.ts, search.ts, sync.ts).
 */
import type {
  AccountEvent,
  AccountQuota,
  AccountStore,
  AppendedByName,
  AppendInput,
  AppendLimits,
  AppendOptions,
  AppendResult,
  CopyResult,
  FlagMode,
  MailboxEvent,
  MailboxInfo,
  MailboxList,
  MailboxSnapshot,
  MailboxStatus,
  MessageFields,
  MessageRecord,
  MetadataDepth,
  MetadataEntry,
  QuotaSetting,
  ReplaceResult,
  RestoreMailboxState,
  RestoreMessage,
  SearchKey,
  SelectOptions,
  SpecialUse,
  StoreFlagsResult,
  UidRange,
  UidSet,
} from "../mail_store.ts";
import {
  type AppendJobInput,
  appendMessage,
  appendMessages,
  appendPrepared,
  type AppendQueue,
  prepareAppends,
} from "./append.ts";
import type { AccountContext, StoreShared } from "./context.ts";
import { expunge, moveMessages } from "./expunge.ts";
import { replaceMessage } from "./replace.ts";
import { fetchMessages, type RawRecord } from "./fetch.ts";
import * as mailboxes from "./mailboxes.ts";
import { restoreMailbox, restoreMessages } from "./restore.ts";
import { accountQuota, setQuota } from "./quota.ts";
import { searchMailbox } from "./search.ts";
import { storeFlags } from "./store_flags.ts";
import { transact } from "./retry.ts";
import { claimRecent, poll, pollAccount, select, selectIndexed, vanished, watch } from "./sync.ts";
import { getMetadata, setMetadata } from "./metadata.ts";

/**
 * Makes listMailboxesSince() versions of this module instance (one per
 * thread: the writer and the reader thread each load it) unlike any other's.
 */
const LIST_EPOCH = crypto.randomUUID().slice(0, 8);
let serials = 0;

export class SqlAccountStore implements AccountStore {
  readonly accountName: string;
  #ctx: AccountContext;
  #appends: AppendQueue;
  /** listMailboxesSince(): what the last list held, and its version number. */
  #listKey = "";
  #listVersion = 0;
  readonly #serial = ++serials;

  constructor(store: StoreShared, appends: AppendQueue, accountId: number, accountName: string) {
    this.accountName = accountName;
    this.#appends = appends;
    this.#ctx = {
      db: store.db,
      sql: store.sql,
      bus: store.bus,
      options: store.options,
      accountId,
      owned: new Set(),
      accountPolled: false,
      // SQLite has one writer: small writes share the append queue's commits.
      // PostgreSQL's writers run side by side, each in its own transaction.
      write: store.sql.engine === "sqlite"
        ? (fn) => appends.write(fn)
        : (fn) => transact(store.db, fn),
    };
  }

  listMailboxes(): Promise<MailboxInfo[]> {
    return mailboxes.listMailboxes(this.#ctx);
  }

  async listMailboxesSince(known: string | null): Promise<MailboxList> {
    const list = await mailboxes.listMailboxes(this.#ctx);
    const key = JSON.stringify(list.map((m) => [m.id, m.name, m.specialUse, m.subscribed]));
    if (key !== this.#listKey) {
      this.#listKey = key;
      this.#listVersion++;
    }
    const version = `${LIST_EPOCH}.${this.#serial}.${this.#listVersion}`;
    return { version, mailboxes: version === known ? null : list };
  }

  getMailbox(name: string): Promise<MailboxInfo | null> {
    return mailboxes.getMailbox(this.#ctx, name);
  }

  createMailbox(name: string, options?: { specialUse?: SpecialUse }): Promise<MailboxInfo> {
    return mailboxes.createMailbox(this.#ctx, name, options);
  }

  deleteMailbox(name: string): Promise<void> {
    return mailboxes.deleteMailbox(this.#ctx, name);
  }

  renameMailbox(from: string, to: string): Promise<void> {
    return mailboxes.renameMailbox(this.#ctx, from, to);
  }

  setSubscribed(name: string, subscribed: boolean): Promise<void> {
    return mailboxes.setSubscribed(this.#ctx, name, subscribed);
  }

  listSubscriptions(): Promise<string[]> {
    return mailboxes.listSubscriptions(this.#ctx);
  }

  status(mailboxId: number): Promise<MailboxStatus> {
    return mailboxes.status(this.#ctx, mailboxId);
  }

  appendLimits(): Promise<AppendLimits> {
    return mailboxes.appendLimits(this.#ctx);
  }

  getAppendLimit(): Promise<number | null> {
    return mailboxes.getAppendLimit(this.#ctx);
  }

  async setAppendLimit(bytes: number | null): Promise<void> {
    try {
      await mailboxes.setAppendLimit(this.#ctx, bytes);
    } finally {
      this.#ctx.bus.appendLimitChanges++;
    }
  }

  get appendLimitChanges(): number {
    return this.#ctx.bus.appendLimitChanges;
  }

  quota(): Promise<AccountQuota> {
    return accountQuota(this.#ctx);
  }

  setQuota(change: { storage?: QuotaSetting; messages?: QuotaSetting }): Promise<void> {
    return setQuota(this.#ctx, change);
  }

  select(mailboxId: number): Promise<MailboxSnapshot> {
    return select(this.#ctx, mailboxId);
  }

  async selectByName(name: string, options?: SelectOptions): Promise<MailboxSnapshot | null> {
    const id = await mailboxes.mailboxIdOf(this.#ctx, name);
    if (id === null) return null;
    if (options?.indexed?.includes(id)) return await selectIndexed(this.#ctx, id);
    // The watch begins before the snapshot is read: nothing committed after it is missed.
    const unwatch = options?.watch ? this.watch(id, options.watch) : undefined;
    try {
      const snap = await select(this.#ctx, id);
      if (unwatch) snap.unwatch = unwatch;
      return snap;
    } catch (e) {
      unwatch?.();
      throw e;
    }
  }

  claimRecent(
    mailboxId: number,
    uid: number,
    options?: { peek?: boolean },
  ): Promise<UidRange | null> {
    return claimRecent(this.#ctx, mailboxId, uid, options);
  }

  append(mailboxId: number, input: AppendInput): Promise<AppendResult> {
    return appendMessage(this.#ctx, this.#appends, mailboxId, input);
  }

  appendAll(
    mailboxId: number,
    inputs: readonly AppendInput[],
    options?: AppendOptions,
  ): Promise<AppendResult[]> {
    return appendMessages(this.#ctx, this.#appends, mailboxId, inputs, options);
  }

  async appendByName(
    name: string,
    inputs: readonly AppendInput[],
    options?: { claimRecentIn?: number },
  ): Promise<AppendedByName | null> {
    const mailboxId = await mailboxes.mailboxIdOf(this.#ctx, name);
    if (mailboxId === null) return null;
    const claimRecent = mailboxId === options?.claimRecentIn;
    return { mailboxId, results: await this.appendAll(mailboxId, inputs, { claimRecent }) };
  }

  /** `prepareAppend()` into the mailbox named `name` (`appendByName()`); null when there is none. */
  async prepareAppendByName(
    name: string,
    inputs: readonly AppendInput[],
  ): Promise<{ mailboxId: number; jobs: AppendJobInput[] } | null> {
    const mailboxId = await mailboxes.mailboxIdOf(this.#ctx, name);
    if (mailboxId === null) return null;
    return { mailboxId, jobs: await this.prepareAppend(mailboxId, inputs) };
  }

  /**
   * The part of an APPEND that needs no writer: the APPEND limit read, then
   * each message parsed, hashed and compressed, its preview, search fields
   * and wire forms made. A store thread's reader runs it, and the writer
   * then only inserts rows (`appendPrepared()`).
   */
  prepareAppend(mailboxId: number, inputs: readonly AppendInput[]): Promise<AppendJobInput[]> {
    return prepareAppends(this.#ctx, mailboxId, inputs);
  }

  /** Commits messages `prepareAppend()` made, as `appendAll()` does. */
  appendPrepared(
    mailboxId: number,
    jobs: readonly AppendJobInput[],
    options?: AppendOptions,
  ): Promise<AppendResult[]> {
    return appendPrepared(this.#ctx, this.#appends, mailboxId, jobs, options);
  }

  replace(
    mailboxId: number,
    uid: number,
    destMailboxId: number,
    input: AppendInput,
  ): Promise<ReplaceResult> {
    return replaceMessage(this.#ctx, mailboxId, uid, destMailboxId, input);
  }

  fetch(mailboxId: number, uids: UidSet, fields: MessageFields): AsyncIterable<MessageRecord> {
    return fetchMessages(this.#ctx, mailboxId, uids, fields);
  }

  /**
   * fetch() for the store thread: ENVELOPE and BODYSTRUCTURE stay the JSON
   * text they are stored as (`envelopeJson`, `bodyStructureJson`), so they
   * cross to the socket thread without being parsed and written again here.
   */
  fetchRaw(mailboxId: number, uids: UidSet, fields: MessageFields): AsyncIterable<RawRecord> {
    return fetchMessages(this.#ctx, mailboxId, uids, fields, true);
  }

  storeFlags(
    mailboxId: number,
    uids: UidSet,
    mode: FlagMode,
    flags: readonly string[],
    options?: { unchangedSince?: number },
  ): Promise<StoreFlagsResult> {
    return storeFlags(this.#ctx, mailboxId, uids, mode, flags, options);
  }

  expunge(mailboxId: number, uids?: UidSet): Promise<number[]> {
    return expunge(this.#ctx, mailboxId, uids);
  }

  copy(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult> {
    return moveMessages(this.#ctx, mailboxId, uids, destMailboxId, false);
  }

  move(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult> {
    return moveMessages(this.#ctx, mailboxId, uids, destMailboxId, true);
  }

  search(mailboxId: number, key: SearchKey): Promise<number[]> {
    return searchMailbox(this.#ctx, mailboxId, key);
  }

  vanished(mailboxId: number, sinceModSeq: number, uids: UidSet): Promise<number[]> {
    return vanished(this.#ctx, mailboxId, sinceModSeq, uids);
  }

  watch(mailboxId: number, listener: (event: MailboxEvent) => void): () => void {
    return watch(this.#ctx, mailboxId, listener);
  }

  poll(mailboxId: number): Promise<void> {
    return poll(this.#ctx, mailboxId);
  }

  watchAccount(listener: (event: AccountEvent) => void): () => void {
    return this.#ctx.bus.watchAccount(this.#ctx.accountId, listener);
  }

  pollAccount(): Promise<void> {
    return pollAccount(this.#ctx);
  }

  getMetadata(
    mailboxId: number | null,
    entries: readonly string[],
    depth: MetadataDepth,
  ): Promise<MetadataEntry[]> {
    return getMetadata(this.#ctx, mailboxId, entries, depth);
  }

  setMetadata(
    mailboxId: number | null,
    changes: readonly MetadataEntry[],
    maxEntries: number,
  ): Promise<void> {
    return setMetadata(this.#ctx, mailboxId, changes, maxEntries);
  }

  restoreMailbox(name: string, state: RestoreMailboxState): Promise<MailboxInfo> {
    return restoreMailbox(this.#ctx, name, state);
  }

  restoreMessages(mailboxId: number, messages: readonly RestoreMessage[]): Promise<number> {
    return restoreMessages(this.#ctx, mailboxId, messages);
  }
}
