import assert from "node:assert/strict";
import {
  applyFlags,
  flagList,
  parseFlags,
  SEEN,
  systemFlagBit,
} from "../../../lib/store/sql/flags.ts";

Deno.test("`parseFlags()` drops \\Recent and unknown system flags and dedupes keywords", () => {
  const f = parseFlags(["\\SEEN", "\\Recent", "\\Bogus", "Work", "work", "$Label1", ""]);
  assert.equal(f.bits, SEEN);
  assert.deepEqual(f.keywords, ["Work", "$Label1"]);
  assert.equal(systemFlagBit("\\draft"), 16);
  assert.equal(systemFlagBit("Draft"), 0);
});

Deno.test("`applyFlags()` sets, adds and removes, keywords case-insensitively", () => {
  const cur = parseFlags(["\\Seen", "Work"]);
  const added = applyFlags(cur, "add", parseFlags(["\\Flagged", "WORK", "Home"]));
  assert.deepEqual(flagList(added.bits, added.keywords), ["\\Flagged", "\\Seen", "Work", "Home"]);
  const removed = applyFlags(cur, "remove", parseFlags(["\\Seen", "work"]));
  assert.deepEqual(removed, { bits: 0, keywords: [] });
  assert.deepEqual(applyFlags(cur, "set", parseFlags(["\\Draft"])), { bits: 16, keywords: [] });
});
