import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../../lib/wire/parser.ts";
import { ImapError } from "../../../lib/protocol/errors.ts";
import { STAR } from "../../../lib/protocol/sequence_set.ts";
import {
  charsetDecoder,
  checkSearchLimits,
  MAX_SEARCH_DEPTH,
  MAX_SEARCH_KEYS_PARSED,
  parseSearch,
  type SearchProgram,
} from "../../../lib/protocol/commands/search.ts";

const enc = new TextEncoder();

/** Parses the arguments of "SEARCH" followed by `args` (bytes or text). */
function search(args: string | Uint8Array) {
  const tail = typeof args === "string" ? enc.encode(args) : args;
  const head = enc.encode("SEARCH ");
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  const p = new CommandParser(bytes);
  p.pos = "SEARCH".length;
  return parseSearch(p);
}

const key = (args: string): SearchProgram => search(args).key;

Deno.test("`parseSearch()` reads every flag key", () => {
  const cases: [string, string, boolean][] = [
    ["ANSWERED", "\\Answered", true],
    ["DELETED", "\\Deleted", true],
    ["DRAFT", "\\Draft", true],
    ["FLAGGED", "\\Flagged", true],
    ["SEEN", "\\Seen", true],
    ["UNANSWERED", "\\Answered", false],
    ["UNDELETED", "\\Deleted", false],
    ["UNDRAFT", "\\Draft", false],
    ["UNFLAGGED", "\\Flagged", false],
    ["UNSEEN", "\\Seen", false],
  ];
  for (const [word, flag, present] of cases) {
    assert.deepEqual(key(word), { type: "flag", flag, present }, word);
    assert.deepEqual(key(word.toLowerCase()), { type: "flag", flag, present }, word);
  }
  assert.deepEqual(key("KEYWORD $Forwarded"), { type: "flag", flag: "$Forwarded", present: true });
  assert.deepEqual(key("UNKEYWORD Junk"), { type: "flag", flag: "Junk", present: false });
});

Deno.test("`parseSearch()` reads ALL, NEW, OLD and RECENT", () => {
  assert.deepEqual(key("ALL"), { type: "all" });
  assert.deepEqual(key("NEW"), { type: "new" });
  assert.deepEqual(key("OLD"), { type: "old" });
  assert.deepEqual(key("RECENT"), { type: "recent", present: true });
});

Deno.test("`parseSearch()` reads address and subject keys as header keys", () => {
  assert.deepEqual(key("FROM alice"), { type: "header", name: "From", value: "alice" });
  assert.deepEqual(key('TO "Bob Smith"'), { type: "header", name: "To", value: "Bob Smith" });
  assert.deepEqual(key("CC {3}\r\nc c"), { type: "header", name: "Cc", value: "c c" });
  assert.deepEqual(key("BCC d@x]"), { type: "header", name: "Bcc", value: "d@x]" });
  assert.deepEqual(key('SUBJECT ""'), { type: "header", name: "Subject", value: "" });
  assert.deepEqual(key('HEADER X-Spam "yes"'), { type: "header", name: "X-Spam", value: "yes" });
  assert.deepEqual(key('HEADER "Message-ID" ""'), {
    type: "header",
    name: "Message-ID",
    value: "",
  });
});

Deno.test("`parseSearch()` reads BODY and TEXT", () => {
  assert.deepEqual(key("BODY hello"), { type: "body", value: "hello" });
  assert.deepEqual(key('TEXT "a \\"b\\""'), { type: "text", value: 'a "b"' });
});

Deno.test("`parseSearch()` reads every date key, quoted or not", () => {
  assert.deepEqual(key("BEFORE 1-Feb-2024"), {
    type: "internalDate",
    op: "before",
    date: "2024-02-01",
  });
  assert.deepEqual(key('ON "29-feb-2024"'), { type: "internalDate", op: "on", date: "2024-02-29" });
  assert.deepEqual(key("SINCE 31-DEC-1999"), {
    type: "internalDate",
    op: "since",
    date: "1999-12-31",
  });
  assert.deepEqual(key("SENTBEFORE 02-Jan-2020"), {
    type: "sentDate",
    op: "before",
    date: "2020-01-02",
  });
  assert.deepEqual(key("SENTON 5-Jul-2021"), { type: "sentDate", op: "on", date: "2021-07-05" });
  assert.deepEqual(key("SENTSINCE 15-Aug-2022"), {
    type: "sentDate",
    op: "since",
    date: "2022-08-15",
  });
});

Deno.test("`parseSearch()` rejects impossible and malformed dates, naming the key", () => {
  for (const bad of ["29-Feb-2023", "32-Jan-2020", "0-Jan-2020", "1-Foo-2020", "2020-01-01"]) {
    assert.throws(
      () => key(`SINCE ${bad}`),
      (e) => e instanceof ParseError && /SINCE/.test(e.message) && e.message.includes(bad),
      bad,
    );
  }
  assert.throws(() => key("SENTON 1-Jan-20"), /SENTON: Invalid date "1-Jan-20"/);
});

Deno.test("`parseSearch()` reads LARGER, SMALLER and UID", () => {
  assert.deepEqual(key("LARGER 1024"), { type: "size", op: "larger", bytes: 1024 });
  assert.deepEqual(key("SMALLER 0"), { type: "size", op: "smaller", bytes: 0 });
  assert.deepEqual(key("UID 1:3,7:*"), {
    type: "uid",
    set: [{ from: 1, to: 3 }, { from: 7, to: STAR }],
  });
  assert.throws(() => key("LARGER big"), /LARGER/);
  assert.throws(() => key("SMALLER 99999999999"), /SMALLER: Number 99999999999 is too big/);
  assert.throws(() => key("UID 0"), /UID: Invalid sequence set "0"/);
});

Deno.test("`parseSearch()` reads sequence sets, NOT, OR and lists", () => {
  assert.deepEqual(key("2,4:*"), { type: "seq", set: [{ from: 2, to: 2 }, { from: 4, to: STAR }] });
  assert.deepEqual(key("NOT SEEN"), {
    type: "not",
    key: { type: "flag", flag: "\\Seen", present: true },
  });
  assert.deepEqual(key("OR FROM a (TO b 1:3)"), {
    type: "or",
    left: { type: "header", name: "From", value: "a" },
    right: {
      type: "and",
      keys: [{ type: "header", name: "To", value: "b" }, {
        type: "seq",
        set: [{ from: 1, to: 3 }],
      }],
    },
  });
  assert.deepEqual(key("((DELETED))"), { type: "flag", flag: "\\Deleted", present: true });
  assert.deepEqual(key("SEEN 1:2 LARGER 5"), {
    type: "and",
    keys: [
      { type: "flag", flag: "\\Seen", present: true },
      { type: "seq", set: [{ from: 1, to: 2 }] },
      { type: "size", op: "larger", bytes: 5 },
    ],
  });
});

Deno.test("`parseSearch()` reads CHARSET and decodes strings in it", () => {
  const utf8 = search(enc.encode('CHARSET UTF-8 SUBJECT "café"'));
  assert.deepEqual(utf8.key, { type: "header", name: "Subject", value: "café" });
  const latin1 = new Uint8Array([...enc.encode("charset ISO-8859-1 BODY {4}\r\ncaf"), 0xe9]);
  const r = search(latin1);
  assert.equal(r.charset, "ISO-8859-1");
  assert.deepEqual(r.key, { type: "body", value: "café" });
  const koi8 = new Uint8Array([...enc.encode("CHARSET KOI8-R TEXT "), 0xd0, 0xd2, 0xc9]);
  assert.deepEqual(search(koi8).key, { type: "text", value: "при" });
  assert.deepEqual(search("CHARSET US-ASCII ALL"), {
    charset: "US-ASCII",
    key: { type: "all" },
    ret: null,
  });
  assert.deepEqual(search("ALL"), { charset: null, key: { type: "all" }, ret: null });
});

Deno.test("`parseSearch()` answers NO [BADCHARSET] for a charset it cannot decode", () => {
  for (const cs of ["X-UNKNOWN", "UTF-7", "ISO-2022-KR"]) {
    assert.throws(
      () => search(`CHARSET ${cs} SUBJECT x`),
      (e) =>
        e instanceof ImapError && e.status === "NO" && typeof e.code === "object" &&
        e.code.code === "BADCHARSET" &&
        e.message.includes(cs),
      cs,
    );
  }
  // Syntax comes first: a bad key with a bad charset is BAD.
  assert.throws(() => search("CHARSET X-UNKNOWN FOO"), ParseError);
});

Deno.test("`charsetDecoder()` knows UTF-8, US-ASCII and TextDecoder's charsets", () => {
  assert.equal(charsetDecoder(null)!(enc.encode("é")), "é");
  assert.equal(charsetDecoder("us-ascii")!(enc.encode("é")), "é");
  assert.equal(charsetDecoder("windows-1252")!(new Uint8Array([0x80])), "€");
  assert.equal(charsetDecoder("x-nope"), null);
});

Deno.test("`parseSearch()` rejects unknown keys and missing arguments, naming the key", () => {
  assert.throws(() => key("FOO"), /Unknown search key "FOO"/);
  assert.throws(() => key("SEEN BAR"), /Unknown search key "BAR"/);
  for (const k of ["FROM", "HEADER", "BEFORE", "KEYWORD", "LARGER", "UID", "NOT", "OR", "BODY"]) {
    assert.throws(() => key(k), new RegExp(`Missing argument to search key ${k}`), k);
  }
  assert.throws(() => key("HEADER X-A"), /Missing argument to search key HEADER/);
  assert.throws(() => key("OR SEEN"), /Missing argument to search key OR/);
  assert.throws(() => key("KEYWORD \\Seen"), /KEYWORD/);
  assert.throws(() => key("MODSEQ"), /Missing argument to search key MODSEQ/);
  assert.throws(() => key("CHARSET"), /CHARSET needs a charset name/);
  assert.throws(() => search(""), /Missing search key/);
});

Deno.test("`parseSearch()` rejects unbalanced parentheses and trailing junk", () => {
  assert.throws(() => key("(SEEN"), /Missing "\)"/);
  assert.throws(() => key("SEEN)"), ParseError);
  assert.throws(() => key("()"), ParseError);
  assert.throws(() => key("SEEN  ALL"), ParseError);
  assert.throws(() => key('"SEEN"'), /Expected a search key/);
});

Deno.test("`parseSearch()` refuses nesting past the limit", () => {
  const ok = "NOT ".repeat(MAX_SEARCH_DEPTH) + "SEEN";
  assert.equal(key(ok).type, "not");
  assert.throws(() => key("(".repeat(MAX_SEARCH_DEPTH + 2) + "SEEN" + ")".repeat(70)), /deeply/);
  assert.throws(() => key("NOT ".repeat(MAX_SEARCH_DEPTH + 1) + "SEEN"), /deeply/);
});

Deno.test("`parseSearch()` stops at MAX_SEARCH_KEYS_PARSED keys with NO [LIMIT] (issue 12, finding 4)", () => {
  const many = Array.from({ length: MAX_SEARCH_KEYS_PARSED + 1 }, () => "SEEN").join(" ");
  assert.throws(
    () => search(many),
    (e) => e instanceof ImapError && e.status === "NO" && e.code === "LIMIT",
  );
  // 50 keys and their "and"; each SUBJECT counts its field name too (7 + 2 octets).
  const ok = search(Array.from({ length: 50 }, () => 'SUBJECT "ab"').join(" "));
  assert.doesNotThrow(() => checkSearchLimits(ok.key, { maxKeys: 51, maxOctets: 450 }));
  assert.throws(() => checkSearchLimits(ok.key, { maxKeys: 50, maxOctets: 450 }), /Too many/);
  assert.throws(() => checkSearchLimits(ok.key, { maxKeys: 51, maxOctets: 449 }), /too long/);
});
