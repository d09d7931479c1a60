/** The parsers of CONDSTORE and QRESYNC's additions (RFC 7162 §7). */
import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../lib/wire/parser.ts";
import { parseStore } from "../../lib/protocol/commands/store.ts";
import { parseFetch } from "../../lib/protocol/commands/fetch.ts";
import { parseSelect } from "../../lib/protocol/commands/select.ts";
import { parseSearch } from "../../lib/protocol/commands/search.ts";
import { parseModSeq } from "../../lib/protocol/mod_sequence.ts";

const te = new TextEncoder();
const p = (args: string) => new CommandParser(te.encode(" " + args));

Deno.test("mod-sequences: 63 bits, 0 only where valzer allows it, large values clamp", () => {
  assert.equal(parseModSeq(new CommandParser(te.encode("0")), true), 0);
  assert.throws(() => parseModSeq(new CommandParser(te.encode("0")), false), ParseError);
  assert.equal(
    parseModSeq(new CommandParser(te.encode("9223372036854775807")), false),
    Number.MAX_SAFE_INTEGER,
  );
  assert.throws(
    () => parseModSeq(new CommandParser(te.encode("9223372036854775808")), false),
    ParseError,
  );
  assert.throws(() => parseModSeq(new CommandParser(te.encode("x")), true), ParseError);
});

Deno.test("STORE (UNCHANGEDSINCE n) is read once; other modifiers are BAD", () => {
  assert.equal(parseStore(p("1 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)")).unchangedSince, 5);
  assert.equal(parseStore(p("1 +FLAGS (\\Seen)")).unchangedSince, undefined);
  assert.throws(() => parseStore(p("1 (UNCHANGEDSINCE 5 UNCHANGEDSINCE 6) FLAGS ()")), ParseError);
  assert.throws(() => parseStore(p("1 (CHANGEDSINCE 5) FLAGS ()")), ParseError);
  assert.throws(() => parseStore(p("1 () FLAGS ()")), ParseError);
});

Deno.test("FETCH MODSEQ, (CHANGEDSINCE n) and (CHANGEDSINCE n VANISHED)", () => {
  const a = parseFetch(p("1:* (UID MODSEQ) (CHANGEDSINCE 12 VANISHED)"));
  assert.deepEqual(a.items, [{ kind: "uid" }, { kind: "modSeq" }]);
  assert.equal(a.changedSince, 12);
  assert.equal(a.vanished, true);
  const b = parseFetch(p("1 FLAGS (CHANGEDSINCE 0)"));
  assert.equal(b.changedSince, 0);
  assert.equal(b.vanished, undefined);
  assert.throws(() => parseFetch(p("1 FLAGS (CHANGEDSINCE)")), ParseError);
  assert.throws(() => parseFetch(p("1 FLAGS (VANISHED VANISHED)")), ParseError);
  assert.throws(() => parseFetch(p("1 FLAGS ()")), ParseError);
});

Deno.test("SELECT (CONDSTORE) and (QRESYNC (...)) with known-uids and seq-match-data", () => {
  assert.deepEqual(parseSelect(p("INBOX (CONDSTORE)")), { mailbox: "INBOX", condstore: true });
  assert.deepEqual(parseSelect(p("INBOX (QRESYNC (67890007 715194045000 41,43:211))")), {
    mailbox: "INBOX",
    qresync: {
      uidValidity: 67890007,
      modSeq: 715194045000,
      knownUids: [{ from: 41, to: 41 }, { from: 43, to: 211 }],
      seqMatch: null,
    },
  });
  const q = parseSelect(p("INBOX (QRESYNC (1 2 1:9 (1,5 3,9)) CONDSTORE)"));
  assert.deepEqual(q.qresync?.seqMatch, {
    seqs: [{ from: 1, to: 1 }, { from: 5, to: 5 }],
    uids: [{ from: 3, to: 3 }, { from: 9, to: 9 }],
  });
  assert.equal(q.condstore, true);
  assert.deepEqual(parseSelect(p("INBOX (QRESYNC (1 2 (1 3)))")).qresync?.seqMatch, {
    seqs: [{ from: 1, to: 1 }],
    uids: [{ from: 3, to: 3 }],
  });
  for (
    const bad of [
      "INBOX (QRESYNC (1 0))",
      "INBOX (QRESYNC (0 5))",
      "INBOX (QRESYNC (1 5 1:*))",
      "INBOX (QRESYNC (1 5 1:5 (1:* 1:5)))",
      "INBOX (QRESYNC (1))",
      "INBOX (CONDSTORE CONDSTORE)",
      "INBOX (UNKNOWN)",
      "INBOX ()",
    ]
  ) {
    assert.throws(() => parseSelect(p(bad)), ParseError, bad);
  }
});

Deno.test("SEARCH MODSEQ with and without an entry name", () => {
  assert.deepEqual(parseSearch(p("MODSEQ 5")).key, { type: "modSeq", min: 5 });
  assert.deepEqual(parseSearch(p('MODSEQ "/flags/\\\\draft" all 620162338')).key, {
    type: "modSeq",
    min: 620162338,
  });
  assert.deepEqual(parseSearch(p('MODSEQ "/flags/$Work" priv 1')).key, { type: "modSeq", min: 1 });
  assert.throws(() => parseSearch(p('MODSEQ "/flags/x" every 1')), ParseError);
  assert.throws(() => parseSearch(p('MODSEQ "/other/x" all 1')), ParseError);
  assert.throws(() => parseSearch(p("MODSEQ")), ParseError);
});
