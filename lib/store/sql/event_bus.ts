/**
 * The store-wide, in-process bus of mailbox events, keyed by mailbox id.
 * It also remembers, per mailbox, the last MODSEQ and UIDNEXT it has told
 * watchers about, so a poll can find what another process (the CLI) changed
 * and deliver only that.
 */
import type { AccountEvent, MailboxEvent } from "../mail_store.ts";

export interface KnownState {
  modSeq: number;
  uidNext: number;
  name: string;
}

export class EventBus {
  /** APPEND limit changes made through this store (AccountStore.appendLimitChanges). */
  appendLimitChanges = 0;
  #listeners = new Map<number, Set<(event: MailboxEvent) => void>>();
  #known = new Map<number, KnownState>();
  /** Account-wide listeners (NOTIFY), by account id. */
  #accountListeners = new Map<number, Set<(event: AccountEvent) => void>>();
  /** The account of each mailbox the store has found (own()), for account listeners. */
  #accountOf = new Map<number, number>();
  /** Per mailbox, the largest UID known to be claimed as \Recent (claims only grow). */
  #recentClaimed = new Map<number, number>();

  watch(mailboxId: number, listener: (event: MailboxEvent) => void): () => void {
    let set = this.#listeners.get(mailboxId);
    if (!set) this.#listeners.set(mailboxId, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(mailboxId) === set) {
        this.#listeners.delete(mailboxId);
      }
    };
  }

  watchers(mailboxId: number): number {
    return this.#listeners.get(mailboxId)?.size ?? 0;
  }

  emit(event: MailboxEvent): void {
    const set = this.#listeners.get(event.mailboxId);
    if (set) deliver(set, event);
    const account = this.#accountOf.get(event.mailboxId);
    if (account !== undefined) this.emitAccount(account, event);
  }

  /** Every change of one account, whatever mailbox it is in (NOTIFY, RFC 5465). */
  watchAccount(accountId: number, listener: (event: AccountEvent) => void): () => void {
    let set = this.#accountListeners.get(accountId);
    if (!set) this.#accountListeners.set(accountId, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#accountListeners.get(accountId) === set) {
        this.#accountListeners.delete(accountId);
      }
    };
  }

  /** Delivers an event to the account's listeners only. */
  emitAccount(accountId: number, event: AccountEvent): void {
    const set = this.#accountListeners.get(accountId);
    if (set) deliver(set, event);
  }

  /** Records which account a mailbox belongs to (its events then reach the account's listeners). */
  own(mailboxId: number, accountId: number): void {
    this.#accountOf.set(mailboxId, accountId);
  }

  known(mailboxId: number): KnownState | undefined {
    return this.#known.get(mailboxId);
  }

  /** Records the state a session saw on SELECT, unless the bus already tracks the mailbox. */
  init(mailboxId: number, state: KnownState): void {
    if (!this.#known.has(mailboxId)) this.#known.set(mailboxId, { ...state });
  }

  /**
   * Records an in-process change from `base` to `state.modSeq`, only when
   * it follows what the bus knows without a gap. A gap means another
   * process (or a commit whose events are still on their way) changed the
   * mailbox in between: the bus then keeps the older state, so the next
   * poll() reads the gap from the database (and may repeat some events,
   * which sessions tolerate) instead of skipping it.
   */
  advance(mailboxId: number, base: number, state: KnownState): void {
    const known = this.#known.get(mailboxId);
    if (!known || known.modSeq !== base) return;
    known.modSeq = state.modSeq;
    known.uidNext = Math.max(known.uidNext, state.uidNext);
    known.name = state.name;
  }

  /**
   * An in-process change has committed: the bus advances from `base` to
   * `state` (as advance() does) and delivers `event`, in that order, so a
   * poll started by a listener already knows the change. A poll that read
   * the database after this commit, and moved the bus to its MODSEQ or
   * past it, has told the change already (or a later state of the same
   * messages, which this older event must not overwrite): nothing is sent.
   */
  publish(event: MailboxEvent, base: number, state: KnownState): void {
    const known = this.#known.get(event.mailboxId);
    if (known && known.modSeq >= state.modSeq) return;
    this.advance(event.mailboxId, base, state);
    this.emit(event);
  }

  /** Records what poll() read from the database. */
  sync(mailboxId: number, state: KnownState): void {
    const known = this.#known.get(mailboxId);
    if (!known) {
      this.#known.set(mailboxId, { ...state });
      return;
    }
    known.modSeq = Math.max(known.modSeq, state.modSeq);
    known.uidNext = Math.max(known.uidNext, state.uidNext);
    known.name = state.name;
  }

  forget(mailboxId: number): void {
    this.#known.delete(mailboxId);
    this.#accountOf.delete(mailboxId);
    this.#recentClaimed.delete(mailboxId);
  }

  /** The largest UID this process knows to be claimed as \Recent in the mailbox, or 0. */
  recentClaimed(mailboxId: number): number {
    return this.#recentClaimed.get(mailboxId) ?? 0;
  }

  /** Records that the mailbox's \Recent claims reach `uid`. */
  noteRecentClaimed(mailboxId: number, uid: number): void {
    if (uid > this.recentClaimed(mailboxId)) this.#recentClaimed.set(mailboxId, uid);
  }
}

function deliver<E>(set: Set<(event: E) => void>, event: E): void {
  for (const listener of [...set]) {
    try {
      listener(event);
    } catch (e) {
      // One broken session must not keep the others from learning of the change.
      console.error("Mailbox event listener failed:", e);
    }
  }
}
