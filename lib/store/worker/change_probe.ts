/**
 * A cheap look, from the thread that serves sockets, at whether anything
 * was committed to a SQLite database file since an earlier look: SQLite's
 * `PRAGMA data_version` on a read-only connection of this thread's own. Its
 * value changes whenever another connection commits (the store threads of
 * this process, the `deliver` and admin CLIs, any other process on the
 * file), and only then; one read costs about 13 µs, against 0.3–2 ms for a
 * request to a store thread (docs/performance.md, "SELECT, NOOP and LIST
 * without a request").
 *
 * `worker_store.ts` reads it before a request whose answer stands for the
 * database as it is (the poll of a mailbox, SELECT of an indexed mailbox),
 * and answers the same question again with no request
 * while the value reads the same: then nobody has committed anything since
 * the request was sent, and its answer still holds.
 */
import Database from "libsql";

interface Pragma {
  raw(on: boolean): Pragma;
  get(): unknown[] | undefined;
}

interface ProbeDatabase {
  prepare(sql: string): Pragma;
  close(): void;
}

export class ChangeProbe {
  #db: ProbeDatabase | null;
  #pragma: Pragma;

  private constructor(db: ProbeDatabase) {
    this.#db = db;
    this.#pragma = db.prepare("PRAGMA data_version").raw(true);
  }

  /** A probe of the database file at `path`, or null when it cannot be opened. */
  static open(path: string): ChangeProbe | null {
    try {
      return new ChangeProbe(new Database(path, { readonly: true }) as unknown as ProbeDatabase);
    } catch {
      return null;
    }
  }

  /**
   * The database's data version: the same number as long as no other
   * connection has committed. Null when it cannot be read (closed, or the
   * read failed): the caller then asks the store.
   */
  read(): number | null {
    if (!this.#db) return null;
    try {
      const row = this.#pragma.get();
      return row ? Number(row[0]) : null;
    } catch {
      return null;
    }
  }

  close(): void {
    const db = this.#db;
    this.#db = null;
    db?.close();
  }
}
