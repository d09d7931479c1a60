/** Helpers over `UidSet` (sorted, non-overlapping inclusive ranges). */
import type { UidRange, UidSet } from "../mail_store.ts";

/** Sorts and merges ranges, drops empty ones and clamps them to [1, max]. */
export function normalizeUidSet(set: UidSet, max = 0xffffffff): UidRange[] {
  const sorted = set
    .map((r) => ({
      from: Math.max(1, Math.min(r.from, r.to)),
      to: Math.min(max, Math.max(r.from, r.to)),
    }))
    .filter((r) => r.from <= r.to)
    .sort((a, b) => a.from - b.from);
  const out: UidRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** Whether `uid` is in the normalized set (binary search). */
export function uidSetHas(set: readonly UidRange[], uid: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (uid < set[mid].from) hi = mid - 1;
    else if (uid > set[mid].to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Ascending UIDs to ranges. */
export function uidsToSet(uids: Iterable<number>): UidRange[] {
  const out: UidRange[] = [];
  for (const uid of uids) {
    const last = out[out.length - 1];
    if (last && uid === last.to + 1) last.to = uid;
    else out.push({ from: uid, to: uid });
  }
  return out;
}

/**
 * Splits a normalized set into query steps, in ascending order: long ranges
 * are paged by UID bounds; runs of short ranges are expanded to lists of at
 * most `batch` UIDs (passed as one JSON parameter). Both keep the SQL shape
 * fixed whatever the set.
 */
export type UidStep = { kind: "range"; from: number; to: number } | {
  kind: "list";
  uids: number[];
};

export function* uidSteps(
  set: readonly UidRange[],
  batch = 500,
  shortSpan = 32,
): Generator<UidStep> {
  let list: number[] = [];
  for (const r of set) {
    if (r.to - r.from + 1 > shortSpan) {
      if (list.length) {
        yield { kind: "list", uids: list };
        list = [];
      }
      yield { kind: "range", from: r.from, to: r.to };
      continue;
    }
    for (let uid = r.from; uid <= r.to; uid++) {
      list.push(uid);
      if (list.length >= batch) {
        yield { kind: "list", uids: list };
        list = [];
      }
    }
  }
  if (list.length) yield { kind: "list", uids: list };
}

/** The ascending `sorted` that fall in `set` (sorted, non-overlapping ranges). */
export function inSet(sorted: readonly number[], set: readonly UidRange[]): number[] {
  const out: number[] = [];
  let r = 0;
  for (const uid of sorted) {
    while (r < set.length && set[r].to < uid) r++;
    if (r === set.length) break;
    if (uid >= set[r].from) out.push(uid);
  }
  return out;
}
