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

/** The position of the first UID >= `uid` among the first `count` of ascending `uids`. */
export function lowerBound(uids: Uint32Array, count: number, uid: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (uids[mid] < uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The position of `uid` among the first `count` of ascending `uids`, or -1. */
export function positionOf(uids: Uint32Array, count: number, uid: number): number {
  const i = lowerBound(uids, count, uid);
  return i < count && uids[i] === uid ? i : -1;
}
