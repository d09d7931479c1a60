/**
 * The session's view of its selected mailbox: the sequence-number map
 * (a Uint32Array of UIDs, sequence n at index n-1), the messages that are
 * \Recent for this session, the keywords the client has been told of, and
 * the updates other sessions made that this client has not been told of
 * yet.
 *
 * RFC 3501 §7.4.1: EXPUNGE must not be sent while a command that uses
 * sequence numbers runs (FETCH, STORE, SEARCH), nor during one that is not
 * UID-based; the connection asks `writeUpdates(enc, allowExpunge)` at the
 * end of each command, and the view keeps numbering stable until then.
 *
 * CONDSTORE and QRESYNC (RFC 7162): once the session has enabled CONDSTORE,
 * every FETCH that carries FLAGS also carries MODSEQ (§3.1); once QRESYNC,
 * removals are announced with one VANISHED of UIDs instead of EXPUNGE
 * (§3.2.10.2), as they are once UIDONLY is (RFC 9586 §3, where FETCH
 * becomes UIDFETCH too). The view keeps the highest MODSEQ the client has been told
 * everything up to (`modSeq`): what HIGHESTMODSEQ may say mid-session.
 *
 * RFC 3501 §2.3.2: each message is \Recent in exactly one session. The
 * store keeps one "claimed up to UID" counter per mailbox, moved atomically
 * (`claimRecent`); a session that claims a range holds those messages as
 * recent, here, for as long as it keeps the mailbox selected. A read-only
 * session (EXAMINE) looks without claiming, so it takes nothing away.
 */
import { ChangeWaiter } from "./change_waiter.ts";
import type {
  FlagChange,
  MailboxEvent,
  MailboxInfo,
  UidRange,
  UidSet,
} from "../store/mail_store.ts";
import { SYSTEM_FLAGS } from "../store/mail_store.ts";
import { type MessageSet, resolveRanges, SAVED_RESULT, STAR } from "../protocol/sequence_set.ts";
import type { ResponseEncoder } from "../wire/encoder.ts";
import { writeEsearch } from "../protocol/commands/search.ts";
import { type SearchContext, takeOut } from "./context_updates.ts";
import { bad } from "../protocol/errors.ts";
import {
  type FetchedMessage,
  type FetchResponseOptions,
  writeFetchResponse,
} from "../protocol/fetch_response.ts";
import type { FetchItem } from "../protocol/commands/fetch.ts";
import {
  writeExists,
  writeFlagsResponse,
  writePermanentFlags,
  writeRecent,
} from "../protocol/commands/select.ts";
import { writeExpunge, writeVanished } from "../protocol/commands/expunge.ts";
import { lowerBound, positionOf, uidSetOf } from "./uid_set.ts";

/**
 * Claims the messages up to `uid` as \Recent for the caller (or, with
 * `peek`, only looks): the range of UIDs that are recent for it, or null.
 */
export type RecentClaim = (
  uid: number,
  peek: boolean,
) => Promise<{ from: number; to: number } | null>;

/** How a sequence set is read (the one rule every command uses; RFC 3501 §6.4.8, §9). */
export type SetUse =
  /** Message sequence numbers naming messages to act on: past the end is BAD. */
  | "seq"
  /** UIDs: a UID that does not exist is not an error; "*" is the largest UID known here. */
  | "uid"
  /** Sequence numbers inside a SEARCH key: a criterion, so past the end matches nothing. */
  | "search";

const FLAGS_ITEM: readonly FetchItem[] = [{ kind: "flags" }];

export class SelectedMailbox {
  readonly info: MailboxInfo;
  readonly readOnly: boolean;
  #uids: Uint32Array;
  #count: number;
  /** UIDs expunged elsewhere, still holding their sequence numbers here. */
  #expunged = new Set<number>();
  /** UIDs appended elsewhere, not yet announced with EXISTS. */
  #appended: number[] = [];
  /**
   * The largest UID this view has known of, announced or gone: an append
   * event at or below it is a repeat (events may repeat, mail_store.ts),
   * even after an EXPUNGE has lowered the largest UID in the view.
   */
  #highWater: number;
  /** Flag changes made elsewhere, by UID. */
  #flags = new Map<number, FlagChange>();
  /** UID ranges that are \Recent for this session, ascending. */
  #recent: { from: number; to: number }[] = [];
  /** Keywords the client has been told of in FLAGS, by lower-case name. */
  #keywords = new Map<string, string>();
  #claim: RecentClaim;
  /**
   * UIDs at or below it need no claim: this session's own APPENDs claimed
   * \Recent in their transaction (`noteOwnAppend`).
   */
  #claimedTo = 0;
  /**
   * The search result variable of RFC 5182 §2.1 ("$"), as ascending UIDs:
   * empty at SELECT/EXAMINE (a new view), gone with the view at CLOSE and
   * UNSELECT. Kept as UIDs, it follows the messages: one that is expunged
   * drops out when its sequence number does.
   */
  #saved: number[] = [];
  /** The session's ENABLEd extensions (shared, so a later ENABLE shows here). */
  #enabled: ReadonlySet<string>;
  /** MODSEQ up to which the client has been told every change. */
  #modSeq: number;
  /** The highest MODSEQ of the changes received, told or not. */
  #seenModSeq: number;
  #deleted = false;
  /** Wakes an IDLE waiting for a change. */
  #changed = new ChangeWaiter();
  #unwatch: (() => void) | null = null;
  #closers: (() => void)[] = [];

  constructor(
    info: MailboxInfo,
    uids: Uint32Array,
    readOnly: boolean,
    options: {
      keywords?: readonly string[];
      claimRecent?: RecentClaim;
      enabled?: ReadonlySet<string>;
    } = {},
  ) {
    this.info = info;
    this.#enabled = options.enabled ?? new Set();
    this.#modSeq = info.highestModSeq;
    this.#seenModSeq = info.highestModSeq;
    this.readOnly = readOnly;
    this.#uids = uids;
    this.#count = uids.length;
    // Every UID below UIDNEXT is in the snapshot or already gone.
    this.#highWater = Math.max(this.maxUid, info.uidNext - 1);
    for (const k of options.keywords ?? []) {
      if (!k.startsWith("\\")) this.#keywords.set(k.toLowerCase(), k);
    }
    this.#claim = options.claimRecent ?? (() => Promise.resolve(null));
  }

  setUnwatch(unwatch: () => void): void {
    this.#unwatch = unwatch;
  }

  /** Runs `f` when this view closes (fetch_read_ahead.ts stops its store stream). */
  onClose(f: () => void): void {
    this.#closers.push(f);
  }

  close(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    for (const f of this.#closers.splice(0)) f();
  }

  /** CONDSTORE is on in this session (ENABLE, or any enabling command; RFC 7162 §3.1). */
  get condstore(): boolean {
    return this.#enabled.has("CONDSTORE");
  }

  /** QRESYNC is on in this session (ENABLE QRESYNC, RFC 7162 §3.2.3). */
  get qresync(): boolean {
    return this.#enabled.has("QRESYNC");
  }

  /**
   * UIDONLY is on in this session (ENABLE UIDONLY, RFC 9586 §3.1): no message
   * number goes out any more. FETCH responses become UIDFETCH (§3.3) and
   * EXPUNGE becomes VANISHED (§3); EXISTS still counts the messages.
   */
  get uidOnly(): boolean {
    return this.#enabled.has("UIDONLY");
  }

  /** The HIGHESTMODSEQ this client may be told: every change up to it has been sent. */
  get modSeq(): number {
    return this.#modSeq;
  }

  /** The largest UID this view has known of, present or expunged since. */
  get highWater(): number {
    return this.#highWater;
  }

  /** Messages as the client knows them. */
  get count(): number {
    return this.#count;
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  get maxUid(): number {
    return this.#count === 0 ? 0 : this.#uids[this.#count - 1];
  }

  uidAt(seq: number): number {
    return this.#uids[seq - 1];
  }

  /** The sequence number of `uid`, or 0. */
  seqOf(uid: number): number {
    return positionOf(this.#uids, this.#count, uid) + 1;
  }

  /**
   * seqOf() of each of `uids`: one walk along the view when they ascend and
   * are many (SEARCH UNSEEN of 10,000 messages names 5,000: a binary search
   * each cost more than the rest of the command), else a search each.
   */
  seqsOf(uids: readonly number[]): number[] {
    const n = uids.length;
    const out: number[] = [];
    // A walk costs about `count` steps, searches about n·log2(count).
    let i = 0;
    if (n * Math.log2(this.#count + 2) >= this.#count) {
      let at = 0;
      let prev = 0;
      for (; i < n; i++) {
        const uid = uids[i];
        if (uid < prev) break; // not ascending (SORT): the rest one by one
        prev = uid;
        while (at < this.#count && this.#uids[at] < uid) at++;
        out.push(at < this.#count && this.#uids[at] === uid ? at + 1 : 0);
      }
    }
    for (; i < n; i++) out.push(this.seqOf(uids[i]));
    return out;
  }

  /** Whether `uid` was expunged by another session and not yet reported. */
  isExpunged(uid: number): boolean {
    return this.#expunged.has(uid);
  }

  // ---- \Recent ---------------------------------------------------------

  /**
   * Claims \Recent for the messages of the snapshot (SELECT), or looks at
   * which are unclaimed (EXAMINE). Returns how many are recent here.
   * `unclaimed` is the snapshot's count of messages no session has claimed
   * (MailboxSnapshot.recent): when it is 0 there is nothing to claim, and
   * the store is not asked (claims are never undone, so none can appear
   * among the snapshot's messages meanwhile).
   */
  async claimInitialRecent(unclaimed = 1): Promise<number> {
    if (this.#count === 0 || unclaimed === 0) return 0;
    const range = await this.#claim(this.maxUid, this.#peekRecent);
    if (range) this.#addRecent(range);
    return this.recentCount;
  }

  /**
   * Whether the session speaks IMAP4rev2 (ENABLE IMAP4rev2): no \Recent flag
   * and no RECENT response (RFC 9051 Appendix E), so the session takes no
   * message's \Recent from an IMAP4rev1 session either; it only looks.
   */
  get rev2(): boolean {
    return this.#enabled.has("IMAP4REV2");
  }

  get #peekRecent(): boolean {
    return this.readOnly || this.rev2;
  }

  /** Whether `uid` is \Recent in this session. */
  isRecent(uid: number): boolean {
    for (const r of this.#recent) {
      if (uid < r.from) return false;
      if (uid <= r.to) return true;
    }
    return false;
  }

  /** Messages the client knows that are \Recent here. */
  get recentCount(): number {
    let n = 0;
    for (const r of this.#recent) n += this.#lowerBound(r.to + 1) - this.#lowerBound(r.from);
    return n;
  }

  /** The index of the first known UID >= `uid`. */
  #lowerBound(uid: number): number {
    return lowerBound(this.#uids, this.#count, uid);
  }

  /** The UIDs that are \Recent here, for SEARCH RECENT / NEW / OLD. */
  get recentUids(): UidSet {
    return this.#recent.map((r) => ({ ...r }));
  }

  #addRecent(range: { from: number; to: number }): void {
    const last = this.#recent[this.#recent.length - 1];
    if (last && last.to + 1 >= range.from) last.to = Math.max(last.to, range.to);
    else this.#recent.push({ ...range });
  }

  /** The UIDs of `set` this client knows, ascending (for the PARTIAL fetch modifier). */
  knownUids(set: UidSet): number[] {
    const out: number[] = [];
    for (const r of set) {
      for (let i = this.#lowerBound(r.from); i < this.#count && this.#uids[i] <= r.to; i++) {
        out.push(this.#uids[i]);
      }
    }
    return out;
  }

  // ---- the saved search result (RFC 5182) ---------------------------------

  /** Replaces "$" with these ascending UIDs (SEARCH RETURN (SAVE); empty after a failed one). */
  saveResult(uids: readonly number[]): void {
    this.#saved = [...uids];
  }

  /** "$" as a UID set: the saved messages this client still knows. */
  #savedSet(): UidSet {
    return uidSetOf(this.#saved.filter((uid) => this.seqOf(uid) !== 0));
  }

  // ---- sequence sets ---------------------------------------------------

  /**
   * The UIDs a sequence set names in this session's view, ascending: the one
   * rule for every command.
   *
   * - "seq": a number past the last message, "*" in an empty mailbox
   *   included, is a client error (RFC 3501 §9 lets servers answer BAD;
   *   Dovecot says "Invalid messageset").
   * - "uid": UIDs that do not exist are not an error (§6.4.8); "*" is the
   *   largest UID the client knows, and UIDs above it (not announced yet)
   *   have no sequence number to answer with, so they are left out.
   * - "search": a criterion, not a target: numbers past the end match nothing.
   *
   * "$" is the saved search result whatever the use (RFC 5182 §2.1: it names
   * messages, so it serves sequence-number and UID commands alike); empty, it
   * names nothing, which is not an error.
   */
  resolveSet(set: MessageSet, use: SetUse): UidSet {
    if (set === SAVED_RESULT) return this.#savedSet();
    if (use === "uid") {
      const max = this.maxUid;
      const out: { from: number; to: number }[] = [];
      for (const r of resolveRanges(set, max)) {
        if (r.from > max) continue;
        out.push({ from: r.from, to: Math.min(r.to, max) });
      }
      return out;
    }
    const count = this.#count;
    if (use === "seq") {
      const outside = set.find((r) =>
        r.from > count || r.to > count || (count === 0 && (r.from === STAR || r.to === STAR))
      );
      if (outside) {
        throw bad(
          `Invalid messageset "${formatRange(outside)}": the mailbox has ${count} messages`,
        );
      }
    }
    const out: { from: number; to: number }[] = [];
    for (const r of resolveRanges(set, count)) {
      const to = Math.min(r.to, count);
      for (let s = r.from; s <= to; s++) {
        const uid = this.#uids[s - 1];
        const last = out[out.length - 1];
        if (last && last.to === uid - 1) last.to = uid;
        else out.push({ from: uid, to: uid });
      }
    }
    return out;
  }

  // ---- responses -------------------------------------------------------

  /**
   * Writes "* seq FETCH (...)" through the one FETCH writer: FLAGS gain
   * \Recent when the message is recent here, and a keyword the client has
   * not been told of is announced first with FLAGS and PERMANENTFLAGS
   * (RFC 3501 §7.2.6: FLAGS lists the flags that apply in the mailbox).
   */
  writeFetch(
    enc: ResponseEncoder,
    seq: number,
    msg: FetchedMessage,
    items: readonly FetchItem[],
    options: FetchResponseOptions = {},
  ): void {
    let out = msg;
    if (msg.flags) {
      this.announceKeywords(enc, msg.flags);
      if (!this.rev2 && this.isRecent(msg.uid)) out = { ...msg, flags: withRecent(msg.flags) };
    }
    // RFC 7162 §3.1: a CONDSTORE-aware client gets MODSEQ with the flags;
    // §3.2.4: once QRESYNC is on, every FETCH names its UID (as Dovecot
    // does for solicited ones too), so the client can file each change.
    const modSeq = this.condstore && msg.modSeq !== undefined && msg.flags !== undefined;
    const uid = options.uid || this.qresync;
    // RFC 9586 §3.3: under UIDONLY the UID leads the response, as UIDFETCH.
    const uidOnly = this.uidOnly;
    writeFetchResponse(enc, seq, out, items, { ...options, uid, modSeq, uidOnly });
  }

  /** The flags for the FLAGS response: system flags, then the keywords known here. */
  get flagList(): string[] {
    return [...SYSTEM_FLAGS, ...this.#keywords.values()];
  }

  /** FLAGS and PERMANENTFLAGS, as SELECT sends them and as an update after a new keyword. */
  writeFlagResponses(enc: ResponseEncoder): void {
    const flags = this.flagList;
    writeFlagsResponse(enc, flags);
    writePermanentFlags(enc, this.readOnly ? [] : flags, !this.readOnly);
  }

  /** Writes FLAGS and PERMANENTFLAGS when `flags` hold a keyword the client has not been told of. */
  announceKeywords(enc: ResponseEncoder, flags: readonly string[]): void {
    let added = false;
    for (const f of flags) {
      if (f.startsWith("\\")) continue;
      const key = f.toLowerCase();
      if (!this.#keywords.has(key)) {
        this.#keywords.set(key, f);
        added = true;
      }
    }
    if (added) this.writeFlagResponses(enc);
  }

  // ---- updates ---------------------------------------------------------

  /** Resolves on the next change, or after `timeoutMs` when given; a new call releases the one before. */
  waitForChange(timeoutMs?: number): Promise<void> {
    return this.#changed.wait(timeoutMs);
  }

  /**
   * Live results by the tag of the searching command that asked UPDATE
   * (RFC 5267 §4.3); they end with the selection, or with CANCELUPDATE.
   */
  readonly contexts = new Map<string, SearchContext>();
  /** Counts the changes seen (events, own expunges and appends): contexts search again after one. */
  generation = 0;

  /** Records a change from the store's event bus. */
  handleEvent(event: MailboxEvent): void {
    this.#changed.wake();
    this.generation++;
    if ((event.type === "append" || event.type === "expunge") && event.modSeq) {
      this.#seenModSeq = Math.max(this.#seenModSeq, event.modSeq);
    }
    switch (event.type) {
      case "append":
        this.noteAppended(event.uids);
        break;
      case "expunge":
        for (const uid of event.uids) {
          if (this.seqOf(uid) > 0) this.#expunged.add(uid);
          this.#dropAppended(uid);
        }
        break;
      case "flags":
        for (const change of event.changes) {
          this.#flags.set(change.uid, change);
          this.#seenModSeq = Math.max(this.#seenModSeq, change.modSeq);
        }
        break;
      case "deleted":
        this.#deleted = true;
        break;
      case "renamed":
        break;
    }
  }

  /** Flag changes known for `uid` from other sessions are superseded by this session's own answer. */
  forgetFlags(uid: number): void {
    this.#flags.delete(uid);
  }

  /** Whether `writeUpdates` has anything to write. */
  get hasUpdates(): boolean {
    return this.#expunged.size > 0 || this.#appended.length > 0 || this.#flags.size > 0;
  }

  /**
   * Writes pending updates: EXPUNGE (only when allowed), then EXISTS and
   * RECENT for new messages (claiming \Recent for them first), then FETCH
   * FLAGS for changed ones still present.
   */
  async writeUpdates(
    enc: ResponseEncoder,
    allowExpunge: boolean,
    allowFlags = true,
  ): Promise<void> {
    if (allowExpunge && this.#expunged.size > 0) {
      this.#removeAndReport(this.#expunged, enc);
      this.#expunged.clear();
    }
    if (this.#appended.length > 0) {
      // Only UIDs above the largest known: an event repeated during the
      // await below may have queued one again.
      const uids = this.#appended.filter((uid) => uid > this.#highWater).sort((a, b) => a - b);
      this.#appended = [];
      // Events that come in during the claim wait for the next round.
      // A claim that fails (the mailbox deleted meanwhile) leaves them not recent
      // here; the command itself went through and must not turn into an error.
      const claimed = uids.length > 0 && uids[uids.length - 1] > this.#claimedTo
        ? await this.#claim(uids[uids.length - 1], this.#peekRecent).catch(() => null)
        : null;
      if (claimed) this.#addRecent(claimed);
      if (uids.length > 0) {
        this.#append(uids);
        writeExists(enc, this.#count);
        if (!this.rev2) writeRecent(enc, this.recentCount);
      }
    }
    // Flag changes wait for a command when NOTIFY pushes without FlagChange (RFC 5465 §5.3).
    if (allowFlags && this.#flags.size > 0) {
      const later: [number, FlagChange][] = [];
      for (const [uid, change] of this.#flags) {
        if (this.#expunged.has(uid)) {
          later.push([uid, change]);
          continue;
        }
        const seq = this.seqOf(uid);
        if (seq === 0) continue;
        const msg = { uid, flags: change.flags, modSeq: change.modSeq };
        this.writeFetch(enc, seq, msg, FLAGS_ITEM, { uid: true });
      }
      this.#flags = new Map(later);
    }
    // Everything received is told, unless EXPUNGE was held back (RFC 7162 §6:
    // a client keeps HIGHESTMODSEQ; it must not pass an expunge it has not seen).
    if (this.#expunged.size === 0 && this.#flags.size === 0) {
      this.#modSeq = Math.max(this.#modSeq, this.#seenModSeq);
    }
  }

  /**
   * Removes UIDs this session expunged itself, writing one EXPUNGE each.
   * UIDs the client was never told of (appended elsewhere, not announced)
   * are forgotten without a word.
   */
  expungeOwn(uids: readonly number[], enc: ResponseEncoder): void {
    this.generation++;
    this.#removeAndReport(new Set(uids), enc);
    for (const uid of uids) {
      this.#expunged.delete(uid);
      this.#flags.delete(uid);
      this.#dropAppended(uid);
      if (uid > this.#highWater) this.#highWater = uid;
    }
  }

  /** Queues new UIDs (from the bus, or put here by this session) for the next EXISTS. */
  noteAppended(uids: readonly number[]): void {
    this.generation++;
    for (const uid of uids) {
      if (uid > this.#highWater && !this.#appended.includes(uid)) this.#appended.push(uid);
    }
  }

  /**
   * Whether this session claims \Recent for new messages (SELECT in
   * IMAP4rev1, not EXAMINE): its APPENDs to the mailbox then claim it in
   * their own transaction (AppendOptions.claimRecent).
   */
  get claimsRecent(): boolean {
    return !this.#peekRecent;
  }

  /**
   * Queues this session's own appended UIDs, with the \Recent range their
   * APPEND claimed (null: none to claim): the next update announces them
   * without a claim of its own.
   */
  noteOwnAppend(uids: readonly number[], recent: UidRange | null): void {
    this.noteAppended(uids);
    if (recent) this.#addRecent(recent);
    this.#claimedTo = Math.max(this.#claimedTo, ...uids);
  }

  /** A queued UID expunged before it was announced: the client never hears of it. */
  #dropAppended(uid: number): void {
    const i = this.#appended.indexOf(uid);
    if (i >= 0) {
      this.#appended.splice(i, 1);
      if (uid > this.#highWater) this.#highWater = uid;
    }
  }

  #removeAndReport(uids: Set<number>, enc: ResponseEncoder): void {
    // Walk from the highest sequence number down: each EXPUNGE then names
    // the number the client holds at that moment (RFC 3501 §7.4.1).
    let write = 0;
    const seqs: number[] = [];
    const removed: number[] = [];
    for (let read = 0; read < this.#count; read++) {
      const uid = this.#uids[read];
      if (uids.has(uid)) {
        seqs.push(read + 1);
        removed.push(uid);
      } else {
        this.#uids[write++] = uid;
      }
    }
    if (seqs.length === 0) {
      this.#count = write;
      return;
    }
    // RFC 5267 §4.3.4: REMOVEFROM for expunged messages goes before the
    // EXPUNGE, while their sequence numbers still hold.
    this.#contextRemovals(new Map(removed.map((uid, i) => [uid, seqs[i]])), enc);
    this.#count = write;
    if (this.qresync || this.uidOnly) {
      // RFC 7162 §3.2.10.2: once QRESYNC is on, VANISHED (UIDs, no EARLIER)
      // replaces EXPUNGE; it names only messages the client knows. RFC 9586
      // §3: UIDONLY asks the same, with or without QRESYNC.
      writeVanished(enc, removed, false);
      return;
    }
    for (let i = seqs.length - 1; i >= 0; i--) writeExpunge(enc, seqs[i]);
  }

  /**
   * Writes one ESEARCH REMOVEFROM per context holding any of `gone` (UID to
   * the sequence number it has until its EXPUNGE).
   */
  #contextRemovals(gone: Map<number, number>, enc: ResponseEncoder): void {
    for (const [tag, c] of this.contexts) {
      const pairs = takeOut(
        c.uids,
        (uid) => gone.has(uid),
        c.criteria !== null,
        (uid) => c.byUid ? uid : gone.get(uid)!,
      );
      if (pairs.length > 0) writeEsearch(enc, { tag, uid: c.byUid, removeFrom: pairs });
    }
  }

  #append(uids: number[]): void {
    const needed = this.#count + uids.length;
    if (needed > this.#uids.length) {
      const grown = new Uint32Array(Math.max(needed, this.#uids.length * 2, 16));
      grown.set(this.#uids.subarray(0, this.#count));
      this.#uids = grown;
    }
    for (const uid of uids) this.#uids[this.#count++] = uid;
    if (this.maxUid > this.#highWater) this.#highWater = this.maxUid;
  }
}

/** \Recent after the other system flags, before the keywords (the order Dovecot uses). */
function withRecent(flags: readonly string[]): string[] {
  let i = 0;
  while (i < flags.length && flags[i].startsWith("\\")) i++;
  return [...flags.slice(0, i), "\\Recent", ...flags.slice(i)];
}

function formatRange(r: { from: number; to: number }): string {
  const n = (v: number) => (v === STAR ? "*" : String(v));
  return r.from === r.to ? n(r.from) : `${n(r.from)}:${n(r.to)}`;
}
