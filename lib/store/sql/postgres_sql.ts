/**
 * The PostgreSQL implementation of `StoreSql`: a set travels as one array
 * parameter (`= any($1::bigint[])`) and literal rows as one JSON parameter
 * read by `jsonb_array_elements`, so the SQL text does not vary with the
 * size of the set (and PostgreSQL can keep one plan per shape).
 */
import { type RawBuilder, sql } from "kysely";
import type { ColumnType, StoreSql } from "./dialect.ts";

function inArray(column: string, values: readonly number[]): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} = any(${[...values]}::bigint[])`;
}

const PG_TYPE: Record<ColumnType, string> = { int: "bigint", text: "text" };

function jsonRows<T>(rows: readonly unknown[][], types: readonly ColumnType[]): RawBuilder<T> {
  const cols = types.map((t, i) =>
    sql`(r.value ->> ${sql.lit(i)})::${sql.raw(PG_TYPE[t])} as ${sql.ref(`c${i}`)}`
  );
  return sql<T>`(select ${sql.join(cols)} from jsonb_array_elements(${
    JSON.stringify(rows)
  }::jsonb) as r(value))`;
}

/** `strpos()` counts characters: an exact substring test, as SQLite's `instr()`. */
function contains(column: string, needle: string | null): RawBuilder<boolean> {
  return sql<boolean>`(${needle}::text is null or strpos(${sql.ref(column)}, ${needle}::text) > 0)`;
}

export const postgresSql: StoreSql = {
  engine: "postgres",
  inSet: inArray,
  rows: jsonRows,
  contains,
  oneRow: sql``,
  // PostgreSQL text cannot hold the NUL that SQLite's store uses.
  searchSeparator: "\u0001",
};
