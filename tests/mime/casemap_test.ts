import assert from "node:assert/strict";
import { casemap, compareCasemap, compareCodePoints } from "../../lib/mime/casemap.ts";

Deno.test("`casemap()` folds case in ASCII and beyond", () => {
  assert.equal(casemap("Hello, World"), "HELLO, WORLD");
  assert.equal(casemap("straße"), casemap("STRAßE"));
  assert.equal(casemap("Ωμέγα"), casemap("ΩΜΈΓΑ"));
  assert.equal(casemap("σ"), casemap("ς"));
  assert.notEqual(casemap("a"), casemap("b"));
});

Deno.test("`casemap()` decomposes: precomposed and combining spellings map alike", () => {
  assert.equal(casemap("café"), casemap("cafe\u0301"));
  assert.equal(casemap("CAFÉ"), casemap("cafe\u0301"));
  assert.equal(casemap("ﬁle"), casemap("FILE"));
  assert.equal(casemap("ᾳ"), casemap("ᾼ"));
});

Deno.test("`casemap()` uses titlecase for the DŽ digraphs", () => {
  assert.equal(casemap("\u01c6"), casemap("\u01c4"));
  assert.equal(casemap("\u01c6"), casemap("\u01c5"));
});

Deno.test("`compareCodePoints()` orders astral characters after U+FFFD", () => {
  assert.ok(compareCodePoints("\ufffd", "\u{1f600}") < 0);
  assert.ok(compareCodePoints("\u{1f600}", "\ue000") > 0);
  assert.ok(compareCodePoints("a", "b") < 0);
  assert.ok(compareCodePoints("ab", "a") > 0);
  assert.equal(compareCodePoints("x", "x"), 0);
});

Deno.test("`compareCasemap()` ignores case and orders by code point", () => {
  assert.equal(compareCasemap("apple", "APPLE"), 0);
  assert.ok(compareCasemap("apple", "Banana") < 0);
  assert.ok(compareCasemap("Zebra", "apple") > 0);
});

Deno.test("`casemap()` of Latin-1 text is the form of the same text taken as a whole", () => {
  // Text in U+0000..U+00FF goes through a table of each character's form; a
  // CJK character (no decomposition, no case) sends the same text through
  // the whole-string passes.
  const whole = (s: string) => casemap(s + "\u4e00").slice(0, -1);
  for (let a = 0; a < 256; a++) {
    for (let b = 0x80; b < 256; b++) {
      const s = String.fromCharCode(a, b, a);
      assert.equal(casemap(s), whole(s), `U+${a.toString(16)} U+${b.toString(16)}`);
    }
  }
  assert.equal(casemap("Straße, ½ µ déjà-vu ÿ"), whole("Straße, ½ µ déjà-vu ÿ"));
  assert.equal(casemap("Straße"), "STRAßE");
  assert.equal(casemap("déjà"), "DE\u0301JA\u0300");
});
