import assert from "node:assert/strict";
import {
  check,
  costRatio,
  fmt,
  median,
  quantile,
  spreadPercent,
  table,
} from "../../bench/stats.ts";

Deno.test("`median()` takes the middle, or the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("`quantile()` is nearest-rank", () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(quantile(xs, 0.5), 50);
  assert.equal(quantile(xs, 0.99), 99);
  assert.equal(quantile(xs, 1), 100);
  assert.equal(quantile([7], 0.99), 7);
});

Deno.test("`spreadPercent()` is half the range over the median", () => {
  assert.equal(spreadPercent([90, 100, 110]), 10);
  assert.equal(spreadPercent([5]), 0);
});

Deno.test("`costRatio()` reads >1 as slower for times and for rates alike", () => {
  assert.equal(costRatio(20, 10, false), 2); // our 20 ms against 10 ms
  assert.equal(costRatio(500, 1000, true), 2); // our 500/s against 1000/s
  assert.ok(Number.isNaN(costRatio(NaN, 1, false)));
  assert.ok(Number.isNaN(costRatio(1, 0, true)));
});

Deno.test("`fmt()` keeps three significant digits and marks missing figures", () => {
  assert.equal(fmt(12345.6), "12346");
  assert.equal(fmt(123.4), "123");
  assert.equal(fmt(12.34), "12.3");
  assert.equal(fmt(1.234), "1.23");
  assert.equal(fmt(0.01234), "0.012");
  assert.equal(fmt(NaN), "—");
});

Deno.test("`table()` puts figures right and the first and last columns left", () => {
  const t = table(["name", "ms", "check"], [["select", "1.5", "ok"], ["x", "100", "DIFFER"]])
    .split("\n");
  assert.equal(t.length, 4);
  assert.equal(t[0], "name     ms  check");
  assert.equal(t[1], "------  ---  ------");
  assert.equal(t[2], "select  1.5  ok");
  assert.equal(t[3], "x       100  DIFFER");
});

Deno.test("`check()` says ok when both servers and the corpus agree", () => {
  const m = { answer: "42 found", expected: "42 found" };
  assert.equal(check({ ours: [m, m], dovecot: [m, m] }), "ok (42 found)");
});

Deno.test("`check()` names a difference between servers and from the corpus", () => {
  const v = check({
    ours: [{ answer: "40 found", expected: "42 found" }],
    dovecot: [{ answer: "42 found", expected: "42 found" }],
  });
  assert.match(v, /DIFFER: ours 40 found, dovecot 42 found/);
  assert.match(v, /ours 40 found, want 42 found/);
  assert.doesNotMatch(v, /dovecot 42 found, want/);
});

Deno.test("`check()` reports errors and answers that vary between rounds", () => {
  const v = check({
    ours: [{ answer: "1", errors: 2 }, { answer: "2" }],
    dovecot: [{ answer: "1" }],
  });
  assert.match(v, /ours: 2 errors/);
  assert.match(v, /ours varies: 1 \/ 2/);
});
