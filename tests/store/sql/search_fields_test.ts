import assert from "node:assert/strict";
import { casemap } from "../../../lib/mime/mod.ts";
import { searchColumn, searchFieldsOf, SEPARATOR } from "../../../lib/store/sql/search_fields.ts";

const enc = new TextEncoder();
const header = (lines: string[]) => enc.encode(lines.join("\r\n") + "\r\n\r\n");
const has = (text: string | null, needle: string) =>
  text !== null && text.includes(casemap(needle));

Deno.test("`searchFieldsOf()` keeps parsed addresses without comments beside the field text", () => {
  const f = searchFieldsOf(header([
    "From: <user-from (comment)@ (comment) domain.org>",
    "To: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>, ann@x.org",
    "Cc: user2: blah@domain1.org;",
    "Subject: =?iso-8859-1?q?Caf=E9?= time",
  ]));
  assert.ok(has(f.from_text, "user-from@domain.org"));
  assert.ok(has(f.from_text, "USER-FROM@DOMAIN.ORG"));
  assert.ok(has(f.to_text, "Jörg <joerg@example.org>"));
  assert.ok(has(f.to_text, "ann@x.org"));
  assert.ok(has(f.cc_text, "user2"));
  assert.ok(has(f.cc_text, "blah@domain1.org"));
  assert.ok(has(f.subject_text, "café time"));
  assert.ok(!has(f.subject_text, "=E9"));
  // Fields the header lacks are null: SEARCH BCC "" matches nothing.
  assert.equal(f.bcc_text, null);
});

Deno.test("`searchFieldsOf()` separates fields and addresses so no match spans two", () => {
  const f = searchFieldsOf(header(["To: a@x.org, b@y.org", "To: c@z.org"]));
  assert.ok(has(f.to_text, "a@x.org") && has(f.to_text, "c@z.org"));
  assert.ok(f.to_text!.includes(SEPARATOR));
  assert.ok(!has(f.to_text, "y.org>c@"));
  // An empty Subject is still a Subject; a line without a colon is no field.
  const g = searchFieldsOf(header(["Subject:", "From"]));
  assert.equal(g.subject_text, "");
  assert.equal(g.from_text, null);
});

Deno.test("`searchColumn()` names the column of the five fields, any case, and no other", () => {
  assert.equal(searchColumn("From"), "from_text");
  assert.equal(searchColumn("BCC"), "bcc_text");
  assert.equal(searchColumn("subject"), "subject_text");
  assert.equal(searchColumn("Message-ID"), null);
  assert.equal(searchColumn("Reply-To"), null);
});
