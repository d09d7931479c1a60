import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../../lib/wire/parser.ts";
import { ImapError } from "../../../lib/protocol/errors.ts";
import { parseSort } from "../../../lib/protocol/commands/sort.ts";

const enc = new TextEncoder();

function sort(args: string) {
  const p = new CommandParser(enc.encode("SORT " + args));
  p.pos = "SORT".length;
  return parseSort(p);
}

Deno.test("`parseSort()` reads criteria with REVERSE, the charset and the search keys", () => {
  assert.deepEqual(sort("(REVERSE DATE subject) UTF-8 ALL"), {
    criteria: [{ key: "date", reverse: true }, { key: "subject", reverse: false }],
    charset: "UTF-8",
    key: { type: "all" },
  });
  const all = sort('(ARRIVAL CC DATE FROM SIZE SUBJECT TO) "US-ASCII" UNSEEN FROM x');
  assert.deepEqual(all.criteria.map((c) => c.key), [
    "arrival",
    "cc",
    "date",
    "from",
    "size",
    "subject",
    "to",
  ]);
  assert.equal(all.charset, "US-ASCII");
  assert.deepEqual(all.key, {
    type: "and",
    keys: [
      { type: "flag", flag: "\\Seen", present: false },
      { type: "header", name: "From", value: "x" },
    ],
  });
});

Deno.test("`parseSort()` rejects bad criteria and missing parts", () => {
  assert.throws(() => sort("(FOO) UTF-8 ALL"), /Unknown sort key "FOO"/);
  assert.throws(() => sort("(REVERSE) UTF-8 ALL"), /REVERSE needs a sort key/);
  assert.throws(() => sort("(REVERSE REVERSE DATE) UTF-8 ALL"), /Unknown sort key "REVERSE"/);
  assert.throws(() => sort("() UTF-8 ALL"), /Empty list/);
  assert.throws(() => sort("DATE UTF-8 ALL"), /parenthesised list/);
  assert.throws(() => sort("(DATE) ALL"), ParseError);
  assert.throws(() => sort("(DATE) UTF-8"), ParseError);
  assert.throws(() => sort("(DATE) UTF-8 NOPE"), /Unknown search key "NOPE"/);
});

Deno.test("`parseSort()` answers NO [BADCHARSET] for an unknown charset", () => {
  assert.throws(
    () => sort("(DATE) X-MARTIAN ALL"),
    (e) =>
      e instanceof ImapError && e.status === "NO" && typeof e.code === "object" &&
      e.code.code === "BADCHARSET",
  );
});
