/**
 * The extended SEARCH syntax: RETURN options (RFC 4731 §3.1), "$"
 * (RFC 5182 §3), PARTIAL ranges (RFC 9394 §4), OLDER/YOUNGER (RFC 5032),
 * SAVED* (RFC 8514), EMAILID/THREADID (RFC 8474), and the ESEARCH writer.
 */
import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../../lib/wire/parser.ts";
import { ResponseEncoder } from "../../../lib/wire/encoder.ts";
import { ImapError } from "../../../lib/protocol/errors.ts";
import { SAVED_RESULT } from "../../../lib/protocol/sequence_set.ts";
import {
  parsePartialRange,
  parseSearch,
  partialSlice,
  writeEsearch,
} from "../../../lib/protocol/commands/search.ts";
import { parseFetch } from "../../../lib/protocol/commands/fetch.ts";
import { parseCopy } from "../../../lib/protocol/commands/copy.ts";

const enc = new TextEncoder();

function at(name: string, args: string): CommandParser {
  const p = new CommandParser(enc.encode(`${name} ${args}`));
  p.pos = name.length;
  return p;
}

const search = (args: string) => parseSearch(at("SEARCH", args));

Deno.test("`parseSearch()` reads RETURN options before CHARSET; RETURN () is ALL", () => {
  const r = search("RETURN (min MAX count) CHARSET UTF-8 SEEN");
  assert.equal(r.charset, "UTF-8");
  assert.deepEqual(r.ret, {
    min: true,
    max: true,
    all: false,
    count: true,
    save: false,
    partial: null,
    context: false,
    update: false,
  });
  assert.equal(search("RETURN () ALL").ret?.all, true);
  // RFC 5267: CONTEXT and UPDATE return nothing of their own; alone they mean ALL.
  const live = search("RETURN (CONTEXT UPDATE) ALL").ret;
  assert.deepEqual([live?.context, live?.update, live?.all], [true, true, true]);
  assert.equal(search("RETURN (UPDATE COUNT) ALL").ret?.all, false);
  assert.equal(search("RETURN (SAVE) ALL").ret?.all, false);
  assert.equal(search("ALL").ret, null);
  assert.deepEqual(search("RETURN (PARTIAL -1:-30) ALL").ret?.partial, {
    from: 1,
    to: 30,
    last: true,
  });
});

Deno.test("`parseSearch()` refuses bad RETURN options with BAD", () => {
  for (
    const bad of [
      "RETURN (FOO) ALL",
      "RETURN MIN ALL",
      "CHARSET UTF-8 RETURN (MIN) ALL",
      "RETURN (MIN)",
      "RETURN (MIN ALL",
      "RETURN (ALL ALL) ALL",
      "RETURN (PARTIAL 1:2 ALL) ALL",
      "RETURN (ALL PARTIAL 1:2) ALL",
      "RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL",
      "RETURN (PARTIAL) ALL",
      "RETURN  (MIN) ALL",
    ]
  ) {
    assert.throws(() => search(bad), ParseError, bad);
  }
});

Deno.test("`parsePartialRange()` takes nz-numbers of one sign, in either order", () => {
  const range = (s: string) => parsePartialRange(new CommandParser(enc.encode(s)));
  assert.deepEqual(range("500:400"), { from: 400, to: 500, last: false });
  assert.deepEqual(range("-1:-100"), { from: 1, to: 100, last: true });
  assert.deepEqual(range("4294967295:1"), { from: 1, to: 4294967295, last: false });
  for (const bad of ["0:5", "1:*", "-1:5", "5", "1:4294967296", "1:-", "--1:-2", "1:2:3"]) {
    assert.throws(() => range(bad), ParseError, bad);
  }
});

Deno.test("`partialSlice()` counts from the lowest (1) or the highest (-1) result", () => {
  assert.deepEqual(partialSlice({ from: 1, to: 2, last: false }, 5), [0, 2]);
  assert.deepEqual(partialSlice({ from: 4, to: 10, last: false }, 5), [3, 5]);
  assert.deepEqual(partialSlice({ from: 9, to: 10, last: false }, 5), [5, 5]);
  assert.deepEqual(partialSlice({ from: 1, to: 2, last: true }, 5), [3, 5]);
  assert.deepEqual(partialSlice({ from: 5, to: 9, last: true }, 5), [0, 1]);
  assert.deepEqual(partialSlice({ from: 6, to: 9, last: true }, 5), [0, 0]);
  assert.deepEqual(partialSlice({ from: 1, to: 3, last: true }, 0), [0, 0]);
});

Deno.test('"$" stands alone wherever a sequence set goes', () => {
  assert.deepEqual(search("$").key, { type: "seq", set: SAVED_RESULT });
  assert.deepEqual(search("UID $").key, { type: "uid", set: SAVED_RESULT });
  assert.deepEqual(search("NOT $").key, { type: "not", key: { type: "seq", set: SAVED_RESULT } });
  assert.equal(parseFetch(at("FETCH", "$ FLAGS")).set, SAVED_RESULT);
  assert.equal(parseCopy(at("COPY", "$ Trash")).set, SAVED_RESULT);
  for (const bad of ["1,$ FLAGS", "$,1 FLAGS", "$:3 FLAGS", "$$ FLAGS"]) {
    assert.throws(() => parseFetch(at("FETCH", bad)), ParseError, bad);
  }
  assert.throws(() => search("$1"), ParseError);
});

Deno.test("`parseFetch()` reads the PARTIAL modifier and the OBJECTID and SAVEDATE items", () => {
  const f = parseFetch(at("FETCH", "1:* (UID EMAILID THREADID SAVEDATE) (PARTIAL -1:-3)"));
  assert.deepEqual(f.items.map((i) => i.kind), ["uid", "emailId", "threadId", "saveDate"]);
  assert.deepEqual(f.partial, { from: 1, to: 3, last: true });
  assert.equal(parseFetch(at("FETCH", "1 FLAGS")).partial, undefined);
  for (
    const bad of [
      "1:* FLAGS (PARTIAL)",
      "1:* FLAGS (PARTIAL 1:2 PARTIAL 3:4)",
      "1:* FLAGS (CHANGEDSOON 1)",
      "1:* FLAGS (PARTIAL 1:2",
      "1:* FLAGS ()",
    ]
  ) {
    assert.throws(() => parseFetch(at("FETCH", bad)), ParseError, bad);
  }
});

Deno.test("`parseSearch()` reads WITHIN, SAVEDATE and OBJECTID keys", () => {
  assert.deepEqual(search("OLDER 3600").key, { type: "within", op: "older", seconds: 3600 });
  assert.deepEqual(search("younger 5").key, { type: "within", op: "younger", seconds: 5 });
  assert.deepEqual(search("SAVEDON 7-Feb-2024").key, {
    type: "saveDate",
    op: "on",
    date: "2024-02-07",
  });
  assert.deepEqual(search("SAVEDBEFORE 1-Jan-2024").key.type, "saveDate");
  assert.deepEqual(search("SAVEDSINCE 1-Jan-2024").key.type, "saveDate");
  assert.deepEqual(search("SAVEDATESUPPORTED").key, { type: "saveDateSupported" });
  assert.deepEqual(search("EMAILID M_a-1").key, { type: "emailId", id: "M_a-1" });
  assert.deepEqual(search("THREADID T9").key, { type: "threadId", id: "T9" });
  for (
    const bad of [
      "OLDER 0",
      "YOUNGER -1",
      "OLDER",
      "SAVEDON 30-Feb-2024",
      "EMAILID",
      'EMAILID "M1"',
      "EMAILID M+1",
      `EMAILID M${"a".repeat(255)}`,
    ]
  ) {
    assert.throws(() => search(bad), ParseError, bad);
  }
});

Deno.test("`parseSearch()` hands a NO to the handler only with SAVE", () => {
  assert.throws(() => search("CHARSET X-NOPE ALL"), ImapError);
  const r = search("RETURN (SAVE) CHARSET X-NOPE ALL");
  assert.equal(r.failure?.status, "NO");
  assert.equal(r.ret?.save, true);
});

Deno.test("`writeEsearch()` writes the correlator, UID and each item, ALL as a compact set", () => {
  const out = (d: Parameters<typeof writeEsearch>[1]) => {
    const e = new ResponseEncoder();
    writeEsearch(e, d);
    return new TextDecoder().decode(e.takeBytes());
  };
  assert.equal(
    out({ tag: "A1", uid: true, min: 2, max: 9, all: [2, 3, 4, 7, 9], count: 5 }),
    '* ESEARCH (TAG "A1") UID MIN 2 MAX 9 ALL 2:4,7,9 COUNT 5\r\n',
  );
  assert.equal(out({ tag: "b", uid: false, all: [], count: 0 }), '* ESEARCH (TAG "b") COUNT 0\r\n');
  assert.equal(
    out({
      tag: "c",
      uid: false,
      partial: { range: { from: 1, to: 5, last: true }, numbers: [] },
    }),
    '* ESEARCH (TAG "c") PARTIAL (-1:-5 NIL)\r\n',
  );
  assert.equal(
    out({
      tag: "d",
      uid: true,
      partial: { range: { from: 1, to: 3, last: false }, numbers: [4, 5, 8] },
    }),
    '* ESEARCH (TAG "d") UID PARTIAL (1:3 4:5,8)\r\n',
  );
});
