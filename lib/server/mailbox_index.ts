/**
 * The per-mailbox index on the socket thread (issue 18 item 2): every UID of
 * a mailbox (a Uint32Array), one byte of system flags per message
 * (`MailboxSnapshot.flags`: FLAG_BITS, FLAG_HAS_KEYWORDS), the MODSEQ of
 * each message once known (a Float64Array, 0 for not known), and the
 * keywords of the messages that have any (a sparse map). One index per
 * mailbox and account store, shared by every session of this process that
 * has the mailbox selected; it lets SELECT of an open mailbox, FETCH of
 * UID/FLAGS/MODSEQ and flag-only SEARCH answer with no store request.
 *
 * Why it is current (docs/performance.md, "The shared mailbox index"):
 *
 * - It is built from a SELECT snapshot whose watch the store registered
 *   before reading the snapshot (SelectOptions.watch), so every change
 *   committed after the snapshot reaches it as an event; events of changes
 *   already in the snapshot may repeat, and applying them again in order
 *   ends in the same state (each event carries a message's whole flags).
 * - Within this process every change reaches the socket thread as an event
 *   before the reply to the command that made it (worker_store.ts: events
 *   and replies share one port, in order), so no client sees a change the
 *   index lacks.
 * - Changes of other processes (the `deliver` and admin CLIs, another node
 *   on PostgreSQL) arrive as events when a poll finds them: SELECT from the
 *   index asks the store to poll first (SelectOptions.indexed), in the same
 *   request that reads the mailbox row, and uses the index only when it has
 *   reached the HIGHESTMODSEQ that request read. FETCH FLAGS and SEARCH in
 *   a selected mailbox see another process's change after the next poll
 *   (NOOP, IDLE's tick, the next SELECT), as a session's own view does.
 * - What it does not know, it says so: messages announced by an event
 *   without their flags, keywords not read yet, MODSEQs not read yet. A
 *   command that needs them goes to the store as before, and a FETCH
 *   answer fills them in, unless an event has already brought a newer
 *   MODSEQ for that message.
 */
import type {
  AccountStore,
  AppendedFlags,
  FlagChange,
  MailboxEvent,
  MailboxSnapshot,
  SearchKey,
  UidSet,
} from "../store/mail_store.ts";
import { FLAG_BITS, FLAG_HAS_KEYWORDS } from "../store/mail_store.ts";
import { lowerBound, positionOf } from "./uid_set.ts";

/** Set in a flags byte while the message's flags are not known here. */
const UNKNOWN = 128;
/** The FLAG_BITS of a flags byte. */
const SYSTEM = 31;

/** System flags in the order the store lists them (lib/store/sql/flags.ts). */
const NAMES: readonly [number, string][] = [
  [FLAG_BITS["\\Answered"], "\\Answered"],
  [FLAG_BITS["\\Flagged"], "\\Flagged"],
  [FLAG_BITS["\\Deleted"], "\\Deleted"],
  [FLAG_BITS["\\Seen"], "\\Seen"],
  [FLAG_BITS["\\Draft"], "\\Draft"],
];

/** The system flags of every flag byte, one shared frozen list each (FETCH 1:* walks 100,000 of them). */
const SYSTEM_MASK = NAMES.reduce((m, [bit]) => m | bit, 0);
const SYSTEM_LISTS: readonly (readonly string[])[] = Array.from(
  { length: SYSTEM_MASK + 1 },
  (_, byte) => Object.freeze(NAMES.filter(([bit]) => byte & bit).map(([, name]) => name)),
);

const BIT_OF: Record<string, number> = {
  "\\seen": FLAG_BITS["\\Seen"],
  "\\answered": FLAG_BITS["\\Answered"],
  "\\flagged": FLAG_BITS["\\Flagged"],
  "\\deleted": FLAG_BITS["\\Deleted"],
  "\\draft": FLAG_BITS["\\Draft"],
};

/** Commands this process answered from an index, by kind (tests and profiling read them). */
export const indexAnswers = { select: 0, fetch: 0, search: 0 };

/** How long an index no session uses stays, kept current from the events. */
export const LINGER_MS = 60_000;
/** Bytes of typed arrays all lingering indexes of the process may hold. */
export const LINGER_BYTES = 64 * 1024 * 1024;

export class MailboxIndex {
  readonly mailboxId: number;
  #uids: Uint32Array;
  #flags: Uint8Array;
  /** MODSEQ per message, 0 while not known; null until one is known. */
  #modSeqs: Float64Array | null = null;
  #count: number;
  /** Keywords of the messages that have any and whose keywords are known, by UID. */
  #keywords = new Map<number, string[]>();
  /** UIDs whose flags or keywords are not known here. */
  #incomplete = new Set<number>();
  /** Messages whose MODSEQ is not known here. */
  #modSeqUnknown: number;
  /** The highest MODSEQ of the snapshot and of every event applied. */
  highestModSeq: number;
  /**
   * UIDNEXT as the snapshot and the append events tell it: a SELECT from the
   * index checks it too, since an append's event could in principle come
   * after a later change's event, and a message must never show up below a
   * UIDNEXT a client has been given (RFC 3501 §2.3.1.1).
   */
  uidNext: number;
  /**
   * HIGHESTMODSEQ of the snapshot the index was built from. A message whose
   * MODSEQ the index does not know has not changed since (a change would
   * have come as an event, with its MODSEQ): its MODSEQ is at most this, so
   * CHANGEDSINCE of this or more can leave it out without knowing it.
   */
  readonly builtAt: number;
  /** Set by a "deleted" event: the index answers nothing more. */
  deleted = false;

  constructor(mailboxId: number, snapshot: MailboxSnapshot & { flags: Uint8Array }) {
    this.mailboxId = mailboxId;
    this.#count = snapshot.uids.length;
    this.#uids = snapshot.uids.slice();
    this.#flags = snapshot.flags.slice(0, this.#count);
    this.#modSeqUnknown = this.#count;
    this.highestModSeq = snapshot.mailbox.highestModSeq;
    this.uidNext = snapshot.mailbox.uidNext;
    this.builtAt = snapshot.mailbox.highestModSeq;
    for (let i = 0; i < this.#count; i++) {
      this.#flags[i] &= SYSTEM | FLAG_HAS_KEYWORDS;
      if (this.#flags[i] & FLAG_HAS_KEYWORDS) this.#incomplete.add(this.#uids[i]);
    }
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes of typed arrays held. */
  get bytes(): number {
    return this.#uids.byteLength + this.#flags.byteLength + (this.#modSeqs?.byteLength ?? 0);
  }

  /** Every message's flags are known (keywords included). */
  get complete(): boolean {
    return this.#incomplete.size === 0;
  }

  /** Every message's system flags are known (SELECT needs no more). */
  get systemFlagsKnown(): boolean {
    if (this.#incomplete.size === 0) return true;
    for (let i = 0; i < this.#count; i++) if (this.#flags[i] & UNKNOWN) return false;
    return true;
  }

  /** The UID of the first message without \Seen, or null. */
  get firstUnseenUid(): number | null {
    const seen = FLAG_BITS["\\Seen"];
    for (let i = 0; i < this.#count; i++) if (!(this.#flags[i] & seen)) return this.#uids[i];
    return null;
  }

  /** Every message's MODSEQ is known too. */
  get modSeqsKnown(): boolean {
    return this.#modSeqUnknown === 0;
  }

  /** The UIDs, ascending (a copy: a session's view changes its own). */
  uids(): Uint32Array {
    return this.#uids.slice(0, this.#count);
  }

  uidAt(i: number): number {
    return this.#uids[i];
  }

  /** The position of `uid`, or -1. */
  indexOf(uid: number): number {
    return positionOf(this.#uids, this.#count, uid);
  }

  /** The position of the first UID >= `uid`. */
  lowerBound(uid: number): number {
    return lowerBound(this.#uids, this.#count, uid);
  }

  /** The flags of the message at position `i`, in the store's order. */
  flagsAt(i: number): readonly string[] {
    const byte = this.#flags[i];
    if (!(byte & FLAG_HAS_KEYWORDS)) return SYSTEM_LISTS[byte & SYSTEM_MASK];
    const out = [...SYSTEM_LISTS[byte & SYSTEM_MASK]];
    const kw = this.#keywords.get(this.#uids[i]);
    if (kw) { for (const k of kw) out.push(k); }
    return out;
  }

  /**
   * Whether CHANGEDSINCE `since` over `set` can be answered: every message's
   * flags known, and its MODSEQ known or at most `since` (see builtAt).
   */
  knowsChangesSince(set: UidSet, since: number): boolean {
    return this.knows(set, since < this.builtAt);
  }

  /** The MODSEQ of the message at position `i`, 0 when not known. */
  modSeqAt(i: number): number {
    return this.#modSeqs ? this.#modSeqs[i] : 0;
  }

  /** Whether the messages of `set` present here all have known flags (and MODSEQs, `modSeq`). */
  knows(set: UidSet, modSeq: boolean): boolean {
    if (this.deleted) return false;
    if (modSeq && !this.#modSeqs) return this.#count === 0;
    for (const r of set) {
      const end = this.lowerBound(r.to + 1);
      for (let i = this.lowerBound(r.from); i < end; i++) {
        if (this.#incomplete.size > 0 && this.#incomplete.has(this.#uids[i])) return false;
        if (modSeq && this.#modSeqs![i] === 0) return false;
      }
    }
    return true;
  }

  /**
   * SEARCH on the index: the matching UIDs, ascending, or null when the key
   * needs something the index does not hold (headers, dates, sizes...) or
   * does not know yet (flags of some message, a MODSEQ).
   */
  search(key: SearchKey): number[] | null {
    if (this.deleted || !this.#evaluable(key)) return null;
    if (!(usesKeyword(key) ? this.complete : this.systemFlagsKnown)) return null;
    indexAnswers.search++;
    const match = this.#eval(key);
    const out: number[] = [];
    for (let i = 0; i < this.#count; i++) if (match[i]) out.push(this.#uids[i]);
    return out;
  }

  #evaluable(key: SearchKey): boolean {
    switch (key.type) {
      case "all":
      case "uid":
      case "flag":
        return true;
      case "modSeq":
        return this.modSeqsKnown;
      case "and":
        return key.keys.every((k) => this.#evaluable(k));
      case "or":
        return this.#evaluable(key.left) && this.#evaluable(key.right);
      case "not":
        return this.#evaluable(key.key);
      default:
        return false;
    }
  }

  /** One byte per message, 1 where `key` matches (the store's rules, lib/store/sql/search.ts). */
  #eval(key: SearchKey): Uint8Array {
    const n = this.#count;
    const out = new Uint8Array(n);
    switch (key.type) {
      case "all":
        out.fill(1);
        break;
      case "uid":
        for (const r of key.set) {
          const end = this.lowerBound(r.to + 1);
          for (let i = this.lowerBound(r.from); i < end; i++) out[i] = 1;
        }
        break;
      case "flag": {
        const bit = BIT_OF[key.flag.toLowerCase()] ?? 0;
        const want = key.present ? 1 : 0;
        if (bit) {
          for (let i = 0; i < n; i++) out[i] = (this.#flags[i] & bit) !== 0 ? want : 1 - want;
        } else if (key.flag.startsWith("\\")) {
          // No other backslash flag is stored: none has it.
          out.fill(1 - want);
        } else {
          const name = key.flag.toLowerCase();
          for (let i = 0; i < n; i++) {
            let has = false;
            if (this.#flags[i] & FLAG_HAS_KEYWORDS) {
              has = this.#keywords.get(this.#uids[i])?.some((k) => k.toLowerCase() === name) ??
                false;
            }
            out[i] = has ? want : 1 - want;
          }
        }
        break;
      }
      case "modSeq":
        for (let i = 0; i < n; i++) out[i] = this.#modSeqs![i] >= key.min ? 1 : 0;
        break;
      case "and": {
        out.fill(1);
        for (const k of key.keys) {
          const m = this.#eval(k);
          for (let i = 0; i < n; i++) out[i] &= m[i];
        }
        break;
      }
      case "or": {
        const a = this.#eval(key.left);
        const b = this.#eval(key.right);
        for (let i = 0; i < n; i++) out[i] = a[i] | b[i];
        break;
      }
      case "not": {
        const m = this.#eval(key.key);
        for (let i = 0; i < n; i++) out[i] = 1 - m[i];
        break;
      }
      default:
        throw new Error(`Search key ${key.type} is not evaluated on the index`);
    }
    return out;
  }

  // ---- keeping current -------------------------------------------------

  /** Applies a change from the store's event bus. */
  apply(event: MailboxEvent): void {
    switch (event.type) {
      case "append":
        this.#appended(event.uids, event.flags);
        if (event.modSeq) this.#raise(event.modSeq);
        break;
      case "expunge":
        this.#expunged(event.uids);
        if (event.modSeq) this.#raise(event.modSeq);
        break;
      case "flags":
        for (const c of event.changes) this.#setFlags(c, true);
        break;
      case "deleted":
        this.deleted = true;
        break;
      case "renamed":
        break;
    }
  }

  /**
   * Fills in what a FETCH read from the store (flags, MODSEQ): only when
   * the record carries a MODSEQ at or above what the index holds, since an
   * event may have brought a newer state while the read was on its way.
   */
  learn(record: { uid: number; flags?: readonly string[]; modSeq?: number }): void {
    if (record.flags === undefined || record.modSeq === undefined || this.deleted) return;
    this.#setFlags({ uid: record.uid, flags: record.flags, modSeq: record.modSeq }, false);
  }

  #raise(modSeq: number): void {
    if (modSeq > this.highestModSeq) this.highestModSeq = modSeq;
  }

  #setFlags(change: FlagChange, fromEvent: boolean): void {
    const i = this.indexOf(change.uid);
    if (i < 0) return;
    const known = this.#modSeqs ? this.#modSeqs[i] : 0;
    // An event is always newer than what the index holds (events come in
    // commit order); a read is, only by its MODSEQ.
    if (known !== 0 && change.modSeq < known) return;
    this.#store(i, change.uid, change.flags, change.modSeq);
    if (fromEvent) this.#raise(change.modSeq);
  }

  /** Writes one message's whole flags and MODSEQ at position `i`. */
  #store(i: number, uid: number, flags: readonly string[], modSeq: number): void {
    let byte = 0;
    const keywords: string[] = [];
    for (const f of flags) {
      if (f.startsWith("\\")) byte |= BIT_OF[f.toLowerCase()] ?? 0;
      else keywords.push(f);
    }
    this.#write(i, uid, byte, keywords, modSeq);
  }

  #write(i: number, uid: number, system: number, keywords: string[], modSeq: number): void {
    let byte = system & SYSTEM;
    if (keywords.length > 0) {
      byte |= FLAG_HAS_KEYWORDS;
      this.#keywords.set(uid, keywords);
    } else this.#keywords.delete(uid);
    this.#flags[i] = byte;
    this.#incomplete.delete(uid);
    if (modSeq > 0) {
      if (!this.#modSeqs) this.#modSeqs = new Float64Array(this.#uids.length);
      if (this.#modSeqs[i] === 0) this.#modSeqUnknown--;
      this.#modSeqs[i] = modSeq;
    }
  }

  #appended(uids: readonly number[], flags: AppendedFlags | undefined): void {
    uids.forEach((uid, k) => {
      if (uid >= this.uidNext) this.uidNext = uid + 1;
      let i = this.indexOf(uid);
      if (i < 0) i = this.#insert(uid);
      // Without flags the message stays unknown here (or, repeated, as the index has it).
      if (!flags) return;
      const modSeq = flags.modSeqs[k];
      const known = this.#modSeqs ? this.#modSeqs[i] : 0;
      if (known !== 0 && modSeq < known) return;
      const keywords = flags.keywords[k];
      this.#write(i, uid, flags.system[k], keywords ?? [], modSeq);
      this.#raise(modSeq);
    });
  }

  /** Makes room for `uid` in UID order; its flags are unknown until set. */
  #insert(uid: number): number {
    if (this.#count === this.#uids.length) {
      const size = Math.max(16, this.#count * 2);
      const uids = new Uint32Array(size);
      uids.set(this.#uids);
      this.#uids = uids;
      const flags = new Uint8Array(size);
      flags.set(this.#flags);
      this.#flags = flags;
      if (this.#modSeqs) {
        const m = new Float64Array(size);
        m.set(this.#modSeqs);
        this.#modSeqs = m;
      }
    }
    const at = this.lowerBound(uid);
    if (at < this.#count) {
      this.#uids.copyWithin(at + 1, at, this.#count);
      this.#flags.copyWithin(at + 1, at, this.#count);
      this.#modSeqs?.copyWithin(at + 1, at, this.#count);
    }
    this.#uids[at] = uid;
    this.#flags[at] = UNKNOWN;
    if (this.#modSeqs) this.#modSeqs[at] = 0;
    this.#modSeqUnknown++;
    this.#incomplete.add(uid);
    this.#count++;
    return at;
  }

  #expunged(uids: readonly number[]): void {
    const gone = new Set(uids);
    let w = 0;
    for (let r = 0; r < this.#count; r++) {
      const uid = this.#uids[r];
      if (gone.has(uid)) {
        this.#keywords.delete(uid);
        this.#incomplete.delete(uid);
        if (!this.#modSeqs || this.#modSeqs[r] === 0) this.#modSeqUnknown--;
        continue;
      }
      if (w !== r) {
        this.#uids[w] = uid;
        this.#flags[w] = this.#flags[r];
        if (this.#modSeqs) this.#modSeqs[w] = this.#modSeqs[r];
      }
      w++;
    }
    this.#count = w;
  }
}

/**
 * The watch of a cold SELECT that builds an index: registered by the store
 * before the snapshot is read (SelectOptions.watch). Events that arrive
 * before the snapshot wait in `early`; once the index is built they are
 * applied to it in order, and every later event goes to the index and then
 * to the sessions that use it.
 */
export class IndexWatch {
  early: MailboxEvent[] = [];
  index: MailboxIndex | null = null;
  readonly sessions = new Set<(event: MailboxEvent) => void>();
  readonly listener = (event: MailboxEvent): void => {
    if (!this.index) {
      this.early.push(event);
      return;
    }
    this.index.apply(event);
    for (const s of this.sessions) s(event);
  };
}

interface Entry {
  watch: IndexWatch;
  index: MailboxIndex;
  /** Sessions that have the mailbox selected through this index. */
  users: number;
  unwatch: () => void;
  /** The linger timer once no session uses it. */
  timer: ReturnType<typeof setTimeout> | null;
  /** The registry holding it. */
  reg: Map<number, Entry>;
}

/** The indexes of one account store, by mailbox id. */
const registries = new WeakMap<AccountStore, Map<number, Entry>>();
/** Entries no session uses, oldest first (the linger cache). */
const lingering = new Set<Entry>();

function registryOf(account: AccountStore): Map<number, Entry> {
  let r = registries.get(account);
  if (!r) registries.set(account, r = new Map());
  return r;
}

/** Mailbox ids of `account` this process holds an index for (SelectOptions.indexed). */
export function indexedMailboxes(account: AccountStore): number[] {
  const out: number[] = [];
  for (const [id, e] of registryOf(account)) if (!e.index.deleted) out.push(id);
  return out;
}

/** The index of a mailbox, if this process holds one. */
export function indexOf(account: AccountStore, mailboxId: number): MailboxIndex | null {
  const e = registryOf(account).get(mailboxId);
  return e && !e.index.deleted ? e.index : null;
}

/**
 * Builds the index of a cold SELECT's snapshot (taken under `watch`) and
 * takes it into the registry in place of any older one of the mailbox
 * (whose sessions move to it). Null when the store gave no flag bytes.
 */
export function indexSnapshot(
  account: AccountStore,
  snap: MailboxSnapshot,
  watch: IndexWatch,
): MailboxIndex | null {
  if (!snap.flags || !snap.unwatch) return null;
  const index = new MailboxIndex(snap.mailbox.id, snap as MailboxSnapshot & { flags: Uint8Array });
  for (const e of watch.early) index.apply(e);
  watch.index = index;
  const reg = registryOf(account);
  const old = reg.get(index.mailboxId);
  const entry: Entry = { watch, index, users: 0, unwatch: snap.unwatch, timer: null, reg };
  if (old) {
    for (const s of old.watch.sessions) watch.sessions.add(s);
    entry.users = old.users;
    old.watch.sessions.clear();
    dropEntry(old);
  }
  reg.set(index.mailboxId, entry);
  return index;
}

/**
 * A session starts using the index of `mailboxId`: it gets the mailbox's
 * events through the index, from this moment on, with nothing in between
 * (`replay`: events it must see first). Returns its leave function.
 */
export function joinIndex(
  account: AccountStore,
  mailboxId: number,
  listener: (event: MailboxEvent) => void,
  replay: readonly MailboxEvent[] = [],
): () => void {
  const e = registryOf(account).get(mailboxId)!;
  for (const ev of replay) listener(ev);
  e.users++;
  if (e.timer !== null) clearTimeout(e.timer);
  e.timer = null;
  lingering.delete(e);
  e.watch.sessions.add(listener);
  let left = false;
  return () => {
    if (left) return;
    left = true;
    // The entry may have been replaced by a newer one meanwhile.
    const now = registryOf(account).get(mailboxId);
    if (!now || !now.watch.sessions.delete(listener)) return;
    release(now);
  };
}

/**
 * With no user left an index lingers LINGER_MS, kept current from the
 * events, so the next SELECT needs no UID list (a client that logs in anew
 * for each check); all lingering indexes together hold at most LINGER_BYTES.
 */
function release(e: Entry): void {
  if (--e.users > 0) return;
  if (e.index.deleted) {
    dropEntry(e);
    return;
  }
  const timer = setTimeout(() => dropEntry(e), LINGER_MS);
  // A lingering index must not keep the process alive.
  Deno.unrefTimer(timer as unknown as number);
  e.timer = timer;
  lingering.add(e);
  let bytes = 0;
  for (const l of lingering) bytes += l.index.bytes;
  for (const l of lingering) {
    if (bytes <= LINGER_BYTES) break;
    bytes -= l.index.bytes;
    dropEntry(l);
  }
}

function dropEntry(e: Entry): void {
  if (e.reg.get(e.index.mailboxId) === e) e.reg.delete(e.index.mailboxId);
  lingering.delete(e);
  if (e.timer !== null) clearTimeout(e.timer);
  e.timer = null;
  e.unwatch();
  e.index.deleted = true;
}

/** Whether a search key names a keyword (the index must know every message's keywords). */
function usesKeyword(key: SearchKey): boolean {
  switch (key.type) {
    case "flag":
      return !key.flag.startsWith("\\");
    case "and":
      return key.keys.some(usesKeyword);
    case "or":
      return usesKeyword(key.left) || usesKeyword(key.right);
    case "not":
      return usesKeyword(key.key);
    default:
      return false;
  }
}
