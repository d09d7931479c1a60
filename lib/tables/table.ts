/** The table interface every table module implements (maddy's table.Table). */

export interface Table {
  /** The value for `key`, or null when the table has none. */
  lookup(key: string): Promise<string | null>;
  close?(): Promise<void>;
}

/** A table the credentials CLI can change (maddy's MutableTable). */
export interface MutableTable extends Table {
  keys(): Promise<string[]>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

export function isMutableTable(table: Table): table is MutableTable {
  const t = table as Partial<MutableTable>;
  return typeof t.keys === "function" && typeof t.set === "function" &&
    typeof t.remove === "function";
}
