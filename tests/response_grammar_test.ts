/**
 * The strict response reader that tests/transcripts_test.ts runs over every
 * session of the transcript suite: it must accept what the grammar allows
 * and catch what it does not.
 */
import assert from "node:assert/strict";
import { checkResponses, GrammarError } from "./_support/response_grammar.ts";

const enc = new TextEncoder();
const check = (text: string) => checkResponses(enc.encode(text));

Deno.test("`checkResponses()` reads the responses the grammar allows", () => {
  const stream = [
    "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID] IMAP4rev1 server ready",
    "+ Ready for literal data",
    "+ ",
    "* FLAGS (\\Answered \\Seen $Work)",
    "* OK [PERMANENTFLAGS (\\Seen $Work \\*)] Flags permitted",
    "* 2 EXISTS",
    "* 1 RECENT",
    "* OK [UIDVALIDITY 7] UIDs valid",
    '* LIST (\\HasNoChildren) "/" ~foo',
    '* LIST (\\Noselect) "/" ""',
    '* STATUS "a b" (MESSAGES 2 APPENDLIMIT NIL)',
    "* SEARCH 1 2",
    "* SEARCH",
    "* THREAD (1)(2 3)",
    '* NAMESPACE (("" "/")) NIL NIL',
    '* ID ("name" "imapd")',
    "* ENABLED",
    '* 1 FETCH (UID 4 FLAGS (\\Seen \\Recent) INTERNALDATE " 5-Jan-2024 03:04:05 +0000" ' +
    'BODY[HEADER.FIELDS (Subject "X]")]<0> {4}\r\nab\r\n RFC822.SIZE 12)',
    "* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) BODY[] {0}\r\n)",
    '* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1)("TEXT" "HTML" NIL NIL NIL "7BIT" 1 1) "ALTERNATIVE"))',
    "a1 OK [COPYUID 7 1:3,5 10:13] COPY completed",
    "a2 NO [BADCHARSET (UTF-8 US-ASCII)] Charset is not supported",
    "* BYE Logging out",
  ].map((l) => l + "\r\n").join("");
  assert.equal(check(stream), 23);
});

Deno.test("`checkResponses()` catches line breaks in quoted strings, wrong literal lengths, unbalanced lists", () => {
  const bad = (text: string, why: RegExp) =>
    assert.throws(() => check(text), (e) => e instanceof GrammarError && why.test(e.message));
  bad('* 1 FETCH (BODY[HEADER.FIELDS ("a\r\nb")] "")\r\n', /CR, LF or NUL/);
  bad("* 1 FETCH (RFC822 {5}\r\nabc)\r\n", /literal|expected/);
  bad("* 1 FETCH (RFC822 {2}\r\nabc)\r\n", /expected/);
  bad("* 1 FETCH (FLAGS (\\Seen)\r\n", /expected/);
  bad("* THREAD (1 (2)\r\n", /unbalanced|expected/);
  bad('* LIST () "/" "a\\x"\r\n', /bad escape/);
  bad("* OK [UIDNEXT] no number\r\n", /expected/);
  bad("* OK [WHATEVER 3] free-form code\r\n", /unknown response code/);
  bad("* OK\r\n", /expected/);
  bad("* 1 FETCH (FLAGS (\\Seen) FLAGS (\\Seen))\r\n", /twice/);
  bad('* 1 FETCH (INTERNALDATE "2024-01-05")\r\n', /date-time/);
  bad("a1 BYE no\r\n", /tagged BYE/);
  bad("* 1 EXISTS", /expected "\\r\\n"/);
  bad("* FLAGS (a b)\n", /expected/);
});

Deno.test("`checkResponses()` reads QUOTA, QUOTAROOT and LIST extended data, and catches their faults", () => {
  const stream = [
    '* QUOTAROOT INBOX ""',
    "* QUOTAROOT INBOX",
    '* QUOTA "" (STORAGE 10 512 MESSAGE 3 100)',
    '* LIST (\\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))',
  ].map((l) => l + "\r\n").join("");
  assert.equal(check(stream), 4);
  const bad = (text: string, why: RegExp) =>
    assert.throws(() => check(text), (e) => e instanceof GrammarError && why.test(e.message));
  bad('* QUOTA "" (STORAGE 10)\r\n', /expected/);
  bad('* QUOTA "" (STORAGE x 10)\r\n', /number|expected/);
  bad('* LIST () "/" Foo CHILDINFO\r\n', /mbox-list-extended is a list/);
});
