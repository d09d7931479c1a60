/**
 * The store's options: the typed slice lib/config translates from
 * `[storage.imapsql.NAME]` (see lib/config/storage.ts). Types only.
 */
export type { Compression, Dsn, ImapSqlOptions, MsgStore } from "../config/types.ts";
