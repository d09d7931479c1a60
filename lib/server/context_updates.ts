/**
 * Live search results (CONTEXT=SEARCH, CONTEXT=SORT; RFC 5267 §4.3): what a
 * context holds, and the REMOVEFROM and ADDTO pairs that turn a client's
 * copy of the old result into the new one. Pure list work, shared by the
 * selected-mailbox view (REMOVEFROM before an EXPUNGE, §4.3.4) and
 * search_context.ts (results searched again after a change).
 */
import type { ContextUpdate, SearchProgram } from "../protocol/commands/search.ts";
import type { SortCriterion } from "../protocol/commands/sort.ts";

export interface SearchContext {
  program: SearchProgram;
  byUid: boolean;
  /** SORT's criteria, or null for a SEARCH context (kept in mailbox order). */
  criteria: readonly SortCriterion[] | null;
  /** The result as the client holds it: UIDs in the requested order. */
  uids: number[];
  /** The view's change count when the result was last brought up to date. */
  generation: number;
}

/**
 * Takes the UIDs for which `gone` holds out of `list` (in place) and returns
 * the REMOVEFROM pairs that say so (§4.3.4): position 0 and the numbers in
 * mailbox order for SEARCH; for SORT, each run of neighbours with its
 * 1-based position, the last run first so that earlier positions still hold.
 */
export function takeOut(
  list: number[],
  gone: (uid: number) => boolean,
  sorted: boolean,
  numberOf: (uid: number) => number,
): ContextUpdate[] {
  const pairs: ContextUpdate[] = [];
  if (!sorted) {
    const removed = list.filter(gone);
    if (removed.length > 0) {
      pairs.push({ position: 0, numbers: removed.map(numberOf).sort((a, b) => a - b) });
    }
  } else {
    let i = 0;
    while (i < list.length) {
      if (!gone(list[i])) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < list.length && gone(list[j + 1])) j++;
      pairs.unshift({ position: i + 1, numbers: list.slice(i, j + 1).map(numberOf) });
      i = j + 1;
    }
  }
  if (pairs.length > 0) {
    const kept = list.filter((uid) => !gone(uid));
    list.length = 0;
    list.push(...kept);
  }
  return pairs;
}

/**
 * The ADDTO pairs (§4.3.3) that make `current` (the old result with what
 * left it taken out) into `next`: position 0 and mailbox order for SEARCH;
 * for SORT each run of new neighbours at the 1-based position its first
 * takes in `next`, in ascending order. Null when `current` is not `next`
 * without the additions in the same order (it cannot be, as sort keys never
 * change; the caller then starts the client's copy afresh).
 */
export function putIn(
  current: readonly number[],
  next: readonly number[],
  sorted: boolean,
  numberOf: (uid: number) => number,
): ContextUpdate[] | null {
  const had = new Set(current);
  const added = next.filter((uid) => !had.has(uid));
  if (!sorted) {
    if (added.length === 0) return [];
    return [{ position: 0, numbers: added.map(numberOf).sort((a, b) => a - b) }];
  }
  const kept = next.filter((uid) => had.has(uid));
  if (kept.length !== current.length || kept.some((uid, i) => uid !== current[i])) return null;
  const pairs: ContextUpdate[] = [];
  let i = 0;
  while (i < next.length) {
    if (had.has(next[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < next.length && !had.has(next[j + 1])) j++;
    pairs.push({ position: i + 1, numbers: next.slice(i, j + 1).map(numberOf) });
    i = j + 1;
  }
  return pairs;
}
