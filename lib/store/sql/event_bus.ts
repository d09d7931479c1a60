/**
 * The store-wide, in-process bus of mailbox events, keyed by mailbox id.
 * It also remembers, per mailbox, the last MODSEQ and UIDNEXT it has told
 * watchers about, so a poll can find what another process (the CLI) changed
 * and deliver only that.
 */
import type { MailboxEvent } from "../mail_store.ts";

export interface KnownState {
  modSeq: number;
  uidNext: number;
  name: string;
}

export class EventBus {
  #listeners = new Map<number, Set<(event: MailboxEvent) => void>>();
  #known = new Map<number, KnownState>();

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
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (e) {
        // One broken session must not keep the others from learning of the change.
        console.error("Mailbox event listener failed:", e);
      }
    }
  }

  known(mailboxId: number): KnownState | undefined {
    return this.#known.get(mailboxId);
  }

  /** Raises what watchers know of a mailbox (never lowers it: commits may be seen out of order). */
  advance(mailboxId: number, state: KnownState): void {
    const old = this.#known.get(mailboxId);
    if (!old) {
      this.#known.set(mailboxId, { ...state });
      return;
    }
    old.modSeq = Math.max(old.modSeq, state.modSeq);
    old.uidNext = Math.max(old.uidNext, state.uidNext);
    old.name = state.name;
  }

  forget(mailboxId: number): void {
    this.#known.delete(mailboxId);
  }
}
