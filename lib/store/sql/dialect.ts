/**
 * The SQL that differs between database engines, behind one small
 * interface. Store code builds every query with Kysely's query builder and
 * asks this interface only for the pieces that are engine-specific: how a
 * set travels as ONE parameter (so the SQL text, and so the prepared
 * statement, never varies with the size of the set), literal rows for
 * INSERT ... SELECT, and a hint for one-row reads of large BLOBs. SQLite (libSQL, local or
 * remote) is `sqlite_sql.ts`, PostgreSQL `postgres_sql.ts`; `lib/store/imapsql.ts` chooses.
 */
import type { RawBuilder } from "kysely";

/** The type of a column of `rows()`: PostgreSQL needs it to insert the values; SQLite ignores it. */
export type ColumnType = "int" | "text";

export interface StoreSql {
  /** The engine, for messages and for the few choices made at open. */
  readonly engine: "sqlite" | "postgres";
  /** `column IN (values)`, the values passed as one parameter. */
  inSet(column: string, values: readonly number[]): RawBuilder<boolean>;
  /** A derived table of literal rows with columns c0..c(n-1) of `types`, passed as one parameter. */
  rows<T>(rows: readonly unknown[][], types: readonly ColumnType[]): RawBuilder<T>;
  /**
   * True when `column` (text) contains `needle` as a substring, compared
   * exactly (both sides are already in comparison form); always true when
   * `needle` is null, so one query shape serves keys with and without it.
   */
  contains(column: string, needle: string | null): RawBuilder<boolean>;
  /**
   * Ends a SELECT that reads at most one row by primary key and may carry a
   * large BLOB (a message body): the driver reads it natively instead of
   * through its multi-row path (see libsql_dialect.ts). Empty where the
   * driver needs no such hint.
   */
  readonly oneRow: RawBuilder<unknown>;
  /** Between the parts of a `body_search` column (search_fields.ts): a character no text holds. */
  readonly searchSeparator: string;
}
