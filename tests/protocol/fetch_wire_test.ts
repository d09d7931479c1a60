/**
 * wireForms() (fetch_response.ts): ENVELOPE and BODYSTRUCTURE as FETCH
 * writes them, kept by the store at APPEND and used while WIRE_VERSION is
 * unchanged. The digest below pins the output of this version: when it
 * fails, the writers' output changed, and stored forms of the old output
 * must not be used any more: raise WIRE_VERSION, then update the digest.
 */
import assert from "node:assert/strict";
import { parseMessage } from "../../lib/mime/parse.ts";
import { ResponseEncoder } from "../../lib/wire/encoder.ts";
import {
  WIRE_VERSION,
  wireForms,
  writeBodyStructure,
  writeEnvelope,
} from "../../lib/protocol/fetch_response.ts";

const enc = new TextEncoder();

const MESSAGES = [
  "From: Alice <alice@example.org>\r\nTo: bob@example.net, carol@example.net\r\n" +
  "Cc: undisclosed-recipients:;\r\nSubject: plain\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n" +
  "Message-ID: <m1@example.org>\r\nIn-Reply-To: <m0@example.org>\r\n\r\nbody\r\n",
  "From: Chloé Müller <chloe@exämple.org>\r\nTo: =?UTF-8?Q?J=C3=BCrgen?= <j@example.net>\r\n" +
  "Subject: Grüße\r\nMessage-ID: <ü@example.org>\r\n\r\nHallo\r\n",
  'Subject: forwarded\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
  "--b\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Language: de, en\r\n\r\n" +
  "see below\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; " +
  'filename="fwd.eml"\r\n\r\nFrom: Ünïcode <u@example.org>\r\nSubject: inner Ä\r\n\r\ninner\r\n' +
  "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
  "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\nContent-Location: http://example.org/x\r\n\r\n" +
  "AAEC\r\n--b--\r\n",
  `Subject: ${"long ".repeat(300)}\r\nFrom: "a \\"quoted\\" name" <q@example.org>\r\n\r\nx\r\n`,
  "Subject: a DEL \x7f, quoted only with UTF8=ACCEPT\r\n\r\nx\r\n",
].map((m) => enc.encode(m));

function written(utf8: boolean, write: (e: ResponseEncoder) => void): Uint8Array {
  const e = new ResponseEncoder();
  e.utf8 = utf8;
  write(e);
  return e.takeBytes();
}

Deno.test("`wireForms()` is what the writers write, the ASCII form kept only where it differs", () => {
  for (const bytes of MESSAGES) {
    const p = parseMessage(bytes);
    const w = wireForms(p.envelope, p.body);
    const env = (e: ResponseEncoder) => writeEnvelope(e, p.envelope);
    const body = (e: ResponseEncoder) => writeBodyStructure(e, p.body, true);
    assert.deepEqual(w.envelope, written(true, env));
    assert.deepEqual(w.bodyStructure, written(true, body));
    assert.deepEqual(w.envelopeAscii ?? w.envelope, written(false, env));
    assert.deepEqual(w.bodyStructureAscii ?? w.bodyStructure, written(false, body));
  }
  const ascii = MESSAGES.map((m) => {
    const p = parseMessage(m);
    const w = wireForms(p.envelope, p.body);
    return [w.envelopeAscii !== null, w.bodyStructureAscii !== null];
  });
  assert.deepEqual(ascii, [
    [false, false],
    [true, false],
    [false, true],
    [false, false],
    [true, false],
  ]);
});

Deno.test("the writers' output is the one WIRE_VERSION names", async () => {
  const all: number[] = [];
  for (const bytes of MESSAGES) {
    const p = parseMessage(bytes);
    const w = wireForms(p.envelope, p.body);
    for (const part of [w.envelope, w.bodyStructure, w.envelopeAscii, w.bodyStructureAscii]) {
      all.push(...(part ?? []), 0);
    }
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(all)));
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepEqual({ version: WIRE_VERSION, digest: hex }, {
    version: 1,
    digest: "c2cbab6d8e8a2c8ef3f0fed69292e6f2efb019508f23aa5600c52c3a7d5f7444",
  });
});
