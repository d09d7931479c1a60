import assert from "node:assert/strict";
import {
  caseFold,
  getNormalizer,
  NormalizeError,
  type NormalizerName,
} from "../../lib/auth/normalize.ts";

const n = (name: NormalizerName) => getNormalizer(name);

Deno.test("`getNormalizer()` precis_casefold_email maps fullwidth letters to ASCII", () => {
  assert.equal(n("precis_casefold_email")("ＡＬＩＣＥ@example.org"), "alice@example.org");
});

Deno.test("`getNormalizer()` precis_casefold_email folds case and the domain", () => {
  assert.equal(n("precis_casefold_email")("Alice@Example.ORG."), "alice@example.org");
  assert.equal(n("precis_casefold_email")("Straße@x.de"), "strasse@x.de");
});

Deno.test("`getNormalizer()` precis applies NFC", () => {
  assert.equal(n("precis_email")("E\u0301@example.org"), "\u00c9@example.org");
  assert.equal(n("precis_casefold_email")("E\u0301@example.org"), "\u00e9@example.org");
});

Deno.test("`getNormalizer()` turns A-labels into lower-case U-labels", () => {
  assert.equal(n("precis_casefold_email")("test@XN--E1AYBC.example.org"), "test@тест.example.org");
  assert.throws(() => n("precis_email")("test@xn--99999999999.org"), NormalizeError);
});

Deno.test("`getNormalizer()` precis keeps case, precis_casefold folds the whole string", () => {
  assert.equal(n("precis")("Alice@Example.ORG"), "Alice@Example.ORG");
  assert.equal(n("precis_email")("Alice@Example.ORG"), "Alice@example.org");
  assert.equal(n("precis_casefold")("Alice@xn--E1AYBC.org"), "alice@xn--e1aybc.org");
});

Deno.test("`getNormalizer()` precis rejects disallowed code points", () => {
  for (const bad of ["a b@x.org", "a\u200bb@x.org", "a\u0007@x.org", "\u2163@x.org", "a☃@x.org"]) {
    assert.throws(() => n("precis_casefold_email")(bad), NormalizeError, JSON.stringify(bad));
  }
  // RFC 5892 Appendix A.3: MIDDLE DOT only between two 'l'.
  assert.equal(n("precis")("l·l"), "l·l");
  assert.throws(() => n("precis")("a·b"), NormalizeError);
});

Deno.test("`getNormalizer()` precis_casefold_email requires an address", () => {
  assert.throws(() => n("precis_casefold_email")("alice"), /no at-sign/);
  assert.throws(() => n("precis_casefold_email")("@x.org"), /empty local part/);
  assert.equal(n("precis_casefold_email")("Postmaster"), "postmaster");
});

Deno.test("`getNormalizer()` auto folds addresses and bare usernames", () => {
  assert.equal(n("auto")("ALICE@Example.org"), "alice@example.org");
  assert.equal(n("auto")("Ｂｏｂ"), "bob");
});

Deno.test("`getNormalizer()` casefold and noop", () => {
  assert.equal(n("casefold")("ALICE@X"), "alice@x");
  assert.equal(n("noop")("ALICE @X"), "ALICE @X");
});

Deno.test("`caseFold()` applies full folding, not the final-sigma rule", () => {
  assert.equal(caseFold("ΣΊΣΥΦΟΣ"), "σίσυφοσ");
  assert.equal(caseFold("ς"), "σ");
  assert.equal(caseFold("ﬁ"), "fi");
  assert.equal(caseFold("ẞ"), "ss");
});
