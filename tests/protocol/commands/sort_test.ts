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
    ret: null,
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

Deno.test("`parseSort()` reads ESORT's RETURN options and the SORT=DISPLAY keys", () => {
  const args = sort("RETURN (MIN SAVE PARTIAL -1:-5) (DISPLAYFROM reverse displayto) UTF-8 ALL");
  assert.deepEqual(args.criteria, [
    { key: "displayfrom", reverse: false },
    { key: "displayto", reverse: true },
  ]);
  assert.deepEqual(args.ret, {
    min: true,
    max: false,
    all: false,
    count: false,
    save: true,
    partial: { from: 1, to: 5, last: true },
    context: false,
    update: false,
  });
  assert.equal(sort("return () (DATE) UTF-8 ALL").ret?.all, true);
  // "RETURN" only counts before the criteria, followed by a space.
  assert.throws(() => sort("RETURN(MIN) (DATE) UTF-8 ALL"), /parenthesised list/);
  assert.throws(() => sort("RETURN (MIN ALL PARTIAL 1:2) (DATE) UTF-8 ALL"), /ALL or PARTIAL/);
});

Deno.test("`parseSort()` with SAVE hands a NO over to the handler instead of throwing it", () => {
  const args = sort("RETURN (SAVE) (DATE) X-NOPE ALL");
  assert.equal(args.failure?.status, "NO");
  assert.throws(() => sort("RETURN (MIN) (DATE) X-NOPE ALL"), /Charset "X-NOPE"/);
});
