import assert from "node:assert/strict";
import {
  normalizeUidSet,
  uidSetHas,
  uidSteps,
  uidsToSet,
} from "../../../lib/store/sql/uid_ranges.ts";

Deno.test("`normalizeUidSet()` sorts, merges, swaps reversed ranges and clamps", () => {
  assert.deepEqual(
    normalizeUidSet([{ from: 9, to: 7 }, { from: 1, to: 2 }, { from: 3, to: 4 }, {
      from: 20,
      to: 99,
    }], 50),
    [{ from: 1, to: 4 }, { from: 7, to: 9 }, { from: 20, to: 50 }],
  );
  assert.deepEqual(normalizeUidSet([{ from: 60, to: 70 }], 50), []);
  assert.deepEqual(normalizeUidSet([{ from: 0, to: 0 }]), []);
});

Deno.test("`uidSetHas()` finds members by binary search", () => {
  const set = normalizeUidSet([{ from: 1, to: 3 }, { from: 10, to: 10 }, { from: 20, to: 30 }]);
  assert.deepEqual([0, 1, 3, 4, 10, 11, 25, 31].map((u) => uidSetHas(set, u)), [
    false,
    true,
    true,
    false,
    true,
    false,
    true,
    false,
  ]);
});

Deno.test("`uidSteps()` pages long ranges and batches short ones, in ascending order", () => {
  const set = normalizeUidSet([{ from: 1, to: 3 }, { from: 5, to: 5 }, { from: 100, to: 1000 }, {
    from: 2000,
    to: 2001,
  }]);
  assert.deepEqual([...uidSteps(set, 3, 32)], [
    { kind: "list", uids: [1, 2, 3] },
    { kind: "list", uids: [5] },
    { kind: "range", from: 100, to: 1000 },
    { kind: "list", uids: [2000, 2001] },
  ]);
});

Deno.test("`uidsToSet()` turns ascending UIDs into ranges", () => {
  assert.deepEqual(uidsToSet([1, 2, 3, 7, 9, 10]), [
    { from: 1, to: 3 },
    { from: 7, to: 7 },
    { from: 9, to: 10 },
  ]);
});
