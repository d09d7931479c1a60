import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../lib/wire/parser.ts";

const enc = new TextEncoder();
const p = (s: string) => new CommandParser(enc.encode(s));

Deno.test("`CommandParser` reads tag, atom, astring, quoted and literal", () => {
  const c = p('A01 LOGIN "ali\\"ce" {3}\r\np w INBOX');
  assert.equal(c.tag(), "A01");
  c.sp();
  assert.equal(c.atom(), "LOGIN");
  c.sp();
  assert.equal(c.astring(), 'ali"ce');
  c.sp();
  assert.equal(c.astring(), "p w");
  c.sp();
  assert.equal(c.astring(), "INBOX");
  c.end();
});

Deno.test("`CommandParser` rejects a tag with '+' and a missing argument", () => {
  assert.throws(() => p("+x NOOP").tag(), ParseError);
  const c = p("a1 LOGIN");
  c.tag();
  c.sp();
  c.atom();
  assert.throws(() => c.sp(), /Missing arguments/);
});

Deno.test("`CommandParser` reads nstring NIL and lists of flags", () => {
  const c = p("NIL (\\Seen $Junk)");
  assert.equal(c.nstring(), null);
  c.sp();
  assert.deepEqual(c.list(() => c.flag()), ["\\Seen", "$Junk"]);
});

Deno.test("`CommandParser` rejects an unterminated quoted string and a bad escape", () => {
  assert.throws(() => p('"abc').astring(), /Unterminated/);
  assert.throws(() => p('"a\\bc"').astring(), /escapes only/);
});

Deno.test("`CommandParser` number() rejects values past 32 bits", () => {
  assert.equal(p("4294967295").number(), 4294967295);
  assert.throws(() => p("4294967296").number(), /too big/);
});
