/**
 * `MailStore` on the thread that serves sockets, with the store itself on a
 * store thread (`store_thread.ts`). Every method is a message to that
 * thread; replies, fetch chunks and mailbox events come back over the same
 * port, in the order the store thread sent them, so a session sees the
 * events of its own APPEND or STORE before the method's promise settles,
 * exactly as in-process.
 *
 * Why a thread (docs/performance.md has the figures): SQL, body reads,
 * SEARCH evaluation and MIME parsing at APPEND are synchronous in libSQL and
 * our code; on the socket thread one SEARCH TEXT held every other session's
 * NOOP for over a second. Here it runs beside the sockets, on the second
 * core, cut into slices so other sessions' requests get in between.
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
  MailStore,
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
import { StoreError, type StoreErrorCode } from "../mail_store.ts";
import type { ImapSqlOptions } from "../config.ts";
import { type FromStore, ownBuffer, type ToStore, type WireError } from "./protocol.ts";
import { ChangeProbe } from "./change_probe.ts";

/**
 * What the reader's `prepareAppend` returns (`AppendJobInput` in
 * store/sql/append.ts): only its byte fields are named here, to move them on.
 */
interface PreparedAppend {
  header: Uint8Array;
  body: Uint8Array | null;
  fileData?: Uint8Array;
}

/** Calls in flight on the reader from which it counts as busy with reads. */
const READS_BUSY = 4;

/**
 * APPENDs the reader prepares at once at most: a read that arrives after
 * them waits for them all.
 */
const MAX_PREPARING = 4;

/** Counts of a ThreadedMailStore, for tests and benchmarks. */
export interface StoreFigures {
  /** Messages the reader thread prepared for the writer to commit. */
  preparedOnReader: number;
  /**
   * Polls and SELECTs of an indexed mailbox answered with no request, since
   * nothing was committed after the same request last went.
   */
  unasked: number;
  /** APPEND limit changes made through this store (AccountStore.appendLimitChanges). */
  appendLimitChanges: number;
}

/** SELECTs by name an account store remembers at most (see ThreadedAccountStore.selectByName). */
const KEPT_SELECTS = 64;

/** A poll this recent answers for another session of the same account. */
const POLL_SHARE_MS = 200;

interface Stream {
  chunks: Extract<FromStore, { t: "chunk" }>[];
  error: Error | null;
  wake: (() => void) | null;
}

function toError(w: WireError): Error {
  if (w.code !== undefined) {
    return new StoreError(
      w.code as StoreErrorCode,
      w.message,
      w.cause ? { cause: toError(w.cause) } : undefined,
    );
  }
  const e = new Error(w.message, w.cause ? { cause: toError(w.cause) } : undefined);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/** The socket thread's end of one store thread. */
class StoreThread {
  #worker: Worker;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #streams = new Map<number, Stream>();
  #watchers = new Map<number, (event: AccountEvent) => void>();
  #failed: Error | null = null;
  #ready: Promise<void>;
  /** Messages held until the thread has opened the store, in order; null once it has. */
  #held: [ToStore, Transferable[]][] | null = [];
  /** When a message last went to or came from the thread (performance.now()). */
  lastUsed = performance.now();

  constructor(options: ImapSqlOptions, reader: boolean) {
    this.#worker = new Worker(new URL("./store_thread.ts", import.meta.url).href, {
      type: "module",
      name: reader ? "store-reader" : "store",
    });
    let opened!: () => void;
    let failed!: (e: Error) => void;
    this.#ready = new Promise((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.#worker.onmessage = (e: MessageEvent<FromStore>) => {
      const msg = e.data;
      this.lastUsed = performance.now();
      switch (msg.t) {
        case "ready": {
          const held = this.#held!;
          this.#held = null;
          for (const [m, transfer] of held) this.#worker.postMessage(m, transfer);
          opened();
          break;
        }
        case "open-failed": {
          const err = toError(msg.error);
          failed(err);
          this.#fail(err);
          break;
        }
        case "ok":
          this.#settle(msg.id)?.resolve(msg.value);
          break;
        case "json":
          this.#settle(msg.id)?.resolve(JSON.parse(msg.json));
          break;
        case "err": {
          const stream = this.#streams.get(msg.id);
          if (stream) {
            stream.error = toError(msg.error);
            this.#wake(stream);
          } else this.#settle(msg.id)?.reject(toError(msg.error));
          break;
        }
        case "chunk": {
          const stream = this.#streams.get(msg.id);
          if (stream) {
            stream.chunks.push(msg);
            this.#wake(stream);
          }
          break;
        }
        case "event":
          this.#watchers.get(msg.watch)?.(msg.event);
          break;
      }
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      // A store thread that died cannot be trusted with more work: fail everything.
      e.preventDefault();
      const err = new Error(`The store thread failed: ${e.message}`);
      failed(err);
      this.#fail(err);
    };
    this.#worker.postMessage({ t: "open", options, reader } satisfies ToStore);
  }

  #fail(err: Error): void {
    this.#failed = err;
    this.#held = null;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    for (const s of this.#streams.values()) {
      s.error = err;
      this.#wake(s);
    }
  }

  /**
   * Whether the thread has nothing to do and nothing to tell: no request
   * or stream under way and no watch registered (a watch's events come
   * from this thread, so it must stay while one is held).
   */
  get idle(): boolean {
    return this.#pending.size === 0 && this.#streams.size === 0 && this.#watchers.size === 0;
  }

  get ready(): Promise<void> {
    return this.#ready;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Of those, APPENDs this thread prepares (ThreadedAccountStore.appendAll). */
  preparing = 0;

  /**
   * Whether reads are under way that parsing must not hold back: a FETCH
   * stream, or READS_BUSY calls other than APPENDs being prepared (a
   * session's APPEND makes one small read of its own, the mailbox by name).
   */
  get reading(): boolean {
    return this.#streams.size > 0 || this.#pending.size - this.preparing >= READS_BUSY;
  }

  #settle(id: number) {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    return p;
  }

  #wake(stream: Stream): void {
    const w = stream.wake;
    stream.wake = null;
    w?.();
  }

  #post(msg: ToStore, transfer: Transferable[] = []): void {
    this.lastUsed = performance.now();
    // Before "ready" the thread's store is not open yet: requests wait here, in order.
    if (this.#held) this.#held.push([msg, transfer]);
    else this.#worker.postMessage(msg, transfer);
  }

  call<T>(
    method: string,
    args: unknown[],
    account?: string,
    transfer: Transferable[] = [],
  ): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#post({ t: "call", id, account, method, args }, transfer);
    });
  }

  /**
   * The records of a fetch stream. A plain iterator over each decoded chunk,
   * not an async generator: `for await` over a generator costs several
   * promise turns per record, which showed in FETCH 1:* of 100,000 records.
   */
  fetch(account: string, args: unknown[]): AsyncIterable<MessageRecord> {
    return {
      [Symbol.asyncIterator]: () => this.#fetchIterator(account, args),
    };
  }

  #fetchIterator(account: string, args: unknown[]): AsyncIterator<MessageRecord> {
    const id = this.#next++;
    const stream: Stream = { chunks: [], error: null, wake: null };
    let started = false;
    let finished = false;
    let last = false;
    let records: Record<string, unknown>[] = [];
    let bins: Uint8Array<ArrayBuffer>[] = [];
    let pack: Uint8Array<ArrayBuffer> | null = null;
    /** A byte field: an index into `bins`, or [offset, length] in `pack`. */
    const bytesOf = (at: unknown): Uint8Array =>
      typeof at === "number"
        ? bins[at]
        : pack!.subarray((at as number[])[0], (at as number[])[0] + (at as number[])[1]);
    let i = 0;
    const end = () => {
      if (finished) return;
      finished = true;
      this.#streams.delete(id);
      if (!last && started && !this.#failed) this.#post({ t: "cancel", id });
    };
    const next = async (): Promise<IteratorResult<MessageRecord>> => {
      if (!started) {
        if (this.#failed) throw this.#failed;
        started = true;
        this.#streams.set(id, stream);
        this.#post({ t: "fetch", id, account, args });
      }
      while (i >= records.length) {
        if (last || finished) {
          end();
          return { value: undefined, done: true };
        }
        const chunk = stream.chunks.shift();
        if (!chunk) {
          if (stream.error) {
            end();
            throw stream.error;
          }
          await new Promise<void>((resolve) => (stream.wake = resolve));
          continue;
        }
        if (chunk.done) last = true;
        else this.#post({ t: "more", id });
        records = JSON.parse(chunk.json) as Record<string, unknown>[];
        bins = chunk.bins;
        pack = chunk.pack;
        i = 0;
      }
      const r = records[i];
      records[i++] = undefined as unknown as Record<string, unknown>;
      if (r.internalDate !== undefined) r.internalDate = new Date(r.internalDate as number);
      if (typeof r.saveDate === "number") r.saveDate = new Date(r.saveDate);
      if (r.header !== undefined) r.header = bytesOf(r.header);
      if (r.content !== undefined) r.content = bytesOf(r.content);
      if (r.envelopeWire !== undefined) r.envelopeWire = bytesOf(r.envelopeWire);
      if (r.bodyStructureWire !== undefined) r.bodyStructureWire = bytesOf(r.bodyStructureWire);
      return { value: r as unknown as MessageRecord, done: false };
    };
    return {
      next,
      return: (): Promise<IteratorResult<MessageRecord>> => {
        end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  watch(account: string, mailboxId: number, listener: (event: MailboxEvent) => void): () => void {
    return this.#watch(
      { t: "watch", watch: 0, account, mailboxId },
      listener as (event: AccountEvent) => void,
    );
  }

  watchAccount(account: string, listener: (event: AccountEvent) => void): () => void {
    return this.#watch({ t: "watchAccount", watch: 0, account }, listener);
  }

  #watch(
    msg: Extract<ToStore, { t: "watch" | "watchAccount" }>,
    listener: (event: AccountEvent) => void,
  ): () => void {
    const watch = this.#next++;
    this.#watchers.set(watch, listener);
    this.#post({ ...msg, watch });
    return () => {
      if (!this.#watchers.delete(watch)) return;
      if (!this.#failed) this.#post({ t: "unwatch", watch });
    };
  }

  /**
   * A watch whose registration on the store thread travels inside a call
   * (selectByName's `watchId`): the listener is ready here before the call leaves.
   */
  reserveWatch(
    listener: (event: MailboxEvent) => void,
  ): { watch: number; unwatch: () => void; drop: () => void } {
    const watch = this.#next++;
    this.#watchers.set(watch, listener as (event: AccountEvent) => void);
    return {
      watch,
      // The store thread registered nothing (an indexed answer, or an error).
      drop: () => this.#watchers.delete(watch),
      unwatch: () => {
        if (!this.#watchers.delete(watch)) return;
        if (!this.#failed) this.#post({ t: "unwatch", watch });
      },
    };
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

class ThreadedAccountStore implements AccountStore {
  readonly accountName: string;
  /** The writer thread now (started again when it had stopped: ThreadedMailStore). */
  #writer: () => StoreThread;
  /** The thread for a read now: the reader thread once it runs, else the writer. */
  #reader: () => StoreThread;
  #figures: StoreFigures;
  /** Polls in flight by mailbox: sessions asking at the same moment share one. */
  #polls = new Map<number, Promise<void>>();
  /** When the last poll of each mailbox ended (performance.now()). */
  #polled = new Map<number, number>();
  /** The database's data version (change_probe.ts) now; null when it cannot be known. */
  #dataVersion: () => number | null;
  /** By mailbox: the data version read before the last poll of it was sent. */
  #pollVersions = new Map<number, number>();
  /** By name: the last indexed SELECT answer, and the data version read before it was asked. */
  #selects = new Map<string, { data: number; snap: MailboxSnapshot }>();

  constructor(
    writer: () => StoreThread,
    reader: () => StoreThread,
    accountName: string,
    figures: StoreFigures,
    dataVersion: () => number | null,
  ) {
    this.#figures = figures;
    this.#dataVersion = dataVersion;
    this.#writer = writer;
    this.#reader = reader;
    this.accountName = accountName;
  }

  #call<T>(method: string, args: unknown[], transfer?: Transferable[]): Promise<T> {
    return this.#writer().call<T>(method, args, this.accountName, transfer);
  }

  /** Reads that need no writer state go to the reader thread (the writer itself without one). */
  #read<T>(method: string, args: unknown[]): Promise<T> {
    return this.#reader().call<T>(method, args, this.accountName);
  }

  listMailboxes(): Promise<MailboxInfo[]> {
    return this.#read("listMailboxes", []);
  }
  /**
   * LIST always asks, unlike SELECT and NOOP's poll: answered on the socket
   * thread alone, a client looping `LIST "*"` over 1,000 mailboxes held that
   * thread and another session's NOOP waited about 32 ms at p99 in the
   * quick bench (10–12 ms with the request), docs/performance.md.
   */
  listMailboxesSince(known: string | null): Promise<MailboxList> {
    return this.#read("listMailboxesSince", [known]);
  }
  getMailbox(name: string): Promise<MailboxInfo | null> {
    return this.#read("getMailbox", [name]);
  }
  createMailbox(name: string, options?: { specialUse?: SpecialUse }): Promise<MailboxInfo> {
    return this.#call("createMailbox", [name, options]);
  }
  deleteMailbox(name: string): Promise<void> {
    return this.#call("deleteMailbox", [name]);
  }
  renameMailbox(from: string, to: string): Promise<void> {
    return this.#call("renameMailbox", [from, to]);
  }
  setSubscribed(name: string, subscribed: boolean): Promise<void> {
    return this.#call("setSubscribed", [name, subscribed]);
  }
  listSubscriptions(): Promise<string[]> {
    return this.#read("listSubscriptions", []);
  }
  status(mailboxId: number): Promise<MailboxStatus> {
    return this.#read("status", [mailboxId]);
  }
  select(mailboxId: number, options?: { readOnly?: boolean }): Promise<MailboxSnapshot> {
    return this.#call("select", [mailboxId, options]);
  }
  /**
   * An indexed answer (SelectOptions.indexed) stands for the database as it
   * was when its request was sent: the store polled the mailbox first, so
   * every change committed before reached the index as events. While the
   * data version reads the same as then, nothing has been committed since
   * (by this process or another), and the same answer is given again with
   * no request (docs/performance.md, "SELECT, NOOP and LIST without a request").
   */
  async selectByName(name: string, options?: SelectOptions): Promise<MailboxSnapshot | null> {
    const data = this.#dataVersion();
    if (data === null || !options?.indexed) return await this.#selectByName(name, options);
    const kept = this.#selects.get(name);
    if (kept?.data === data && options.indexed.includes(kept.snap.mailbox.id)) {
      this.#figures.unasked++;
      return structuredClone(kept.snap);
    }
    const snap = await this.#selectByName(name, options);
    if (snap?.indexed) {
      this.#selects.delete(name);
      this.#selects.set(name, { data, snap: structuredClone(snap) });
      if (this.#selects.size > KEPT_SELECTS) {
        this.#selects.delete(this.#selects.keys().next().value!);
      }
      this.#pollVersions.set(snap.mailbox.id, data);
    }
    return snap;
  }

  async #selectByName(name: string, options?: SelectOptions): Promise<MailboxSnapshot | null> {
    if (!options?.watch) {
      return await this.#call("selectByName", [name, { ...options, watch: undefined }]);
    }
    // The store thread registers the watch between finding the mailbox and
    // reading its snapshot (store_thread.ts), under an id allocated here.
    // The watch and the request go to the same thread (the writer now).
    const writer = this.#writer();
    const { watch, unwatch, drop } = writer.reserveWatch(options.watch);
    try {
      const snap = await writer.call<MailboxSnapshot | null>("selectByName", [
        name,
        { readOnly: options.readOnly, indexed: options.indexed, watchId: watch },
      ], this.accountName);
      if (!snap || snap.indexed) drop();
      else snap.unwatch = unwatch;
      return snap;
    } catch (e) {
      drop();
      throw e;
    }
  }
  claimRecent(
    mailboxId: number,
    uid: number,
    options?: { peek?: boolean },
  ): Promise<UidRange | null> {
    return this.#call("claimRecent", [mailboxId, uid, options]);
  }
  async append(mailboxId: number, input: AppendInput): Promise<AppendResult> {
    return (await this.appendAll(mailboxId, [input]))[0];
  }
  /**
   * With a reader thread running, the messages are prepared there (the
   * APPEND limit read, MIME parsing, preview, search fields, hash, wire
   * forms: a quarter to a third of an APPEND's CPU) and the writer only
   * commits them, so one thread's parsing overlaps the other's inserts and
   * fsync (docs/performance.md, "APPEND off the writer"). Only when the
   * writer is busy and the reader is not: an idle writer does both itself
   * (one trip between threads instead of two, for a client that appends
   * one message at a time), and a reader with reads under way (FETCH,
   * SEARCH) is not made to hold them behind parsing. So does the writer
   * when there is no reader (it is starting, or the database is in memory).
   */
  async appendAll(
    mailboxId: number,
    inputs: readonly AppendInput[],
    options?: AppendOptions,
  ): Promise<AppendResult[]> {
    return (await this.#append(mailboxId, inputs, options?.claimRecent ? mailboxId : undefined))!
      .results;
  }
  /** appendAll() by name, with the same choice of thread (`#append`). */
  appendByName(
    name: string,
    inputs: readonly AppendInput[],
    options?: { claimRecentIn?: number },
  ): Promise<AppendedByName | null> {
    return this.#append(name, inputs, options?.claimRecentIn);
  }
  /** An APPEND into a mailbox by id or by name; \Recent is claimed when it is `claimRecentIn`. */
  async #append(
    mailbox: number | string,
    inputs: readonly AppendInput[],
    claimRecentIn: number | undefined,
  ): Promise<AppendedByName | null> {
    // The literal is copied out of the connection's buffer once and moved, not cloned again.
    const transfer: ArrayBuffer[] = [];
    const moved = inputs.map((input) => {
      const content = ownBuffer(input.content);
      if (content !== input.content) transfer.push(content.buffer as ArrayBuffer);
      return { ...input, content };
    });
    const reader = this.#reader();
    const writer = this.#writer();
    if (
      reader === writer || writer.inFlight === 0 || reader.reading ||
      reader.preparing >= MAX_PREPARING
    ) {
      if (typeof mailbox === "string") {
        return await this.#call("appendByName", [mailbox, moved, { claimRecentIn }], transfer);
      }
      const claimRecent = mailbox === claimRecentIn;
      const results = await this.#call<AppendResult[]>(
        "appendAll",
        [mailbox, moved, { claimRecent }],
        transfer,
      );
      return { mailboxId: mailbox, results };
    }
    reader.preparing++;
    let prepared: { mailboxId: number; jobs: PreparedAppend[] } | null;
    try {
      prepared = typeof mailbox === "string"
        ? await reader.call("prepareAppendByName", [mailbox, moved], this.accountName, transfer)
        : {
          mailboxId: mailbox,
          jobs: await reader.call("prepareAppend", [mailbox, moved], this.accountName, transfer),
        };
    } finally {
      reader.preparing--;
    }
    if (!prepared) return null;
    const { mailboxId, jobs } = prepared;
    this.#figures.preparedOnReader += jobs.length;
    // Everything arrived here as this thread's own (moved or cloned): all of it moves on.
    const onward = new Set<ArrayBuffer>();
    for (const job of jobs) {
      for (const bytes of [job.header, job.body, job.fileData]) {
        if (bytes && bytes.buffer instanceof ArrayBuffer) onward.add(bytes.buffer);
      }
    }
    const claimRecent = mailboxId === claimRecentIn;
    const results = await this.#call<AppendResult[]>(
      "appendPrepared",
      [mailboxId, jobs, { claimRecent }],
      [...onward],
    );
    return { mailboxId, results };
  }
  replace(
    mailboxId: number,
    uid: number,
    destMailboxId: number,
    input: AppendInput,
  ): Promise<ReplaceResult> {
    const content = ownBuffer(input.content);
    const transfer = content === input.content ? [] : [content.buffer as ArrayBuffer];
    return this.#call("replace", [mailboxId, uid, destMailboxId, { ...input, content }], transfer);
  }
  fetch(mailboxId: number, uids: UidSet, fields: MessageFields): AsyncIterable<MessageRecord> {
    // The thread is chosen when the iteration starts: the one running then.
    const args = [mailboxId, uids, fields];
    return {
      [Symbol.asyncIterator]: () =>
        this.#reader().fetch(this.accountName, args)[Symbol.asyncIterator](),
    };
  }
  storeFlags(
    mailboxId: number,
    uids: UidSet,
    mode: FlagMode,
    flags: readonly string[],
    options?: { unchangedSince?: number },
  ): Promise<StoreFlagsResult> {
    return this.#call("storeFlags", [mailboxId, uids, mode, flags, options]);
  }
  expunge(mailboxId: number, uids?: UidSet): Promise<number[]> {
    return this.#call("expunge", [mailboxId, uids]);
  }
  copy(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult> {
    return this.#call("copy", [mailboxId, uids, destMailboxId]);
  }
  move(mailboxId: number, uids: UidSet, destMailboxId: number): Promise<CopyResult> {
    return this.#call("move", [mailboxId, uids, destMailboxId]);
  }
  search(mailboxId: number, key: SearchKey): Promise<number[]> {
    return this.#read("search", [mailboxId, key]);
  }
  vanished(mailboxId: number, sinceModSeq: number, uids: UidSet): Promise<number[]> {
    return this.#read("vanished", [mailboxId, sinceModSeq, uids]);
  }
  watch(mailboxId: number, listener: (event: MailboxEvent) => void): () => void {
    return this.#writer().watch(this.accountName, mailboxId, listener);
  }
  /**
   * One poll serves every session of the account watching the mailbox (the
   * store delivers what it finds to all of them), so a poll that is under
   * way, or that ended less than POLL_SHARE_MS ago, answers the others: 1,000
   * sessions in IDLE on one mailbox cost one query per tick, not 1,000.
   */
  poll(mailboxId: number): Promise<void> {
    // Nothing committed since the last poll was sent: this one would find nothing.
    const data = this.#dataVersion();
    if (data !== null && this.#pollVersions.get(mailboxId) === data) {
      this.#figures.unasked++;
      return Promise.resolve();
    }
    const last = this.#polled.get(mailboxId);
    if (last !== undefined && performance.now() - last < POLL_SHARE_MS) return Promise.resolve();
    let p = this.#polls.get(mailboxId);
    if (!p) {
      p = this.#call<void>("poll", [mailboxId]).then(
        () => {
          this.#polled.set(mailboxId, performance.now());
          if (data !== null) this.#pollVersions.set(mailboxId, data);
        },
      ).finally(() => this.#polls.delete(mailboxId));
      this.#polls.set(mailboxId, p);
    }
    return p;
  }
  watchAccount(listener: (event: AccountEvent) => void): () => void {
    return this.#writer().watchAccount(this.accountName, listener);
  }
  pollAccount(): Promise<void> {
    return this.#call("pollAccount", []);
  }
  getMetadata(
    mailboxId: number | null,
    entries: readonly string[],
    depth: MetadataDepth,
  ): Promise<MetadataEntry[]> {
    return this.#read("getMetadata", [mailboxId, entries, depth]);
  }
  setMetadata(
    mailboxId: number | null,
    changes: readonly MetadataEntry[],
    maxEntries: number,
  ): Promise<void> {
    return this.#call("setMetadata", [mailboxId, changes, maxEntries]);
  }
  appendLimits(): Promise<AppendLimits> {
    return this.#read("appendLimits", []);
  }
  getAppendLimit(): Promise<number | null> {
    return this.#read("getAppendLimit", []);
  }
  async setAppendLimit(bytes: number | null): Promise<void> {
    try {
      await this.#call("setAppendLimit", [bytes]);
    } finally {
      this.#figures.appendLimitChanges++;
    }
  }
  get appendLimitChanges(): number {
    return this.#figures.appendLimitChanges;
  }
  quota(): Promise<AccountQuota> {
    return this.#read("quota", []);
  }
  setQuota(change: { storage?: QuotaSetting; messages?: QuotaSetting }): Promise<void> {
    return this.#call("setQuota", [change]);
  }
  restoreMailbox(name: string, state: RestoreMailboxState): Promise<MailboxInfo> {
    return this.#call("restoreMailbox", [name, state]);
  }
  restoreMessages(mailboxId: number, messages: readonly RestoreMessage[]): Promise<number> {
    return this.#call("restoreMessages", [mailboxId, messages]);
  }
}

/**
 * How long a store thread stays with nothing to do (no request, stream or
 * watch under way) before it stops; the next request starts it again. A
 * thread with the store loaded is 13-20 MB of an idle server's memory
 * (docs/performance.md, "Memory").
 */
export const IDLE_STOP_MS = 60_000;

/** A MailStore whose work runs on a store thread of its own. */
export class ThreadedMailStore implements MailStore {
  readonly appendLimit: number;
  #options: ImapSqlOptions;
  #idleStopMs: number;
  /** The writer thread, open or opening; null while stopped. */
  #writer: StoreThread | null;
  /** The last writer started: requests made after close() go there (and fail). */
  #lastWriter: StoreThread;
  /** The reader thread, once it has opened its connection; null while stopped. */
  #reader: StoreThread | null = null;
  /** The reader thread while it opens its connection. */
  #starting: StoreThread | null = null;
  /** A reader that could not open is not tried again: the writer answers reads. */
  #readerFailed = false;
  /** Threads being stopped (their store closing). */
  #stopping = new Set<Promise<void>>();
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #accounts = new Map<string, ThreadedAccountStore>();
  #closed: Promise<void> | null = null;
  readonly #writeThread = () => this.#writerNow();
  readonly #readThread = () => this.#readThreadNow();
  /** The database file's change probe; null for other databases (every answer is asked for). */
  #probe: ChangeProbe | null;
  readonly #dataVersion = () => this.#probe?.read() ?? null;

  private constructor(thread: StoreThread, options: ImapSqlOptions, idleStopMs: number) {
    this.#writer = this.#lastWriter = thread;
    this.#options = options;
    this.#idleStopMs = idleStopMs;
    this.appendLimit = options.appendLimit;
    this.#probe = options.dsn.kind === "file" ? ChangeProbe.open(options.dsn.path) : null;
  }

  /**
   * Opens the store on a writer thread (migrations included), so that a
   * database that will not open stops start-up, then lets that thread stop:
   * no client needs it yet, and the first request starts it again.
   *
   * For a database file, the first read also starts a reader thread with a
   * second connection: SQLite in WAL mode lets that connection read while the
   * writer commits, so FETCH, SEARCH, STATUS and LIST go on during a writer's
   * fsync and a long SEARCH never delays a write. (An in-memory database is
   * one per connection, and a remote one has its own server: both keep one
   * thread, which never stops: an in-memory database would go with it.)
   * PostgreSQL gets a reader thread too, with its own connections.
   *
   * The reader starts at the first read, not here, and each thread stops
   * after `idleStopMs` (IDLE_STOP_MS) with nothing to do: a thread with the
   * store loaded costs 13-20 MB, and a server nobody uses does without them
   * (docs/performance.md, "Memory"). Reads go to the writer until the reader
   * is ready, and for good if it cannot start.
   */
  static async open(
    options: ImapSqlOptions,
    tuning?: { idleStopMs?: number },
  ): Promise<ThreadedMailStore> {
    const thread = new StoreThread(options, false);
    try {
      await thread.ready;
    } catch (e) {
      thread.terminate();
      throw e;
    }
    const store = new ThreadedMailStore(thread, options, tuning?.idleStopMs ?? IDLE_STOP_MS);
    if (store.#canStop) store.#stop(thread);
    return store;
  }

  /** Counts for tests and benchmarks. */
  readonly figures: StoreFigures = { preparedOnReader: 0, unasked: 0, appendLimitChanges: 0 };

  /** Whether the reader thread is up (it then prepares APPENDs); a figure for tests. */
  get readerRunning(): boolean {
    return this.#reader !== null;
  }

  /** Whether a writer thread is running or starting; a figure for tests. */
  get writerRunning(): boolean {
    return this.#writer !== null;
  }

  /**
   * Starts the writer thread if it has stopped, ahead of a request: the
   * server calls it when a client begins to log in, so the thread opens
   * while the password is verified (argon2id, about 150 ms of CPU). Not at
   * connect: a health check that reads the greeting needs no store.
   */
  warm(): void {
    if (!this.#closed) this.#writerNow();
  }

  /** Whether threads may stop when idle: not an in-memory database's (it lives in its thread). */
  get #canStop(): boolean {
    return this.#options.dsn.kind === "file" || this.#options.dsn.kind === "postgres";
  }

  #writerNow(): StoreThread {
    if (this.#writer) return this.#writer;
    if (this.#closed) return this.#lastWriter;
    const thread = new StoreThread(this.#options, false);
    this.#writer = this.#lastWriter = thread;
    thread.ready.then(() => this.#watchIdle(), () => {
      // Its requests failed with the reason; the next request tries again.
      if (this.#writer === thread) this.#writer = null;
      thread.terminate();
    });
    return thread;
  }

  #readThreadNow(): StoreThread {
    if (this.#reader) return this.#reader;
    const writer = this.#writerNow();
    if (!this.#starting && !this.#readerFailed && !this.#closed && this.#canStop) {
      const reader = new StoreThread(this.#options, true);
      this.#starting = reader;
      reader.ready.then(
        () => {
          this.#starting = null;
          if (this.#closed) reader.terminate();
          else {
            this.#reader = reader;
            this.#watchIdle();
          }
        },
        // The writer answers reads as well; a reader that cannot open is only a loss of speed.
        () => {
          this.#starting = null;
          this.#readerFailed = true;
          reader.terminate();
        },
      );
    }
    return writer;
  }

  /**
   * Checks the threads every half spell while any runs, and stops each that
   * has been idle for `idleStopMs`. A thread is idle only with no request,
   * stream or watch under way, so nothing is cut short: a session with a
   * mailbox selected holds a watch (or its shared index does, which lingers
   * after it: mailbox_index.ts), and a stopped thread's work is all
   * committed (a request is answered after its commit).
   */
  #watchIdle(): void {
    if (this.#idleTimer !== null || this.#closed || !this.#canStop) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      const now = performance.now();
      for (const thread of [this.#writer, this.#reader]) {
        if (thread?.idle && now - thread.lastUsed >= this.#idleStopMs) this.#stop(thread);
      }
      if (this.#writer || this.#reader) this.#watchIdle();
    }, Math.max(1, this.#idleStopMs / 2));
    Deno.unrefTimer(this.#idleTimer as unknown as number);
  }

  /** Stops an idle thread: requests from now on start another; this one closes its store. */
  #stop(thread: StoreThread): void {
    if (this.#writer === thread) this.#writer = null;
    if (this.#reader === thread) this.#reader = null;
    const done: Promise<void> = thread.call("close", []).then(() => {}, () => {}).finally(() => {
      thread.terminate();
      this.#stopping.delete(done);
    });
    this.#stopping.add(done);
  }

  async openAccount(name: string, options?: { create?: boolean }): Promise<AccountStore | null> {
    const canonical = await this.#writerNow().call<string | null>("openAccount", [name, options]);
    if (canonical === null) return null;
    let account = this.#accounts.get(canonical);
    if (!account) {
      this.#accounts.set(
        canonical,
        account = new ThreadedAccountStore(
          this.#writeThread,
          this.#readThread,
          canonical,
          this.figures,
          this.#dataVersion,
        ),
      );
    }
    return account;
  }

  listAccounts(): Promise<string[]> {
    return this.#writerNow().call("listAccounts", []);
  }

  async deleteAccount(name: string): Promise<void> {
    await this.#writerNow().call("deleteAccount", [name]);
    await this.#reader?.call("forgetAccount", [name]);
    const key = name.normalize("NFC").toLowerCase();
    for (const n of [...this.#accounts.keys()]) {
      if (n.normalize("NFC").toLowerCase() === key) this.#accounts.delete(n);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
      // A reader still opening has nothing to finish: shutdown does not wait for it.
      this.#starting?.terminate();
      this.#probe?.close();
      this.#probe = null;
      const writer = this.#writer;
      const reader = this.#reader;
      try {
        // Appends already queued commit before the database goes.
        await Promise.all([
          writer?.call("close", []),
          reader?.call("close", []),
          ...this.#stopping,
        ]);
      } finally {
        writer?.terminate();
        reader?.terminate();
      }
    })();
    return this.#closed;
  }
}
