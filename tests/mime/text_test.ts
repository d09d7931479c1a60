import assert from "node:assert/strict";
import { parseMessage } from "../../lib/mime/parse.ts";
import { decodeBody, messageText } from "../../lib/mime/text.ts";
import { bytes, crlf, FORWARDED, MIXED_ALTERNATIVE } from "./fixtures/messages.ts";

Deno.test("`decodeBody()` undoes base64 and quoted-printable, then the charset", () => {
  assert.equal(decodeBody(bytes("Y2Fmw6k=\r\n"), "BASE64", "utf-8"), "café");
  assert.equal(
    decodeBody(bytes("caf=E9 =\r\nau lait=3D"), "quoted-printable", "iso-8859-1"),
    "café au lait=",
  );
  assert.equal(decodeBody(bytes("a=\nb=  \r\nc"), "quoted-printable", null), "abc");
  assert.equal(decodeBody(bytes("=ZZ =4"), "quoted-printable", null), "=ZZ =4");
  // Concatenated base64 blocks (each padded) still decode.
  assert.equal(decodeBody(bytes("YQ==YmM="), "base64", null), "abc");
});

Deno.test("`decodeBody()` falls back to UTF-8 then latin1 for unknown or absent charsets", () => {
  assert.equal(decodeBody(bytes("café"), "8bit", null), "café");
  assert.equal(decodeBody(bytes("café"), "8BIT", "us-ascii"), "café");
  assert.equal(decodeBody(new Uint8Array([0x63, 0xe9]), "8bit", "x-unknown"), "c\u00e9");
  assert.equal(decodeBody(new Uint8Array([0xc0, 0xe9]), "binary", "windows-1251"), "Ай");
});

Deno.test("`messageText()` yields the decoded text of every text part", () => {
  const data = bytes(MIXED_ALTERNATIVE);
  const text = messageText(data, parseMessage(data));
  assert.deepEqual(text.bodies, ["Plain version.", "<p>Café version.</p>"]);
  assert.equal(text.headers.includes("Subject: Sample message"), true);
  assert.equal(text.headers.includes("This is the preamble"), false);
});

Deno.test("`messageText()` includes an embedded message's header and parts", () => {
  const data = bytes(FORWARDED);
  const text = messageText(data, parseMessage(data));
  assert.equal(text.bodies.length, 4);
  assert.equal(text.bodies[0], "See attached.");
  assert.equal(text.bodies[1].includes("From: Carol <carol@example.org>"), true);
  assert.deepEqual(text.bodies.slice(2), ["Report body.", "a,b\r\n1,2"]);
});

Deno.test("`messageText()` decodes a non-multipart encoded body and skips non-text ones", () => {
  const data = bytes(crlf(
    "Subject: =?utf-8?B?w6k=?=\nContent-Type: text/plain; charset*=utf-8''x\n" +
      "Content-Transfer-Encoding: base64\n\nw6lsw6h2ZQ==\n",
  ));
  assert.deepEqual(messageText(data, parseMessage(data)), {
    headers:
      "Subject: é\nContent-Type: text/plain; charset*=utf-8''x\nContent-Transfer-Encoding: base64",
    bodies: ["élève"],
  });
  const pdf = bytes(crlf("Content-Type: application/pdf\n\n%PDF"));
  assert.deepEqual(messageText(pdf, parseMessage(pdf)).bodies, []);
});
