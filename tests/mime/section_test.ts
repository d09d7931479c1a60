import assert from "node:assert/strict";
import { parseMessage } from "../../lib/mime/parse.ts";
import { sectionRange, type SectionText } from "../../lib/mime/section.ts";
import { headerFields } from "../../lib/mime/header.ts";
import { bytes, crlf, FORWARDED, slice } from "./fixtures/messages.ts";

const DATA = bytes(FORWARDED);
const BODY = parseMessage(DATA).body;

function section(path: number[], text: SectionText): string | null {
  const range = sectionRange(BODY, path, text);
  return range ? slice(DATA, range[0], range[1]) : null;
}

Deno.test("`sectionRange()` gives the whole message, its header and its text", () => {
  assert.equal(section([], null), FORWARDED);
  assert.equal(section([], "HEADER"), FORWARDED.slice(0, FORWARDED.indexOf("\r\n\r\n") + 4));
  assert.equal(section([], "TEXT"), FORWARDED.slice(FORWARDED.indexOf("\r\n\r\n") + 4));
  assert.equal(section([], "MIME"), null);
});

Deno.test("`sectionRange()` gives a part's body and MIME header", () => {
  assert.equal(section([1], null), "See attached.");
  assert.equal(section([1], "MIME"), "Content-Type: text/plain\r\n\r\n");
  assert.equal(section([2, 2], null), "a,b\r\n1,2");
  assert.equal(section([2, 2], "MIME"), "Content-Type: text/csv\r\n\r\n");
  assert.equal(section([3], null), null);
  assert.equal(section([1], "HEADER"), null);
});

Deno.test("`sectionRange()` gives the header and text of a message/rfc822 part", () => {
  const header = section([2], "HEADER")!;
  assert.equal(header.startsWith("From: Carol <carol@example.org>\r\n"), true);
  assert.equal(header.endsWith("boundary=inner\r\n\r\n"), true);
  const text = section([2], "TEXT")!;
  assert.equal(text.startsWith("--inner\r\n"), true);
  assert.equal(text.endsWith("--inner--"), true);
  assert.equal(section([2], null), section([2], "HEADER")! + section([2], "TEXT")!);
  assert.equal(
    section([2], "MIME"),
    "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n",
  );
  // HEADER.FIELDS of an embedded message: the helper applied to the HEADER range.
  const [start, end] = sectionRange(BODY, [2], "HEADER")!;
  const fields = new TextDecoder().decode(headerFields(DATA.subarray(start, end), ["subject"]));
  assert.equal(fields, "Subject: report\r\n\r\n");
});

Deno.test("`sectionRange()` numbers a single-part message's body as part 1", () => {
  const data = bytes(crlf("Subject: x\n\nhello\n"));
  const body = parseMessage(data).body;
  const [start, end] = sectionRange(body, [1], null)!;
  assert.equal(slice(data, start, end), "hello\r\n");
  assert.equal(sectionRange(body, [2], null), null);
});
