import assert from "node:assert/strict";
import { ResponseEncoder } from "../../lib/wire/encoder.ts";

const dec = new TextDecoder();

Deno.test("`ResponseEncoder` quotes plain strings and escapes quotes", () => {
  const e = new ResponseEncoder();
  e.string("hello").sp().string('say "hi"').sp().nstring(null);
  assert.equal(dec.decode(e.takeBytes()), '"hello" "say \\"hi\\"" NIL');
});

Deno.test("`ResponseEncoder` sends CR, LF and 8-bit text as literals", () => {
  const e = new ResponseEncoder();
  e.string("a\r\nb").sp().string("é");
  assert.equal(dec.decode(e.takeBytes()), "{4}\r\na\r\nb {2}\r\né");
});

Deno.test("`ResponseEncoder` quotes 8-bit text once UTF-8 is accepted", () => {
  const e = new ResponseEncoder();
  e.utf8 = true;
  e.string("é");
  assert.equal(dec.decode(e.takeBytes()), '"é"');
});

Deno.test("`ResponseEncoder` astring() keeps atoms bare but quotes NIL and specials", () => {
  const e = new ResponseEncoder();
  e.astring("INBOX").sp().astring("NIL").sp().astring("a b").sp().astring("");
  assert.equal(dec.decode(e.takeBytes()), 'INBOX "NIL" "a b" ""');
});

Deno.test("`flagList()` writes flags as atoms and leaves out what cannot be one", () => {
  const enc = new ResponseEncoder();
  enc.flagList(["\\Seen", "$Work", "bad word", "\\*", "", "(x", "\\", "ok"]);
  assert.equal(new TextDecoder().decode(enc.takeBytes()), "(\\Seen $Work \\* ok)");
});

Deno.test("`text()` keeps resp-text on one 7-bit line", () => {
  const enc = new ResponseEncoder();
  enc.text("a\r\nb\x00c\u00e9");
  enc.text("");
  assert.equal(new TextDecoder().decode(enc.takeBytes()), "a b\\x00c?Done");
});

Deno.test('`astring()` quotes NIL, "]" and empty names; `string()` sends CR/LF as a literal', () => {
  const enc = new ResponseEncoder();
  enc.astring("INBOX").sp().astring("NIL").sp().astring("a]b").sp().astring("").sp()
    .string("a\r\nb");
  assert.equal(
    new TextDecoder().decode(enc.takeBytes()),
    'INBOX "NIL" "a]b" "" {4}\r\na\r\nb',
  );
});
