import assert from "node:assert/strict";
import { decodeEncodedWords } from "../../lib/mime/encoded_words.ts";

Deno.test("`decodeEncodedWords()` decodes the RFC 2047 §8 examples", () => {
  assert.equal(decodeEncodedWords("=?US-ASCII?Q?Keith_Moore?="), "Keith Moore");
  assert.equal(decodeEncodedWords("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?="), "Keld Jørn Simonsen");
  assert.equal(decodeEncodedWords("=?ISO-8859-1?Q?Andr=E9?= Pirard"), "André Pirard");
  assert.equal(
    decodeEncodedWords("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?="),
    "If you can read this yo",
  );
  assert.equal(decodeEncodedWords("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  assert.equal(decodeEncodedWords("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  assert.equal(decodeEncodedWords("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)"), "(ab)");
  assert.equal(decodeEncodedWords("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
  assert.equal(decodeEncodedWords("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)");
});

Deno.test("`decodeEncodedWords()` joins a character split across adjacent words", () => {
  // "é" is C3 A9 in UTF-8, split over two base64 words.
  assert.equal(decodeEncodedWords("=?utf-8?B?Y8M=?= =?utf-8?B?qQ==?="), "cé");
  assert.equal(decodeEncodedWords("=?UTF-8?q?caf=C3?=\t=?UTF-8?q?=A9?= ok"), "café ok");
});

Deno.test("`decodeEncodedWords()` keeps words it cannot decode", () => {
  assert.equal(decodeEncodedWords("=?x-unknown?Q?abc?="), "=?x-unknown?Q?abc?=");
  assert.equal(decodeEncodedWords("=?utf-8?B?!!!?="), "=?utf-8?B?!!!?=");
  assert.equal(decodeEncodedWords("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  assert.equal(decodeEncodedWords("plain =? text ?="), "plain =? text ?=");
  // An undecodable word between two good ones keeps its spaces around it.
  assert.equal(
    decodeEncodedWords("=?utf-8?q?a?= =?bogus?q?b?= =?utf-8?q?c?="),
    "a =?bogus?q?b?= c",
  );
});

Deno.test("`decodeEncodedWords()` accepts an RFC 2231 language and words inside text", () => {
  assert.equal(decodeEncodedWords("=?utf-8*en?Q?hi?="), "hi");
  assert.equal(decodeEncodedWords("Re:=?utf-8?Q?x?="), "Re:x");
});
