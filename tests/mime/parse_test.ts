import assert from "node:assert/strict";
import { findPart, MAX_DEPTH, MAX_PARTS, parseMessage } from "../../lib/mime/parse.ts";
import { toCrlf } from "../../lib/mime/line_ends.ts";
import { MISSING_DOMAIN } from "../../lib/mime/address.ts";
import type {
  BodyMessagePart,
  BodyMultipart,
  BodySinglePart,
  BodyStructure,
} from "../../lib/mime/types.ts";
import {
  BARE_LF_8BIT,
  bytes,
  crlf,
  DIGEST,
  FORWARDED,
  MIXED_ALTERNATIVE,
  NO_FINAL_BOUNDARY,
  RFC2231,
  slice,
} from "./fixtures/messages.ts";

function single(part: BodyStructure | null): BodySinglePart {
  assert.ok(part && part.kind === "single", `expected a single part, got ${part?.kind}`);
  return part;
}

function multi(part: BodyStructure | null): BodyMultipart {
  assert.ok(part && part.kind === "multipart", `expected a multipart, got ${part?.kind}`);
  return part;
}

function message(part: BodyStructure | null): BodyMessagePart {
  assert.ok(part && part.kind === "message", `expected message/rfc822, got ${part?.kind}`);
  return part;
}

Deno.test("`parseMessage()` reads the envelope of the RFC 2046 sample", () => {
  const parsed = parseMessage(bytes(MIXED_ALTERNATIVE));
  const nsb = [{ name: "Nathaniel Borenstein", adl: null, mailbox: "nsb", host: "bellcore.com" }];
  assert.deepEqual(parsed.envelope, {
    date: "Sun, 21 Mar 1993 23:56:48 -0800 (PST)",
    subject: "Sample message",
    from: nsb,
    sender: nsb,
    replyTo: nsb,
    to: [{ name: "Ned Freed", adl: null, mailbox: "ned", host: "innosoft.com" }],
    cc: null,
    bcc: null,
    inReplyTo: null,
    messageId: "<1993@bellcore.com>",
  });
});

Deno.test("`parseMessage()` gives multipart/alternative inside multipart/mixed", () => {
  const data = bytes(MIXED_ALTERNATIVE);
  const parsed = parseMessage(data);
  assert.equal(slice(data, 0, parsed.headerSize).endsWith('"simple boundary"\r\n\r\n'), true);
  const root = multi(parsed.body);
  assert.equal(root.subtype, "mixed");
  assert.deepEqual(root.params, [["boundary", "simple boundary"]]);
  assert.equal(root.parts.length, 2);
  assert.equal(root.headerStart, 0);
  assert.equal(root.bodyStart, parsed.headerSize);
  assert.equal(root.bodyEnd, data.length);

  const alt = multi(findPart(root, [1]));
  assert.equal(alt.subtype, "alternative");
  assert.equal(alt.parts.length, 2);
  assert.equal(
    slice(data, alt.headerStart, alt.bodyStart),
    "Content-Type: multipart/alternative; boundary=alt\r\n\r\n",
  );

  const plain = single(findPart(root, [1, 1]));
  assert.equal(plain.type, "text");
  assert.equal(plain.subtype, "plain");
  assert.deepEqual(plain.params, [["charset", "us-ascii"]]);
  assert.equal(plain.encoding, "7BIT");
  assert.equal(slice(data, plain.bodyStart, plain.bodyEnd), "Plain version.");
  assert.equal(plain.size, "Plain version.".length);
  // The CRLF before the delimiter belongs to the delimiter: no LF, no line (as Dovecot counts).
  assert.equal(plain.lines, 0);

  const html = single(findPart(root, [1, 2]));
  assert.equal(html.subtype, "html");
  assert.deepEqual(html.params, [["charset", "utf-8"]]);
  assert.equal(html.encoding, "QUOTED-PRINTABLE");
  assert.equal(slice(data, html.bodyStart, html.bodyEnd), "<p>Caf=C3=A9 version.</p>");
  assert.equal(
    slice(data, html.headerStart, html.bodyStart),
    'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
  );
  // The alternative's own body runs from its first delimiter to the end of its part.
  assert.equal(slice(data, alt.bodyStart, alt.bodyEnd).startsWith("--alt\r\n"), true);
  assert.equal(slice(data, alt.bodyStart, alt.bodyEnd).endsWith("--alt--"), true);

  const app = single(findPart(root, [2]));
  assert.equal(app.type, "application");
  assert.equal(app.subtype, "octet-stream");
  assert.deepEqual(app.params, [["name", "data.bin"]]);
  assert.equal(app.encoding, "BASE64");
  assert.equal(app.id, "<part3@bellcore.com>");
  assert.equal(app.description, "Some data");
  assert.equal(app.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  assert.deepEqual(app.disposition, { type: "attachment", params: [["filename", "data.bin"]] });
  assert.deepEqual(app.language, ["en", "fr"]);
  assert.equal(app.location, "http://example.com/data.bin");
  assert.equal(app.lines, null);
  assert.equal(slice(data, app.bodyStart, app.bodyEnd), "AAECAwQFBgc=");
  assert.equal(app.size, 12);
});

Deno.test("`parseMessage()` nests a multipart message/rfc822 inside a multipart", () => {
  const data = bytes(FORWARDED);
  const root = multi(parseMessage(data).body);
  const fwd = message(findPart(root, [2]));
  assert.equal(fwd.type, "message");
  assert.equal(fwd.subtype, "rfc822");
  assert.deepEqual(fwd.disposition, { type: "inline", params: [] });
  assert.equal(fwd.envelope.subject, "report");
  assert.equal(fwd.envelope.date, "Mon, 1 Jan 2024 10:00:00 +0000");
  assert.deepEqual(fwd.envelope.from, [
    { name: "Carol", adl: null, mailbox: "carol", host: "example.org" },
  ]);
  assert.deepEqual(fwd.envelope.sender, fwd.envelope.from);
  const embedded = slice(data, fwd.bodyStart, fwd.bodyEnd);
  assert.equal(embedded.startsWith("From: Carol"), true);
  assert.equal(embedded.endsWith("--inner--"), true);
  assert.equal(fwd.size, fwd.bodyEnd - fwd.bodyStart);
  assert.equal(fwd.lines, embedded.split("\r\n").length - 1);

  // BODY[2.HEADER] and BODY[2.TEXT] are the embedded message's header and body.
  const inner = multi(fwd.body);
  assert.equal(inner.headerStart, fwd.bodyStart);
  assert.equal(
    slice(data, inner.headerStart, inner.bodyStart).endsWith("boundary=inner\r\n\r\n"),
    true,
  );
  assert.equal(inner.parts.length, 2);

  const report = single(findPart(root, [2, 1]));
  assert.equal(slice(data, report.bodyStart, report.bodyEnd), "Report body.");
  const csv = single(findPart(root, [2, 2]));
  assert.equal(csv.subtype, "csv");
  // A text part without charset gets the RFC 2045 default, as Dovecot reports it.
  assert.deepEqual(csv.params, [["charset", "us-ascii"]]);
  assert.equal(slice(data, csv.bodyStart, csv.bodyEnd), "a,b\r\n1,2");
  assert.equal(csv.lines, 1);
  assert.equal(slice(data, csv.headerStart, csv.bodyStart), "Content-Type: text/csv\r\n\r\n");
  assert.equal(findPart(root, [2, 3]), null);
});

Deno.test("`parseMessage()` handles bare LF, no MIME header and 8-bit header bytes", () => {
  const data = bytes(BARE_LF_8BIT);
  const parsed = parseMessage(data);
  assert.equal(parsed.envelope.subject, "Gr\u00fc\u00dfe");
  assert.deepEqual(parsed.envelope.from, [
    { name: "J\u00f6rg", adl: null, mailbox: "joerg", host: "example.de" },
  ]);
  assert.deepEqual(parsed.envelope.to, [
    { name: null, adl: null, mailbox: "undisclosed-recipients", host: null },
    { name: null, adl: null, mailbox: null, host: null },
  ]);
  const body = single(parsed.body);
  assert.equal(body.type, "text");
  assert.equal(body.subtype, "plain");
  assert.deepEqual(body.params, [["charset", "us-ascii"]]);
  assert.equal(slice(data, body.bodyStart, body.bodyEnd), "Line one\nLine two\n");
  assert.equal(body.lines, 2);
  assert.equal(findPart(body, [1]), body);
  assert.equal(findPart(body, [2]), null);
  assert.equal(findPart(body, [1, 1]), null);

  // Latin1 bytes that are not UTF-8 decode one char per byte instead of failing.
  const latin = new Uint8Array([...bytes("Subject: Caf"), 0xe9, ...bytes("\r\n\r\nx")]);
  assert.equal(parseMessage(latin).envelope.subject, "Caf\u00e9");
});

Deno.test("`parseMessage()` reads missing headers as NIL and tolerates odd shapes", () => {
  const empty = parseMessage(new Uint8Array(0));
  assert.equal(empty.headerSize, 0);
  assert.deepEqual(empty.envelope, {
    date: null,
    subject: null,
    from: null,
    sender: null,
    replyTo: null,
    to: null,
    cc: null,
    bcc: null,
    inReplyTo: null,
    messageId: null,
  });
  assert.equal(single(empty.body).size, 0);
  assert.equal(single(empty.body).lines, 0);

  // No blank line: everything is header, the body is empty.
  const headerOnly = bytes("Subject: only\r\nTo: a@b.c\r\n");
  const h = parseMessage(headerOnly);
  assert.equal(h.headerSize, headerOnly.length);
  assert.equal(h.envelope.subject, "only");
  assert.equal(single(h.body).size, 0);

  // Starts with a blank line: empty header, all body.
  const bodyOnly = parseMessage(bytes("\r\nhello\r\n"));
  assert.equal(bodyOnly.headerSize, 2);
  assert.equal(single(bodyOnly.body).size, 7);

  // Sender and Reply-To present but empty take From's value; folded subject is unfolded.
  const folded = parseMessage(
    bytes(crlf("From: a@b.c\nSender:\nReply-To: \nSubject: one\n two\n\nbody")),
  );
  assert.deepEqual(folded.envelope.sender, folded.envelope.from);
  assert.deepEqual(folded.envelope.replyTo, folded.envelope.from);
  assert.equal(folded.envelope.subject, "one two");

  // Only the first of repeated fields counts; a missing domain is marked, not NIL.
  const twice = parseMessage(bytes(crlf("Subject: first\nSubject: second\nTo: root\n\n")));
  assert.equal(twice.envelope.subject, "first");
  assert.deepEqual(twice.envelope.to, [
    { name: null, adl: null, mailbox: "root", host: MISSING_DOMAIN },
  ]);
});

Deno.test("`parseMessage()` ends the last part of a multipart without a close delimiter", () => {
  const data = bytes(NO_FINAL_BOUNDARY);
  const root = multi(parseMessage(data).body);
  assert.equal(root.parts.length, 2);
  assert.equal(slice(data, root.parts[0].bodyStart, root.parts[0].bodyEnd), "first");
  assert.equal(
    slice(data, root.parts[1].bodyStart, root.parts[1].bodyEnd),
    "second, cut off\r\n",
  );
  assert.equal(root.parts[1].bodyEnd, data.length);
});

Deno.test("`parseMessage()` defaults multipart/digest parts to message/rfc822", () => {
  const data = bytes(DIGEST);
  const root = multi(parseMessage(data).body);
  assert.equal(root.subtype, "digest");
  const first = message(root.parts[0]);
  assert.deepEqual(first.params, []);
  assert.equal(first.envelope.subject, "first");
  assert.equal(
    slice(data, first.bodyStart, first.bodyEnd),
    "From: one@example.com\r\nSubject: first\r\n\r\nBody one.",
  );
  const inner = single(first.body);
  assert.equal(slice(data, inner.bodyStart, inner.bodyEnd), "Body one.");
  assert.equal(single(root.parts[1]).type, "text");
  assert.equal(findPart(root, [1, 1]), inner);
});

Deno.test("`parseMessage()` merges RFC 2231 parameter continuations", () => {
  const body = single(parseMessage(bytes(RFC2231)).body);
  assert.equal(body.type, "application");
  assert.deepEqual(body.params, [
    ["title*", "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!"],
  ]);
  assert.deepEqual(body.disposition, {
    type: "attachment",
    params: [["filename", "long-name.txt"]],
  });
});

Deno.test("`parseMessage()` ignores look-alike boundaries and handles edge shapes", () => {
  const text = crlf(`Content-Type: multipart/mixed; boundary="ab"

--abc is not a delimiter
--ab
Content-Type: text/plain

x --ab in the middle
--ab--not-quite
--ab--
`);
  const data = bytes(text);
  const root = multi(parseMessage(data).body);
  // "--abc" does not match; "--ab--not-quite" is taken as the close delimiter.
  assert.equal(root.parts.length, 1);
  assert.equal(slice(data, root.parts[0].bodyStart, root.parts[0].bodyEnd), "x --ab in the middle");

  // No delimiter at all: one empty text/plain part, as IMAP needs one.
  const none = multi(
    parseMessage(bytes(crlf("Content-Type: multipart/mixed; boundary=z\n\nhi\n"))).body,
  );
  assert.equal(none.parts.length, 1);
  assert.equal(single(none.parts[0]).size, 0);

  // No boundary parameter: text/plain.
  const noBoundary = single(
    parseMessage(bytes(crlf("Content-Type: multipart/mixed\n\nhi\n"))).body,
  );
  assert.equal(noBoundary.type, "text");

  // An unreadable Content-Type falls back to text/plain; charset=us-ascii.
  const bad = single(parseMessage(bytes(crlf("Content-Type: garbage\n\nhi\n"))).body);
  assert.deepEqual([bad.type, bad.subtype, bad.params], ["text", "plain", [[
    "charset",
    "us-ascii",
  ]]]);

  // A base64 message/rfc822 cannot be parsed in place: it stays a leaf.
  const encoded = parseMessage(
    bytes(
      crlf("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n"),
    ),
  );
  assert.equal(encoded.body.kind, "single");
});

Deno.test("`parseMessage()` stops nesting at MAX_DEPTH without overflowing", () => {
  let text = "Subject: deep\r\n\r\n";
  for (let i = 0; i < MAX_DEPTH + 50; i++) text = "Content-Type: message/rfc822\r\n\r\n" + text;
  const parsed = parseMessage(bytes(text));
  let depth = 0;
  let part: BodyStructure = parsed.body;
  while (part.kind === "message") {
    part = part.body;
    depth++;
  }
  assert.equal(depth, MAX_DEPTH);
});

Deno.test("`parseMessage()` splits at most MAX_PARTS parts, the last taking the rest", () => {
  const text = "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
    "--b\r\n\r\nx\r\n".repeat(MAX_PARTS + 5) + "--b--\r\n";
  const data = bytes(text);
  const root = multi(parseMessage(data).body);
  assert.equal(root.parts.length, MAX_PARTS);
  assert.equal(slice(data, root.parts[0].bodyStart, root.parts[0].bodyEnd), "x");
  const last = root.parts[MAX_PARTS - 1];
  assert.equal(last.bodyEnd, data.length);
  assert.equal(slice(data, last.headerStart, last.headerStart + 12), "\r\nx\r\n--b\r\n\r\n");
});

Deno.test("`parseMessage()` parses a 5 MB base64 attachment with exact offsets", () => {
  const line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
  const payload = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
  const text = crlf(`From: a@example.com
Content-Type: multipart/mixed; boundary="==b=="

--==b==
Content-Type: text/plain

hello
--==b==
Content-Type: application/pdf
Content-Transfer-Encoding: base64

`) + payload + "--==b==--\r\n";
  const data = bytes(text);
  const root = multi(parseMessage(data).body);
  const pdf = single(root.parts[1]);
  assert.equal(pdf.size, payload.length - 2);
  assert.equal(slice(data, pdf.bodyEnd - 10, pdf.bodyEnd + 2), line.slice(-12, -2) + "\r\n");
  assert.equal(single(root.parts[0]).lines, 0);
});

Deno.test("`findPart()` rejects paths that do not exist", () => {
  const root = parseMessage(bytes(MIXED_ALTERNATIVE)).body;
  assert.equal(findPart(root, []), root);
  assert.equal(findPart(root, [0]), null);
  assert.equal(findPart(root, [3]), null);
  assert.equal(findPart(root, [1, 3]), null);
  assert.equal(findPart(root, [2, 1]), null);
  assert.equal(findPart(root, [1.5]), null);
});

Deno.test("`toCrlf()` turns bare LF and CR into CRLF and keeps clean input as is", () => {
  const clean = bytes("a\r\nb\r\n");
  assert.equal(toCrlf(clean), clean);
  assert.equal(slice(toCrlf(bytes("a\nb\r\nc\rd\n")), 0, 13), "a\r\nb\r\nc\r\nd\r\n");
  const parsed = parseMessage(toCrlf(bytes(BARE_LF_8BIT)));
  assert.equal(single(parsed.body).size, "Line one\r\nLine two\r\n".length);
});

Deno.test("`parseMessage()` gives the whole expected structure of a truncated multipart", () => {
  const at = (needle: string) => NO_FINAL_BOUNDARY.indexOf(needle);
  const firstHeader = at("--b1 \t\r\n") + "--b1 \t\r\n".length;
  const secondHeader = at("--b1\r\n") + "--b1\r\n".length;
  const text = (headerStart: number, bodyStart: number, bodyEnd: number, lines: number) => ({
    kind: "single",
    headerStart,
    bodyStart,
    bodyEnd,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    type: "text",
    subtype: "plain",
    params: [["charset", "us-ascii"]],
    id: null,
    description: null,
    encoding: "7BIT",
    size: bodyEnd - bodyStart,
    lines,
  });
  assert.deepEqual(parseMessage(bytes(NO_FINAL_BOUNDARY)), {
    headerSize: at("--b1"),
    envelope: {
      date: null,
      subject: "truncated",
      from: null,
      sender: null,
      replyTo: null,
      to: null,
      cc: null,
      bcc: null,
      inReplyTo: null,
      messageId: null,
    },
    body: {
      kind: "multipart",
      headerStart: 0,
      bodyStart: at("--b1"),
      bodyEnd: NO_FINAL_BOUNDARY.length,
      md5: null,
      disposition: null,
      language: null,
      location: null,
      subtype: "mixed",
      params: [["boundary", "b1"]],
      parts: [
        text(firstHeader, at("first"), at("first") + 5, 0),
        text(secondHeader, at("second"), NO_FINAL_BOUNDARY.length, 1),
      ],
    },
  });
});
