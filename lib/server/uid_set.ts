/** Small helpers over the store's UidSet (sorted, non-overlapping inclusive ranges). */
import type { UidSet } from "../store/mail_store.ts";

/** How many UIDs the set names. */
export function countUids(uids: UidSet): number {
  let n = 0;
  for (const r of uids) n += r.to - r.from + 1;
  return n;
}

/** Ascending UIDs as a UID set of ranges. */
export function uidSetOf(uids: readonly number[]): UidSet {
  const out: { from: number; to: number }[] = [];
  for (const uid of uids) {
    const last = out[out.length - 1];
    if (last && uid === last.to + 1) last.to = uid;
    else out.push({ from: uid, to: uid });
  }
  return out;
}
