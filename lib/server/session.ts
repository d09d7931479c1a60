/**
 * Session state as a tagged union carrying each state's data
 * (RFC 3501 §3). The command table lists the states each command allows.
 */
import type { AccountStore } from "../store/mail_store.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";

export interface User {
  /** The name the client authenticated as (after auth_map normalization). */
  authName: string;
  /** The storage account (after storage_map). */
  accountName: string;
  account: AccountStore;
}

export type SessionState =
  | { kind: "not-authenticated" }
  | { kind: "authenticated"; user: User }
  | { kind: "selected"; user: User; mailbox: SelectedMailbox }
  | { kind: "logout" };

export type StateKind = SessionState["kind"];

export const ANY_STATE: readonly StateKind[] = ["not-authenticated", "authenticated", "selected"];
export const NOT_AUTHENTICATED: readonly StateKind[] = ["not-authenticated"];
export const AUTHENTICATED: readonly StateKind[] = ["authenticated", "selected"];
export const SELECTED: readonly StateKind[] = ["selected"];
