import assert from "node:assert/strict";
import { putIn, takeOut } from "../../lib/server/context_updates.ts";

const id = (uid: number) => uid;

/** Applies REMOVEFROM and ADDTO pairs as a client does (RFC 5267 §4.3.3, §4.3.4). */
function apply(
  list: number[],
  removeFrom: { position: number; numbers: readonly number[] }[],
  addTo: { position: number; numbers: readonly number[] }[],
): number[] {
  const out = [...list];
  for (const { position, numbers } of removeFrom) {
    assert.deepEqual(out.slice(position - 1, position - 1 + numbers.length), numbers);
    out.splice(position - 1, numbers.length);
  }
  for (const { position, numbers } of addTo) out.splice(position - 1, 0, ...numbers);
  return out;
}

Deno.test("`takeOut()` and `putIn()` turn an old sorted result into the new one, pairs in order", () => {
  const old = [9, 2, 7, 4, 5, 1];
  const next = [3, 9, 7, 8, 6, 5];
  const list = [...old];
  const gone = new Set(old.filter((u) => !next.includes(u)));
  const removeFrom = takeOut(list, (u) => gone.has(u), true, id);
  assert.deepEqual(list, [9, 7, 5]);
  // The last run first, so earlier positions still hold: 1 at 6, then 4 at 4, then 2 at 2.
  assert.deepEqual(removeFrom.map((p) => p.position), [6, 4, 2]);
  const addTo = putIn(list, next, true, id)!;
  assert.deepEqual(addTo, [{ position: 1, numbers: [3] }, { position: 4, numbers: [8, 6] }]);
  assert.deepEqual(apply(old, removeFrom, addTo), next);
});

Deno.test("`takeOut()` and `putIn()` give position 0 in mailbox order for a SEARCH context", () => {
  const list = [1, 3, 5, 7];
  assert.deepEqual(takeOut(list, (u) => u === 3 || u === 7, false, (u) => u * 10), [
    { position: 0, numbers: [30, 70] },
  ]);
  assert.deepEqual(putIn(list, [1, 2, 5, 6], false, id), [{ position: 0, numbers: [2, 6] }]);
  assert.deepEqual(putIn(list, list, false, id), []);
});

Deno.test("`putIn()` is null when the kept results changed order", () => {
  assert.equal(putIn([1, 2], [2, 1, 3], true, id), null);
});
