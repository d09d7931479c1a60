/**
 * The SQLite (libSQL) implementation of `StoreSql`: sets travel as one JSON
 * parameter read by `json_each`, so the SQL text does not vary with the
 * size of the set.
 */
import { type RawBuilder, sql } from "kysely";
import type { ColumnType, StoreSql } from "./dialect.ts";
import { ONE_ROW } from "./libsql_dialect.ts";
import { SEPARATOR } from "./search_fields.ts";

/** `column IN (the JSON array param)`. */
export function inJsonArray(column: string, values: readonly number[]): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} in (select value from json_each(${
    JSON.stringify(values)
  }))`;
}

/** Rows of a JSON array of arrays, as a derived table with columns c0..c(n-1). */
export function jsonRows<T>(
  rows: readonly unknown[][],
  types: readonly ColumnType[],
): RawBuilder<T> {
  const cols = types.map(
    (_, i) => sql`value ->> ${sql.lit(i)} as ${sql.ref(`c${i}`)}`,
  );
  return sql<T>`(select ${sql.join(cols)} from json_each(${JSON.stringify(rows)}))`;
}

/** `instr()` counts characters of the UTF-8 text: an exact substring test. */
export function contains(column: string, needle: string | null): RawBuilder<boolean> {
  return sql<boolean>`(${needle} is null or instr(${sql.ref(column)}, ${needle}) > 0)`;
}

export const sqliteSql: StoreSql = {
  engine: "sqlite",
  inSet: inJsonArray,
  rows: jsonRows,
  contains,
  oneRow: sql.raw(ONE_ROW),
  searchSeparator: SEPARATOR,
};
