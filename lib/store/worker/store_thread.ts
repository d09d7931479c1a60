/**
 * The store thread: a Deno Worker that owns the SQL store (its libSQL
 * connection, the group-commit APPEND queue, MIME parsing at APPEND, SEARCH
 * evaluation, body reads) and answers requests from `worker_store.ts` on
 * the thread that serves sockets. Long requests are cut into slices at query
 * boundaries (time_slice.ts), so a SEARCH over a big mailbox does not hold
 * back another session's NOOP.
 *
 * There is one store thread per store, hence one writer: the APPEND queue
 * commits exactly as it does in-process, and a reply leaves only after the
 * commit that holds it.
 */
/// <reference lib="deno.worker" />
import { openSqlStore } from "../imapsql.ts";
import {
  type AccountStore,
  type MailboxSnapshot,
  type SelectOptions,
  StoreError,
} from "../mail_store.ts";
import type { SqlMailStore } from "../sql/sql_store.ts";
import type { SqlAccountStore } from "../sql/account_store.ts";
import type { RawRecord } from "../sql/fetch.ts";
import {
  CHUNK_BYTES,
  CHUNK_RECORDS,
  type FromStore,
  ownBuffer,
  STREAM_CREDIT,
  type ToStore,
  type WireError,
} from "./protocol.ts";
import { TimeSlice } from "./time_slice.ts";

const STORE_METHODS = new Set(["listAccounts", "deleteAccount", "close"]);
const ACCOUNT_METHODS = new Set([
  "listMailboxes",
  "listMailboxesSince",
  "getMailbox",
  "createMailbox",
  "deleteMailbox",
  "renameMailbox",
  "setSubscribed",
  "listSubscriptions",
  "status",
  "select",
  "selectByName",
  "claimRecent",
  "append",
  "appendAll",
  "appendByName",
  "replace",
  "storeFlags",
  "expunge",
  "copy",
  "move",
  "search",
  "vanished",
  "poll",
  "getAppendLimit",
  "appendLimits",
  "restoreMailbox",
  "restoreMessages",
  "setAppendLimit",
  "quota",
  "setQuota",
  "pollAccount",
  "getMetadata",
  "setMetadata",
  // SqlAccountStore's two halves of an APPEND: prepared on the reader, committed on the writer.
  "prepareAppend",
  "prepareAppendByName",
  "appendPrepared",
]);

const slice = new TimeSlice();
let store: SqlMailStore | null = null;
/** Open accounts by canonical name, shared by every session of the account. */
const accounts = new Map<string, AccountStore>();
const watches = new Map<number, () => void>();
const streams = new Map<
  number,
  { credit: number; cancelled: boolean; wake: (() => void) | null }
>();

function post(msg: FromStore, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function wireError(e: unknown): WireError {
  if (e instanceof StoreError) {
    const cause = e.cause === undefined ? undefined : wireError(e.cause);
    return { name: e.name, message: e.message, code: e.code, cause };
  }
  if (e instanceof Error) {
    const cause = e.cause === undefined ? undefined : wireError(e.cause);
    return { name: e.name, message: e.message, stack: e.stack, cause };
  }
  return { name: "Error", message: String(e) };
}

/** Accounts being opened by accountOf(), by the name asked for. */
const opening = new Map<string, Promise<AccountStore>>();

/**
 * The account by canonical name. A reader thread learns of accounts only
 * through the requests it gets, and so does a writer started again after it
 * had stopped (worker_store.ts), so it opens one on first use (never
 * creating it: openAccount did that). Requests that arrive while it opens
 * share one opening, and continue in the order they arrived.
 */
function accountOf(name: string): Promise<AccountStore> {
  const a = accounts.get(name);
  if (a) return Promise.resolve(a);
  let p = opening.get(name);
  if (!p) {
    p = (async () => {
      const opened = store ? await store.openAccount(name) : null;
      if (!opened) throw new StoreError("NONEXISTENT", `No account ${JSON.stringify(name)}`);
      const account = accounts.get(opened.accountName) ?? opened;
      accounts.set(name, account);
      return account;
    })().finally(() => opening.delete(name));
    opening.set(name, p);
  }
  return p;
}

/**
 * Registers a watch, opening the account first when this thread has not
 * (a writer started again has none open). An unwatch that comes while the
 * account opens cancels it.
 */
function watchOn(
  name: string,
  id: number,
  register: (account: AccountStore) => () => void,
): void {
  const account = accounts.get(name);
  if (account) {
    watches.set(id, register(account));
    return;
  }
  const pending = () => {};
  watches.set(id, pending);
  accountOf(name).then((account) => {
    if (watches.get(id) === pending) watches.set(id, register(account));
  }, () => {
    if (watches.get(id) === pending) watches.delete(id);
  });
}

function key(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/**
 * Account methods whose results are arrays of plain records (numbers,
 * strings, booleans, null): they cross as JSON text, cheaper than
 * structured clone for many small objects (protocol.ts).
 */
const JSON_REPLIES = new Set(["listMailboxes", "listMailboxesSince"]);

async function call(msg: Extract<ToStore, { t: "call" }>): Promise<void> {
  try {
    if (!store) throw new Error("The store is not open");
    let value: unknown;
    const transfer: Transferable[] = [];
    if (msg.account === undefined) {
      if (msg.method === "openAccount") {
        const [name, options] = msg.args as [string, { create?: boolean } | undefined];
        const account = await store.openAccount(name, options);
        if (account && !accounts.has(account.accountName)) {
          accounts.set(account.accountName, account);
        }
        value = account ? account.accountName : null;
      } else if (msg.method === "forgetAccount") {
        // A reader's cached account after the writer deleted it (its id may come back new).
        const k = key(msg.args[0] as string);
        for (const name of [...accounts.keys()]) if (key(name) === k) accounts.delete(name);
      } else if (STORE_METHODS.has(msg.method)) {
        if (msg.method === "deleteAccount") {
          const k = key(msg.args[0] as string);
          for (const name of [...accounts.keys()]) if (key(name) === k) accounts.delete(name);
        }
        // deno-lint-ignore no-explicit-any
        value = await (store as any)[msg.method](...msg.args);
      } else {
        throw new Error(`Unknown store method ${msg.method}`);
      }
    } else {
      if (!ACCOUNT_METHODS.has(msg.method)) throw new Error(`Unknown method ${msg.method}`);
      const account = await accountOf(msg.account);
      if (msg.method === "selectByName") {
        // A watch asked for with the SELECT begins before its snapshot is read.
        const options = msg.args[1] as SelectOptions & { watchId?: number } | undefined;
        const id = options?.watchId;
        if (id !== undefined) {
          options!.watch = (event) => post({ t: "event", watch: id, event });
        }
      }
      // deno-lint-ignore no-explicit-any
      value = await (account as any)[msg.method](...msg.args);
      if (msg.method === "prepareAppend" || msg.method === "prepareAppendByName") {
        // The messages' bytes go back moved, not copied: each body is a view
        // of its message, whose buffer came here with the request and is
        // this thread's alone. (Other byte fields may be views of a shared
        // pool, compression's output: those are cloned.)
        const inputs = msg.args[1] as { content: Uint8Array }[];
        for (const input of inputs) {
          const buffer = input.content.buffer;
          if (buffer instanceof ArrayBuffer && !transfer.includes(buffer)) transfer.push(buffer);
        }
      }
      if ((msg.method === "select" || msg.method === "selectByName") && value !== null) {
        const snap = value as MailboxSnapshot;
        const id = (msg.args[1] as { watchId?: number } | undefined)?.watchId;
        if (snap.unwatch) {
          if (id !== undefined) watches.set(id, snap.unwatch);
          delete snap.unwatch;
        }
        const own = snap.uids.byteOffset === 0 && snap.uids.buffer instanceof ArrayBuffer &&
            snap.uids.byteLength === snap.uids.buffer.byteLength
          ? snap.uids as Uint32Array<ArrayBuffer>
          : snap.uids.slice();
        snap.uids = own;
        transfer.push(own.buffer);
      }
    }
    if (JSON_REPLIES.has(msg.method)) post({ t: "json", id: msg.id, json: JSON.stringify(value) });
    else post({ t: "ok", id: msg.id, value }, transfer);
  } catch (e) {
    post({ t: "err", id: msg.id, error: wireError(e) });
  }
}

/**
 * Byte fields of a fetch chunk. Fields this small (header blocks, small
 * messages) are copied into one buffer per chunk: every transferred buffer
 * costs its own detach and re-creation, and 2,000 headers of a first sync
 * moved one by one cost more than the rest of the chunk. Larger ones move as
 * they are, without a copy.
 */
const PACK_BELOW = 64 * 1024;

class ChunkBytes {
  /** Transferred as they are; a record names one by its index. */
  bins: Uint8Array<ArrayBuffer>[] = [];
  #small: Uint8Array[] = [];
  #packed = 0;

  /** Where `bytes` will be: an index into `bins`, or [offset, length] in the pack. */
  place(bytes: Uint8Array): number | [number, number] {
    if (bytes.length >= PACK_BELOW) return this.bins.push(ownBuffer(bytes)) - 1;
    const at = this.#packed;
    this.#small.push(bytes);
    this.#packed += bytes.length;
    return [at, bytes.length];
  }

  /** The pack (null when empty). */
  pack(): Uint8Array<ArrayBuffer> | null {
    if (this.#packed === 0) return null;
    const out = new Uint8Array(this.#packed);
    let at = 0;
    for (const b of this.#small) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
}

/**
 * Encodes a record as JSON text; byte fields go to `bytes`. Returns the text
 * and the bytes it carries. Envelope and body structure are spliced in as
 * the JSON text they are stored as: parsing and writing them again here
 * cost more than the rest of FETCH (ENVELOPE BODYSTRUCTURE) on this thread.
 */
function encodeRecord(r: RawRecord, bytes: ChunkBytes): [string, number] {
  const out: Record<string, unknown> = { uid: r.uid };
  let size = 0;
  if (r.flags) out.flags = r.flags;
  if (r.internalDate) out.internalDate = r.internalDate.getTime();
  if (r.saveDate !== undefined) out.saveDate = r.saveDate === null ? null : r.saveDate.getTime();
  if (r.emailId !== undefined) out.emailId = r.emailId;
  if (r.preview !== undefined) out.preview = r.preview;
  if (r.size !== undefined) out.size = r.size;
  if (r.modSeq !== undefined) out.modSeq = r.modSeq;
  if (r.header) {
    out.header = bytes.place(r.header);
    size += r.header.length;
  }
  if (r.content) {
    out.content = bytes.place(r.content);
    size += r.content.length;
  }
  if (r.nulFree) out.nulFree = true;
  if (r.envelopeWire) {
    out.envelopeWire = bytes.place(r.envelopeWire);
    size += r.envelopeWire.length;
  }
  if (r.bodyStructureWire) {
    out.bodyStructureWire = bytes.place(r.bodyStructureWire);
    size += r.bodyStructureWire.length;
  }
  let json = JSON.stringify(out);
  if (r.envelopeJson !== undefined || r.bodyStructureJson !== undefined) {
    json = json.slice(0, -1);
    if (r.envelopeJson !== undefined) json += `,"envelope":${r.envelopeJson}`;
    if (r.bodyStructureJson !== undefined) json += `,"bodyStructure":${r.bodyStructureJson}`;
    json += "}";
  }
  return [json, size + json.length];
}

/** Records between checks of the time slice: performance.now() per record showed in profiles. */
const YIELD_EVERY = 64;

async function fetch(msg: Extract<ToStore, { t: "fetch" }>): Promise<void> {
  const state = { credit: STREAM_CREDIT, cancelled: false, wake: null as (() => void) | null };
  streams.set(msg.id, state);
  /** The records of the chunk being built, each as JSON text. */
  let records: string[] = [];
  let bytes = new ChunkBytes();
  let size = 0;
  const send = async (done: boolean) => {
    while (state.credit === 0 && !state.cancelled) {
      await new Promise<void>((resolve) => (state.wake = resolve));
    }
    if (state.cancelled) return;
    state.credit--;
    const { bins } = bytes;
    const pack = bytes.pack();
    const transfer = bins.map((b) => b.buffer);
    if (pack) transfer.push(pack.buffer);
    post({ t: "chunk", id: msg.id, json: `[${records.join(",")}]`, bins, pack, done }, transfer);
    records = [];
    bytes = new ChunkBytes();
    size = 0;
  };
  let iterator: AsyncIterator<RawRecord> | null = null;
  try {
    const account = await accountOf(msg.account) as SqlAccountStore;
    const [mailboxId, uids, fields] = msg.args as Parameters<AccountStore["fetch"]>;
    iterator = account.fetchRaw(mailboxId, uids, fields)[Symbol.asyncIterator]();
    let n = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const [rec, recSize] = encodeRecord(next.value, bytes);
      records.push(rec);
      size += recSize;
      if (records.length >= CHUNK_RECORDS || size >= CHUNK_BYTES) await send(false);
      if (state.cancelled) break;
      // Records decoded from one big query come without a query boundary between them.
      if (++n % YIELD_EVERY === 0) {
        const yielding = slice.maybeYield();
        if (yielding) await yielding;
      }
    }
    if (!state.cancelled) await send(true);
  } catch (e) {
    if (!state.cancelled) post({ t: "err", id: msg.id, error: wireError(e) });
  } finally {
    streams.delete(msg.id);
    if (state.cancelled) await iterator?.return?.().catch(() => {});
  }
}

async function open(msg: Extract<ToStore, { t: "open" }>): Promise<void> {
  try {
    store = await openSqlStore(msg.options, {
      plugins: [slice.plugin()],
      reader: msg.reader,
      nextTask: () => slice.nextTask(),
    });
    post({ t: "ready" });
  } catch (e) {
    post({ t: "open-failed", error: wireError(e) });
  }
}

self.onmessage = (e: MessageEvent<ToStore>) => {
  slice.begin();
  const msg = e.data;
  switch (msg.t) {
    case "open":
      open(msg);
      break;
    case "call":
      call(msg);
      break;
    case "fetch":
      fetch(msg);
      break;
    case "more": {
      const s = streams.get(msg.id);
      if (s) {
        s.credit++;
        s.wake?.();
        s.wake = null;
      }
      break;
    }
    case "cancel": {
      const s = streams.get(msg.id);
      if (s) {
        s.cancelled = true;
        s.wake?.();
        s.wake = null;
      }
      break;
    }
    case "watch": {
      const id = msg.watch;
      watchOn(
        msg.account,
        id,
        (account) =>
          account.watch(msg.mailboxId, (event) => post({ t: "event", watch: id, event })),
      );
      break;
    }
    case "watchAccount": {
      const id = msg.watch;
      watchOn(
        msg.account,
        id,
        (account) => account.watchAccount((event) => post({ t: "event", watch: id, event })),
      );
      break;
    }
    case "unwatch":
      watches.get(msg.watch)?.();
      watches.delete(msg.watch);
      break;
  }
};
