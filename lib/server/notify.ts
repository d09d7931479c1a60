/**
 * A session's NOTIFY state (RFC 5465): the event groups it asked for, the
 * account's mailbox names and subscriptions as last heard, and the
 * notifications not yet written. The store's account watch (every change
 * of the account's mailboxes, mailboxes created, subscriptions, METADATA)
 * feeds it; the connection writes what is pending at the end of each
 * command, between commands, and during IDLE.
 *
 * Non-selected mailboxes are told with STATUS (§5.1-§5.3: MESSAGES,
 * UIDNEXT and UIDVALIDITY for new and expunged messages, UNSEEN when
 * FlagChange is asked for, HIGHESTMODSEQ once CONDSTORE is on), coalesced
 * per mailbox and read from the store when written. Mailbox names go as
 * LIST (§5.4: \NonExistent for a deleted one, OLDNAME for a rename),
 * subscriptions as LIST with or without \Subscribed (§5.5), METADATA
 * changes as the unsolicited METADATA response (RFC 5464 §4.4). When more
 * than `maxPending` notifications wait, they are dropped and the session
 * is told [NOTIFICATIONOVERFLOW]: NOTIFY is then off, as after NOTIFY NONE
 * (§5.8).
 */
import { ChangeWaiter } from "./change_waiter.ts";
import type { AccountEvent, AccountStore } from "../store/mail_store.ts";
import { HIERARCHY_DELIMITER } from "../store/mail_store.ts";
import type { EventGroup, MailboxFilter, NotifyEvent } from "../protocol/commands/notify.ts";
import type { ResponseEncoder } from "../wire/encoder.ts";
import { mailboxToWire } from "../protocol/mailbox_name.ts";
import { writeStatusResponse } from "../protocol/commands/status.ts";
import { writeMetadataChanged } from "../protocol/commands/metadata.ts";
import { writeStatus } from "../protocol/response.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";
import { neededFields } from "../protocol/fetch_response.ts";

/** Notifications a session may have waiting before they overflow. */
export const MAX_PENDING_NOTIFICATIONS = 1000;

/** An event group with its mailbox names decoded (internal names). */
export interface WatchGroup extends EventGroup {
  names: string[];
}

type Pending =
  | { kind: "status"; mailboxId: number }
  | { kind: "list"; name: string; attributes: string[]; oldName?: string }
  | { kind: "metadata"; mailbox: string | null; entries: string[] };

export class Notifier {
  readonly groups: readonly WatchGroup[];
  #account: AccountStore;
  #names = new Map<number, string>();
  #subscribed = new Set<string>();
  #pending: Pending[] = [];
  #statusPending = new Set<number>();
  #overflowed = false;
  #maxPending: number;
  #unwatch: (() => void) | null = null;
  #changed = new ChangeWaiter();
  /** Counts the wake-ups given, so a waiter can tell it missed one (IDLE). */
  changes = 0;
  #selectedId: () => number | null;

  constructor(
    account: AccountStore,
    groups: readonly WatchGroup[],
    selectedId: () => number | null,
    maxPending = MAX_PENDING_NOTIFICATIONS,
  ) {
    this.#account = account;
    this.groups = groups;
    this.#selectedId = selectedId;
    this.#maxPending = maxPending;
  }

  /** Learns the account's mailboxes and subscriptions, then starts listening. */
  async start(): Promise<void> {
    // What other processes changed up to now is the starting point, not news.
    await this.#account.pollAccount();
    this.#unwatch = this.#account.watchAccount((e) => this.#handle(e));
    for (const m of await this.#account.listMailboxes()) this.#names.set(m.id, m.name);
    for (const s of await this.#account.listSubscriptions()) this.#subscribed.add(s);
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    this.#changed.wake();
  }

  /** The group for the selected mailbox ("selected" or "selected-delayed"), if any. */
  get selectedGroup(): WatchGroup | null {
    return this.groups.find((g) =>
      g.filter.kind === "selected" || g.filter.kind === "selected-delayed"
    ) ?? null;
  }

  /** The first group whose filter takes this (non-selected) mailbox, if any. */
  groupFor(name: string): WatchGroup | null {
    return this.groups.find((g) => this.#matches(g, g.filter, name)) ?? null;
  }

  /** Whether the account's mailbox `name` is watched for `event`. */
  watches(name: string, event: NotifyEvent): boolean {
    return this.groupFor(name)?.events.has(event) ?? false;
  }

  #matches(group: WatchGroup, filter: MailboxFilter, name: string): boolean {
    switch (filter.kind) {
      case "selected":
      case "selected-delayed":
        return false;
      case "personal":
        return true;
      case "inboxes":
        // RFC 5465 §6: mailboxes mail is delivered to; here INBOX alone.
        return name === "INBOX";
      case "subscribed":
        return this.#subscribed.has(name);
      case "mailboxes":
        return group.names.includes(name);
      case "subtree":
        return group.names.some((n) => name === n || name.startsWith(n + HIERARCHY_DELIMITER));
    }
  }

  /** Whether anything waits to be written (or the overflow to be told). */
  get hasPending(): boolean {
    return this.#pending.length > 0 || this.#overflowed;
  }

  /**
   * Resolves on the next notification, or after `timeoutMs` when given. One
   * waiter at a time: a new call releases the one before (its caller has
   * moved on), so no timer outlives its use.
   */
  waitForChange(timeoutMs?: number): Promise<void> {
    return this.#changed.wait(timeoutMs);
  }

  #push(p: Pending): void {
    if (this.#overflowed) return;
    if (p.kind === "status") {
      if (this.#statusPending.has(p.mailboxId)) return;
      this.#statusPending.add(p.mailboxId);
    }
    this.#pending.push(p);
    if (this.#pending.length > this.#maxPending) {
      this.#overflowed = true;
      this.#pending = [];
      this.#statusPending.clear();
      this.#unwatch?.();
      this.#unwatch = null;
    }
    this.changes++;
    this.#changed.wake();
  }

  #handle(event: AccountEvent): void {
    const selected = this.#selectedId();
    switch (event.type) {
      case "append":
      case "expunge":
      case "flags": {
        if (event.mailboxId === selected) {
          // The selected mailbox keeps its own view; wake the connection
          // when the session asked to hear of it between commands.
          const g = this.selectedGroup;
          if (g && g.events.size > 0) {
            this.changes++;
            this.#changed.wake();
          }
          return;
        }
        const name = this.#names.get(event.mailboxId);
        if (name === undefined) return;
        const wanted = event.type === "flags" ? "FlagChange" : "MessageNew";
        if (this.watches(name, wanted)) this.#push({ kind: "status", mailboxId: event.mailboxId });
        return;
      }
      case "created":
        this.#names.set(event.mailboxId, event.name);
        if (this.watches(event.name, "MailboxName")) {
          this.#push({ kind: "list", name: event.name, attributes: [] });
        }
        return;
      case "deleted": {
        const name = this.#names.get(event.mailboxId);
        this.#names.delete(event.mailboxId);
        if (name !== undefined && this.watches(name, "MailboxName")) {
          this.#push({ kind: "list", name, attributes: ["\\NonExistent"] });
        }
        return;
      }
      case "renamed": {
        const old = this.#names.get(event.mailboxId);
        this.#names.set(event.mailboxId, event.name);
        if (old === event.name) return;
        if (
          this.watches(event.name, "MailboxName") ||
          (old !== undefined && this.watches(old, "MailboxName"))
        ) {
          this.#push({ kind: "list", name: event.name, attributes: [], oldName: old });
        }
        return;
      }
      case "subscription":
        if (event.subscribed) this.#subscribed.add(event.name);
        else this.#subscribed.delete(event.name);
        if (this.watches(event.name, "SubscriptionChange")) {
          this.#push({
            kind: "list",
            name: event.name,
            attributes: event.subscribed ? ["\\Subscribed"] : [],
          });
        }
        return;
      case "metadata": {
        if (event.mailboxId === null) {
          if (this.groups.some((g) => g.events.has("ServerMetadataChange"))) {
            this.#push({ kind: "metadata", mailbox: null, entries: event.entries });
          }
          return;
        }
        const name = this.#names.get(event.mailboxId);
        if (name !== undefined && this.watches(name, "MailboxMetadataChange")) {
          this.#push({ kind: "metadata", mailbox: name, entries: event.entries });
        }
        return;
      }
    }
  }

  /**
   * SET STATUS (RFC 5465 §3): a STATUS response for every mailbox watched
   * for new messages, the selected one aside.
   */
  async writeInitialStatus(enc: ResponseEncoder, utf8: boolean, condstore: boolean) {
    const selected = this.#selectedId();
    for (const [id, name] of [...this.#names].sort((a, b) => a[1].localeCompare(b[1]))) {
      if (id === selected || !this.watches(name, "MessageNew")) continue;
      await this.#writeStatus(enc, id, name, utf8, condstore);
    }
  }

  async #writeStatus(
    enc: ResponseEncoder,
    id: number,
    name: string,
    utf8: boolean,
    condstore: boolean,
  ): Promise<void> {
    let status;
    try {
      status = await this.#account.status(id);
    } catch {
      return; // Deleted meanwhile: its LIST \NonExistent (if asked for) says so.
    }
    const items: [string, number][] = [
      ["MESSAGES", status.messages],
      ["UIDNEXT", status.uidNext],
      ["UIDVALIDITY", status.uidValidity],
    ];
    if (this.watches(name, "FlagChange")) items.push(["UNSEEN", status.unseen]);
    if (condstore) items.push(["HIGHESTMODSEQ", status.highestModSeq]);
    writeStatusResponse(enc, mailboxToWire(name, utf8), items);
  }

  /**
   * Writes the pending notifications. Returns false when they overflowed:
   * the caller then drops this notifier (the session is as after NOTIFY NONE).
   */
  async write(enc: ResponseEncoder, utf8: boolean, condstore: boolean): Promise<boolean> {
    if (this.#overflowed) {
      writeStatus(enc, null, "OK", "NOTIFICATIONOVERFLOW", "Too many notifications; NOTIFY is off");
      return false;
    }
    const pending = this.#pending;
    this.#pending = [];
    this.#statusPending.clear();
    for (const p of pending) {
      switch (p.kind) {
        case "status": {
          const name = this.#names.get(p.mailboxId);
          if (name !== undefined && p.mailboxId !== this.#selectedId()) {
            await this.#writeStatus(enc, p.mailboxId, name, utf8, condstore);
          }
          break;
        }
        case "list":
          writeListNotification(enc, p.name, p.attributes, p.oldName, utf8);
          break;
        case "metadata":
          writeMetadataChanged(
            enc,
            p.mailbox === null ? "" : mailboxToWire(p.mailbox, utf8),
            p.entries,
          );
          break;
      }
    }
    return true;
  }

  /**
   * MessageNew with fetch attributes (RFC 5465 §5.1): after the selected
   * mailbox's EXISTS, a FETCH of those attributes for each message new
   * since `before` (the count the client knew). Only read: a notification
   * sets no \Seen, whatever the attributes.
   */
  async writeNewMessages(
    enc: ResponseEncoder,
    mailbox: SelectedMailbox,
    before: number,
  ): Promise<void> {
    const items = this.selectedGroup?.fetch;
    if (!items || mailbox.count <= before) return;
    const uids: number[] = [];
    for (let seq = before + 1; seq <= mailbox.count; seq++) uids.push(mailbox.uidAt(seq));
    const fields = neededFields(items);
    if (fields.flags && mailbox.condstore) fields.modSeq = true;
    const set = [{ from: uids[0], to: uids[uids.length - 1] }];
    for await (const record of this.#account.fetch(mailbox.info.id, set, fields)) {
      const seq = mailbox.seqOf(record.uid);
      if (seq > before) mailbox.writeFetch(enc, seq, record, items, { uid: false });
    }
  }
}

/** mailbox-data LIST for a NOTIFY notification, with OLDNAME after a rename (RFC 5465 §5.4). */
function writeListNotification(
  enc: ResponseEncoder,
  name: string,
  attributes: readonly string[],
  oldName: string | undefined,
  utf8: boolean,
): void {
  enc.untagged().atom("LIST").sp().flagList(attributes).sp().string(HIERARCHY_DELIMITER).sp()
    .astring(mailboxToWire(name, utf8));
  if (oldName !== undefined) {
    // mbox-list-extended-item = "OLDNAME" SP "(" mailbox ")" (RFC 5465 §5.4)
    enc.sp().open().string("OLDNAME").sp().open().astring(mailboxToWire(oldName, utf8)).close()
      .close();
  }
  enc.crlf();
}
