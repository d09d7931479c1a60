import assert from "node:assert/strict";
import { lowerBound, positionOf } from "../../lib/server/uid_set.ts";

Deno.test("lowerBound() and positionOf() agree with a linear scan over the counted part", () => {
  // Spare room past `count` holds larger UIDs that must not be seen.
  const uids = new Uint32Array([2, 3, 7, 10, 11, 40, 99, 99]);
  const count = 6;
  for (let uid = 0; uid <= 100; uid++) {
    let want = 0;
    while (want < count && uids[want] < uid) want++;
    assert.equal(lowerBound(uids, count, uid), want, `lowerBound ${uid}`);
    const at = uids.subarray(0, count).indexOf(uid);
    assert.equal(positionOf(uids, count, uid), at, `positionOf ${uid}`);
  }
  assert.equal(lowerBound(uids, 0, 5), 0);
  assert.equal(positionOf(uids, 0, 2), -1);
});
