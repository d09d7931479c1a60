import assert from "node:assert/strict";
import { baseSubject } from "../../lib/mime/subject.ts";

Deno.test("`baseSubject()` strips reply and forward leaders and trailers", () => {
  assert.equal(baseSubject("Re: hello"), "hello");
  assert.equal(baseSubject("RE: Re: re: hello"), "hello");
  assert.equal(baseSubject("Fwd: hello (fwd)"), "hello");
  assert.equal(baseSubject("FW: hello (fwd) (FWD)  "), "hello");
  assert.equal(baseSubject("Re[2]: hello"), "hello");
  assert.equal(baseSubject("[list] Re: [other] hello"), "hello");
  assert.equal(baseSubject("Re: [fwd: Re: hello]"), "hello");
});

Deno.test("`baseSubject()` keeps a blob that is the whole subject", () => {
  assert.equal(baseSubject("[announce]"), "[announce]");
  assert.equal(baseSubject("Re: [announce]"), "[announce]");
  assert.equal(baseSubject(""), "");
});

Deno.test("`baseSubject()` decodes words and folds whitespace", () => {
  assert.equal(baseSubject("=?utf-8?q?Re=3A_caf=C3=A9?=\r\n\tclub"), "café club");
  assert.equal(baseSubject("a \t  b"), "a b");
  assert.equal(baseSubject("Reply: hello"), "Reply: hello");
});
