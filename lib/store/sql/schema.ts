/** Kysely table types of the imapsql schema (see migrations/). */
import type { Generated } from "kysely";

export interface AccountsTable {
  id: Generated<number>;
  /** The name as first given. */
  name: string;
  /** Lower-cased name: accounts are case-insensitive. */
  name_key: string;
  /** Per-account APPEND limit in bytes, or null for the store-wide one. */
  append_limit: number | null;
  /** QUOTA STORAGE limit in bytes; null: the storage's default; -1: none (migration 6). */
  quota_storage: Generated<number | null>;
  /** QUOTA MESSAGE limit; null: the storage's default; -1: none (migration 6). */
  quota_messages: Generated<number | null>;
}

export interface MailboxesTable {
  id: Generated<number>;
  account_id: number;
  /** Full name with "/" as delimiter; INBOX is stored as "INBOX". */
  name: string;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  special_use: string | null;
  append_limit: number | null;
  /** Largest UID claimed as \Recent by a session (migration 4); above it, recent for the next. */
  recent_uid: Generated<number>;
  /** recent_uid before the last claim, read back by the claim itself (migration 4). */
  recent_prev: Generated<number>;
  /** Messages in the mailbox, kept by every writing transaction (migration 6). */
  message_count: Generated<number>;
  /** Sum of the messages' sizes in bytes, kept by every writing transaction (migration 6). */
  total_size: Generated<number>;
}

export interface SubscriptionsTable {
  account_id: number;
  name: string;
}

export interface BodiesTable {
  id: Generated<number>;
  /** Hex SHA-256 of the whole message: content address, shared by copies. */
  hash: string;
  size: number;
  /** The top-level header block, including the blank line that ends it. */
  header: Uint8Array;
  /** The rest of the message (possibly compressed); null when kept in msg_store fs. */
  body: Uint8Array | null;
  /** "off" or the algorithm `body` (or its file) is compressed with. */
  compression: string;
  envelope: string;
  body_structure: string;
  /**
   * PREVIEW text (RFC 8970) of bodies stored between migrations 8 and 12;
   * no longer read or written (see `body_preview`).
   */
  preview: string | null;
  /** 1 when the message holds a NUL octet, 0 when not; null for bodies stored before migration 10. */
  has_nul: number | null;
}

/**
 * A body's ENVELOPE and BODYSTRUCTURE as FETCH writes them (migration 10,
 * body_wire.ts), kept apart from `bodies` so reading them never walks a
 * body's overflow pages. Rows of another `version` than WIRE_VERSION, and
 * bodies stored before migration 10 (no row), are written from the JSON.
 */
export interface BodyWireTable {
  body_id: number;
  version: number;
  /** The UTF-8 form (UTF8=ACCEPT). */
  envelope: Uint8Array;
  body_structure: Uint8Array;
  /** The ASCII form, null when the same as the UTF-8 one. */
  envelope_ascii: Uint8Array | null;
  body_structure_ascii: Uint8Array | null;
}

/**
 * A body's PREVIEW text (RFC 8970), set at APPEND (migration 12), apart
 * from `bodies` so a page of previews reads no body rows. A body without
 * a row gets one at its first FETCH PREVIEW.
 */
export interface BodyPreviewTable {
  body_id: number;
  preview: string;
}

export interface MessagesTable {
  mailbox_id: number;
  uid: number;
  body_id: number;
  /** Milliseconds since the epoch. */
  internal_date: number;
  size: number;
  /** Bit set of system flags, see SYSTEM_FLAG_BITS. */
  system_flags: number;
  /** JSON array of keywords. */
  keywords: string;
  modseq: number;
  recent: number;
  /** "YYYY-MM-DD" of the Date header in its own zone, or null (SENTBEFORE etc.). */
  sent_day: string | null;
  /** When the message was saved into this mailbox, ms since the epoch (RFC 8514); migration 7. */
  save_date: number | null;
}

export interface ExpungedTable {
  mailbox_id: number;
  uid: number;
  modseq: number;
}

/** The compact per-mailbox index of UIDs and system flags (see uid_blocks.ts). */
export interface UidBlocksTable {
  mailbox_id: number;
  /** uid >> 11. */
  block: number;
  /** One byte per UID of the block; trailing empty slots left out. */
  slots: Uint8Array;
}

/** Keywords used in a mailbox (for the FLAGS response); they stay once used. */
export interface MailboxKeywordsTable {
  mailbox_id: number;
  keyword: string;
}

/** Folded FROM/TO/CC/BCC/SUBJECT text of a body, for SEARCH (see search_fields.ts). */
export interface BodySearchTable {
  body_id: number;
  from_text: string | null;
  to_text: string | null;
  cc_text: string | null;
  bcc_text: string | null;
  subject_text: string | null;
}

/** METADATA entries (RFC 5464), migration 9; `mailbox_id` 0 for the server's. */
export interface MetadataTable {
  account_id: number;
  mailbox_id: number;
  /** Lower-cased entry name, "/private/..." or "/shared/...". */
  entry: string;
  value: Uint8Array;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface Db {
  accounts: AccountsTable;
  mailboxes: MailboxesTable;
  subscriptions: SubscriptionsTable;
  bodies: BodiesTable;
  messages: MessagesTable;
  expunged: ExpungedTable;
  uid_blocks: UidBlocksTable;
  mailbox_keywords: MailboxKeywordsTable;
  body_search: BodySearchTable;
  body_wire: BodyWireTable;
  body_preview: BodyPreviewTable;
  metadata: MetadataTable;
  schema_migrations: SchemaMigrationsTable;
}
