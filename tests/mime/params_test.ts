import assert from "node:assert/strict";
import {
  decodeRfc2231,
  paramValue,
  parseContentType,
  parseDisposition,
  parseLanguage,
} from "../../lib/mime/params.ts";

Deno.test("`parseContentType()` reads type, subtype and parameters with comments", () => {
  assert.deepEqual(parseContentType('Text/HTML (a comment); Charset="UTF-8" ; format=flowed'), {
    type: "text",
    subtype: "html",
    params: [["Charset", "UTF-8"], ["format", "flowed"]],
  });
  assert.deepEqual(parseContentType('multipart/mixed; boundary="a \\"q\\" b"'), {
    type: "multipart",
    subtype: "mixed",
    params: [["boundary", 'a "q" b']],
  });
  // Lenient unquoted values with characters RFC 2045 tokens forbid.
  assert.deepEqual(parseContentType("multipart/mixed; boundary==_Part_1=?x/y")?.params, [
    ["boundary", "=_Part_1=?x/y"],
  ]);
});

Deno.test("`parseContentType()` rejects a value without subtype", () => {
  assert.equal(parseContentType("text"), null);
  assert.equal(parseContentType("/plain"), null);
  assert.equal(parseContentType(""), null);
});

Deno.test("`parseContentType()` merges RFC 2231 sections in order, stopping at a gap", () => {
  const ct = parseContentType(
    "application/x-stuff; a*1=two; a*0=one; b*0*=utf-8''%C3%A9; b*1=\" x\"; c*0=k; c*2=gone",
  );
  assert.deepEqual(ct?.params, [["a", "onetwo"], ["b*", "utf-8''%C3%A9%20x"], ["c", "k"]]);
  assert.equal(paramValue(ct!.params, "B"), "é x");
  assert.equal(paramValue(ct!.params, "a"), "onetwo");
  assert.equal(paramValue(ct!.params, "missing"), null);
});

Deno.test("`paramValue()` prefers the RFC 2231 form and decodes its charset", () => {
  const params: [string, string][] = [["filename", "fallback.txt"], [
    "filename*",
    "iso-8859-1'fr'r%E9sum%E9.txt",
  ]];
  assert.equal(paramValue(params, "filename"), "résumé.txt");
  assert.equal(decodeRfc2231("no-quotes"), "no-quotes");
  assert.equal(decodeRfc2231("x-unknown''%C3%A9"), "é");
});

Deno.test("`parseDisposition()` and `parseLanguage()` read their lists", () => {
  assert.deepEqual(parseDisposition('attachment; filename="a b.pdf"; size=12'), {
    type: "attachment",
    params: [["filename", "a b.pdf"], ["size", "12"]],
  });
  assert.equal(parseDisposition("  "), null);
  assert.deepEqual(parseLanguage("en-US, (comment) fr"), ["en-US", "fr"]);
  assert.equal(parseLanguage(""), null);
});
