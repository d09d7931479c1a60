/**
 * The session's view of its selected mailbox: the sequence-number map
 * (a Uint32Array of UIDs, sequence n at index n-1) and the updates other
 * sessions made that this client has not been told of yet.
 *
 * RFC 3501 §7.4.1: EXPUNGE must not be sent while a command that uses
 * sequence numbers runs (FETCH, STORE, SEARCH), nor during one that is not
 * UID-based; the connection asks `writeUpdates(enc, allowExpunge)` at the
 * end of each command, and the view keeps numbering stable until then.
 */
import type { FlagChange, MailboxEvent, MailboxInfo, UidSet } from "../store/mail_store.ts";
import { resolveRanges, type SequenceSet } from "../protocol/sequence_set.ts";
import type { ResponseEncoder } from "../wire/encoder.ts";

export class SelectedMailbox {
  readonly info: MailboxInfo;
  readonly readOnly: boolean;
  #uids: Uint32Array;
  #count: number;
  /** UIDs expunged elsewhere, still holding their sequence numbers here. */
  #expunged = new Set<number>();
  /** UIDs appended elsewhere, not yet announced with EXISTS. */
  #appended: number[] = [];
  /** Flag changes made elsewhere, by UID. */
  #flags = new Map<number, FlagChange>();
  #deleted = false;
  /** Wakes an IDLE waiting for a change. */
  #wake: (() => void) | null = null;
  #unwatch: (() => void) | null = null;

  constructor(info: MailboxInfo, uids: Uint32Array, readOnly: boolean) {
    this.info = info;
    this.readOnly = readOnly;
    this.#uids = uids;
    this.#count = uids.length;
  }

  setUnwatch(unwatch: () => void): void {
    this.#unwatch = unwatch;
  }

  close(): void {
    this.#unwatch?.();
    this.#unwatch = null;
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
    let lo = 0;
    let hi = this.#count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#uids[mid];
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Whether `uid` was expunged by another session and not yet reported. */
  isExpunged(uid: number): boolean {
    return this.#expunged.has(uid);
  }

  /** UIDs of the messages a sequence-number set names (ascending). */
  uidsForSeqSet(set: SequenceSet): UidSet {
    const out: { from: number; to: number }[] = [];
    for (const r of resolveRanges(set, this.#count)) {
      const to = Math.min(r.to, this.#count);
      for (let s = r.from; s <= to; s++) {
        const uid = this.#uids[s - 1];
        const last = out[out.length - 1];
        if (last && last.to === uid - 1) last.to = uid;
        else out.push({ from: uid, to: uid });
      }
    }
    return out;
  }

  /** A UID set as the client wrote it, "*" being the largest UID known here. */
  uidsForUidSet(set: SequenceSet): UidSet {
    return resolveRanges(set, this.maxUid);
  }

  /** Sequence-number out-of-range check: RFC 3501 lets servers answer BAD for numbers past the end. */
  seqSetInRange(set: SequenceSet): boolean {
    return set.every((r) => (r.from <= this.#count) && (r.to <= this.#count));
  }

  /** Resolves on the next change, or after `timeoutMs` (IDLE's polling tick). */
  waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#wake = done;
    });
  }

  /** Records a change from the store's event bus. */
  handleEvent(event: MailboxEvent): void {
    this.#wake?.();
    switch (event.type) {
      case "append":
        for (const uid of event.uids) {
          if (uid > this.maxUid && !this.#appended.includes(uid)) this.#appended.push(uid);
        }
        break;
      case "expunge":
        for (const uid of event.uids) {
          if (this.seqOf(uid) > 0) this.#expunged.add(uid);
          const i = this.#appended.indexOf(uid);
          if (i >= 0) this.#appended.splice(i, 1);
        }
        break;
      case "flags":
        for (const change of event.changes) this.#flags.set(change.uid, change);
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

  /**
   * Writes pending updates: EXPUNGE (only when allowed), then EXISTS for new
   * messages, then FETCH FLAGS for changed ones still present.
   */
  writeUpdates(enc: ResponseEncoder, allowExpunge: boolean): void {
    if (allowExpunge && this.#expunged.size > 0) {
      this.#removeAndReport(this.#expunged, enc);
      this.#expunged.clear();
    }
    if (this.#appended.length > 0) {
      this.#appended.sort((a, b) => a - b);
      this.#append(this.#appended);
      this.#appended = [];
      enc.untagged().number(this.#count).atom(" EXISTS").crlf();
      enc.untagged().atom("0 RECENT").crlf();
    }
    if (this.#flags.size > 0) {
      const later: [number, FlagChange][] = [];
      for (const [uid, change] of this.#flags) {
        if (this.#expunged.has(uid)) {
          later.push([uid, change]);
          continue;
        }
        const seq = this.seqOf(uid);
        if (seq === 0) continue;
        enc.untagged().number(seq).atom(" FETCH (UID ").number(uid).atom(" FLAGS (")
          .atom(change.flags.join(" ")).atom("))").crlf();
      }
      this.#flags = new Map(later);
    }
  }

  /** Removes UIDs this session expunged itself, writing one EXPUNGE each. */
  expungeOwn(uids: readonly number[], enc: ResponseEncoder): void {
    this.#removeAndReport(new Set(uids), enc);
    for (const uid of uids) {
      this.#expunged.delete(uid);
      this.#flags.delete(uid);
    }
  }

  /** Adds UIDs this session put here itself (not announced until writeUpdates). */
  noteAppended(uids: readonly number[]): void {
    for (const uid of uids) {
      if (uid > this.maxUid && !this.#appended.includes(uid)) this.#appended.push(uid);
    }
  }

  #removeAndReport(uids: Set<number>, enc: ResponseEncoder): void {
    // Walk from the highest sequence number down: each EXPUNGE then names
    // the number the client holds at that moment (RFC 3501 §7.4.1).
    let write = 0;
    const seqs: number[] = [];
    for (let read = 0; read < this.#count; read++) {
      const uid = this.#uids[read];
      if (uids.has(uid)) {
        seqs.push(read + 1);
      } else {
        this.#uids[write++] = uid;
      }
    }
    this.#count = write;
    for (let i = seqs.length - 1; i >= 0; i--) {
      enc.untagged().number(seqs[i]).atom(" EXPUNGE").crlf();
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
  }
}
