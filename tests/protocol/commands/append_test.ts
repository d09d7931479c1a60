import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../../lib/wire/parser.ts";
import { parseAppend } from "../../../lib/protocol/commands/append.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function append(args: string) {
  const p = new CommandParser(enc.encode("APPEND " + args));
  p.pos = "APPEND".length;
  return parseAppend(p);
}

Deno.test("`parseAppend()` reads one message with flags and a date", () => {
  const a = append('INBOX (\\seen $Work) " 7-Feb-1994 21:52:25 -0800" {5}\r\nhello');
  assert.equal(a.mailbox, "INBOX");
  assert.equal(a.messages.length, 1);
  assert.deepEqual(a.messages[0].flags, ["\\Seen", "$Work"]);
  assert.equal(a.messages[0].internalDate?.toISOString(), "1994-02-08T05:52:25.000Z");
  assert.equal(dec.decode(a.messages[0].content), "hello");
  assert.equal(a.messages[0].form, "literal");
});

Deno.test("`parseAppend()` reads several messages in order (MULTIAPPEND, RFC 3502)", () => {
  const a = append(
    'Box {3+}\r\none (\\Draft) {3}\r\ntwo " 1-Jan-2000 00:00:00 +0000" {5+}\r\nthree',
  );
  assert.deepEqual(a.messages.map((m) => dec.decode(m.content)), ["one", "two", "three"]);
  assert.deepEqual(a.messages.map((m) => m.flags), [[], ["\\Draft"], []]);
  assert.equal(a.messages[0].internalDate, null);
  assert.equal(a.messages[2].internalDate?.toISOString(), "2000-01-01T00:00:00.000Z");
});

Deno.test("`parseAppend()` reads literal8 and the UTF8 data item", () => {
  const a = append("INBOX ~{3}\r\na\0b utf8 (~{4+}\r\né\r\n) {1}\r\nx");
  assert.deepEqual(a.messages.map((m) => m.form), ["literal8", "utf8", "literal"]);
  assert.deepEqual([...a.messages[0].content], [0x61, 0, 0x62]);
  assert.equal(a.messages[1].content.length, 4);
});

Deno.test("`parseAppend()` rejects missing or malformed message data", () => {
  const cases: [string, RegExp][] = [
    ["INBOX", /Missing arguments/],
    ["INBOX {1}\r\nx ", /needs message 2 as a literal/],
    ["INBOX {1}\r\nx (\\Seen)", /Missing arguments/],
    ['INBOX "hello"', /Invalid date-time/],
    ["INBOX hello", /needs the message as a literal/],
    ["INBOX UTF8 {1}\r\nx", /Expected "\("/],
    ["INBOX UTF8 ({1}\r\nx)", /needs a literal8/],
    ["INBOX UTF8 (~{1}\r\nx", /Expected "\)"/],
    ["INBOX {5}\r\nab", /shorter than announced/],
    ["INBOX (\\Recent) {1}\r\nx", /cannot be stored/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => append(args),
      (e) => e instanceof ParseError && message.test(e.message),
      args,
    );
  }
});

Deno.test("`parseAppend()` reads CATENATE's TEXT and URL parts (RFC 4469 §5)", () => {
  const a = append(
    'Sent (\\Seen) catenate (URL "/INBOX/;UID=1/;SECTION=HEADER" TEXT {3+}\r\nabc text ~{1+}\r\nz url /x/;UID=2) {2+}\r\nhi',
  );
  assert.equal(a.messages.length, 2);
  const [m] = a.messages;
  assert.equal(m.form, "catenate");
  assert.deepEqual(m.flags, ["\\Seen"]);
  assert.deepEqual(m.parts?.map((p) => p.kind === "url" ? p.url : dec.decode(p.content)), [
    "/INBOX/;UID=1/;SECTION=HEADER",
    "abc",
    "z",
    "/x/;UID=2",
  ]);
  assert.equal(dec.decode(a.messages[1].content), "hi");
});

Deno.test("`parseAppend()` rejects an empty CATENATE, unknown parts and TEXT without a literal", () => {
  assert.throws(() => append("Sent CATENATE ()"), ParseError);
  assert.throws(() => append('Sent CATENATE (FILE "/etc/passwd")'), /Unknown CATENATE part "FILE"/);
  assert.throws(() => append('Sent CATENATE (TEXT "abc")'), /TEXT needs a literal/);
  assert.throws(() => append('Sent CATENATE (URL "/x/;UID=1"'), ParseError);
});
