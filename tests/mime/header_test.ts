import assert from "node:assert/strict";
import {
  fieldValue,
  headerFields,
  headerText,
  headerValues,
  parseHeaderFields,
} from "../../lib/mime/header.ts";
import { bytes, crlf, slice } from "./fixtures/messages.ts";

const HEADER = bytes(crlf(`Received: from a
\tby b; Mon, 1 Jan 2024 10:00:00 +0000
Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=
 aus Bern
To: a@example.com
from : b@example.com
X-Empty:
received: second

`));

Deno.test("`parseHeaderFields()` gives each field's name and byte range with its folding", () => {
  const fields = parseHeaderFields(HEADER);
  assert.deepEqual(fields.map((f) => f.name), [
    "Received",
    "Subject",
    "To",
    "from",
    "X-Empty",
    "received",
  ]);
  assert.equal(
    slice(HEADER, fields[0].start, fields[0].end),
    "Received: from a\r\n\tby b; Mon, 1 Jan 2024 10:00:00 +0000\r\n",
  );
  assert.equal(fieldValue(HEADER, fields[0]), "from a\tby b; Mon, 1 Jan 2024 10:00:00 +0000");
  assert.equal(fieldValue(HEADER, fields[4]), "");
});

Deno.test("`headerFields()` returns matching fields, folding kept, then the blank line", () => {
  const out = new TextDecoder().decode(headerFields(HEADER, ["SUBJECT", "From"]));
  assert.equal(
    out,
    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n aus Bern\r\nfrom : b@example.com\r\n\r\n",
  );
  assert.equal(new TextDecoder().decode(headerFields(HEADER, ["x-none"])), "\r\n");
});

Deno.test("`headerFields()` with exclude returns the other fields", () => {
  const out = new TextDecoder().decode(
    headerFields(HEADER, ["received", "subject", "x-empty"], true),
  );
  assert.equal(out, "To: a@example.com\r\nfrom : b@example.com\r\n\r\n");
});

Deno.test("`headerFields()` ends a last field that lacks a line end", () => {
  const out = new TextDecoder().decode(headerFields(bytes("A: 1\nB: 2"), ["b", "a"]));
  assert.equal(out, "A: 1\nB: 2\r\n\r\n");
});

Deno.test("`headerValues()` decodes every occurrence, case-insensitively", () => {
  assert.deepEqual(headerValues(HEADER, "subject"), ["Grüße aus Bern"]);
  assert.deepEqual(headerValues(HEADER, "RECEIVED"), [
    "from a\tby b; Mon, 1 Jan 2024 10:00:00 +0000",
    "second",
  ]);
  assert.deepEqual(headerValues(HEADER, "cc"), []);
});

Deno.test("`headerText()` joins decoded fields one per line", () => {
  const text = headerText(HEADER);
  assert.equal(text.includes("Subject: Grüße aus Bern\n"), true);
  assert.equal(text.endsWith("received: second"), true);
});

/** headerFields() as it was written before its byte-level path: parseHeaderFields() and names. */
function byStrings(header: Uint8Array, names: string[], exclude: boolean): Uint8Array {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const parts: number[] = [];
  for (const f of parseHeaderFields(header)) {
    if (wanted.has(f.name.toLowerCase()) === exclude) continue;
    parts.push(...header.subarray(f.start, f.end));
    if (header[f.end - 1] !== 0x0a) parts.push(0x0d, 0x0a);
  }
  return new Uint8Array([...parts, 0x0d, 0x0a]);
}

Deno.test("`headerFields()` chooses the fields `parseHeaderFields()` names, for odd headers too", () => {
  // Pieces an odd header is made of: WSP around names, lines without a colon,
  // a continuation first, bare LF, 8-bit and NBSP bytes, an empty line inside.
  const pieces = [
    "From: a\r\n",
    "from : b\r\n",
    " From\t: c\r\n",
    "\tcontinued\r\n",
    " more\r\n",
    "No colon here\r\n",
    "TO: x\n",
    "Subject:\r\n",
    "X-\u00c9t\u00e9: y\r\n",
    "\u00a0From: z\r\n",
    "Fromage: no\r\n",
    ":empty name\r\n",
    "\r\n",
    "After: blank\r\n",
    "cc",
    "Message-ID: <m>",
  ];
  const lists = [["From"], ["from", "to", "CC"], ["FROM", "SUBJECT", "X-\u00c9T\u00c9"], [""], []];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 400; round++) {
    let text = "";
    for (let i = 0, n = Math.floor(next() * 9); i < n; i++) {
      text += pieces[Math.floor(next() * pieces.length)];
    }
    const header = Uint8Array.from(text, (c) => c.charCodeAt(0));
    for (const names of lists) {
      for (const exclude of [false, true]) {
        assert.deepEqual(
          headerFields(header, names, exclude),
          byStrings(header, names, exclude),
          JSON.stringify({ text, names, exclude }),
        );
      }
    }
  }
});
