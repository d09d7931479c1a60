/**
 * Store transactions that may run again. Two writers that touch the same
 * rows at once cannot both commit: PostgreSQL aborts one with SQLSTATE
 * 40001 (serialization_failure) or 40P01 (deadlock_detected: COPY locks
 * two mailboxes, APPEND an account then a mailbox), or 23505
 * (unique_violation) when two nodes add the same key at once (the same
 * message body, a mailbox name: every such insert is preceded by a look-up,
 * which the second run repeats and then finds the row); SQLite answers
 * SQLITE_BUSY when another process held the write lock past `busy_timeout`. `transact()` runs such a transaction again, after a
 * random pause that grows with each attempt (so two losers do not collide
 * again in step), a bounded number of times, then gives the error up.
 *
 * The callback must therefore be safe to run more than once: it may change
 * only the database and values it creates itself, never state outside it.
 */
import type { Kysely, Transaction } from "kysely";

/** Attempts in all before the error is given up. */
export const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 4;
const MAX_DELAY_MS = 400;

/** SQLSTATEs and SQLite codes worth running the transaction again for. */
export function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return code === "40001" || code === "40P01" || code === "23505" ||
    code.startsWith("SQLITE_BUSY");
}

/** `db.transaction().execute(fn)`, run again on a serialization failure, deadlock, race or BUSY. */
export async function transact<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (e) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(e)) throw e;
      const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
      await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * cap / 2));
    }
  }
}
