/**
 * Session state as a tagged union carrying each state's data
 * (RFC 3501 §3): failed logins before authentication; the user, the
 * extensions turned on with ENABLE and whether IDLE runs once
 * authenticated; the mailbox view when selected. In "logout" nothing more
 * is sent. The command table lists the states each command allows.
 */
import type { AccountStore, AppendLimits } from "../store/mail_store.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";
import type { Notifier } from "./notify.ts";

export interface User {
  /** The name the client authenticated as (after auth_map normalization). */
  authName: string;
  /** The storage account (after storage_map). */
  accountName: string;
  account: AccountStore;
  /**
   * The account's APPEND limits (RFC 7889) as last read from the store: at
   * login, and again at each APPEND (an admin may change them meanwhile).
   */
  appendLimits: AppendLimits;
  /** The store's `appendLimitChanges` when `appendLimits` was read. */
  appendLimitsAt: number;
}

/** What an authenticated session carries from state to state. */
export interface Authenticated {
  user: User;
  /** Extensions turned on with ENABLE (RFC 5161); shared by the states of one session. */
  enabled: Set<string>;
  /** Set while IDLE runs (RFC 2177): a shutdown answers at once with BYE. */
  idling: boolean;
  /** NOTIFY SET in force (RFC 5465), or null (none, or after NOTIFY NONE). */
  notify: Notifier | null;
}

export type SessionState =
  | { kind: "not-authenticated"; failedLogins: number }
  | ({ kind: "authenticated" } & Authenticated)
  | ({ kind: "selected"; mailbox: SelectedMailbox } & Authenticated)
  | { kind: "logout" };

export type StateKind = SessionState["kind"];

export const ANY_STATE: readonly StateKind[] = ["not-authenticated", "authenticated", "selected"];
export const NOT_AUTHENTICATED: readonly StateKind[] = ["not-authenticated"];
export const AUTHENTICATED: readonly StateKind[] = ["authenticated", "selected"];
export const SELECTED: readonly StateKind[] = ["selected"];

/** The state after a successful login. */
export function authenticatedState(user: User): SessionState {
  return { kind: "authenticated", user, enabled: new Set(), idling: false, notify: null };
}

/** The state with `mailbox` selected (the session's user and extensions carried over). */
export function selectedState(from: Authenticated, mailbox: SelectedMailbox): SessionState {
  return {
    kind: "selected",
    user: from.user,
    enabled: from.enabled,
    idling: false,
    notify: from.notify,
    mailbox,
  };
}

/** The authenticated state a deselect returns to. */
export function deselectedState(from: Authenticated): SessionState {
  return {
    kind: "authenticated",
    user: from.user,
    enabled: from.enabled,
    idling: false,
    notify: from.notify,
  };
}
