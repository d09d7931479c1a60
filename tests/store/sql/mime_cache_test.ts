/**
 * The store parses each message once, at APPEND, and serves ENVELOPE and
 * BODYSTRUCTURE from its cache: what FETCH returns must equal what the MIME
 * parser computed, for the shapes the issue lists, and the bytes must come
 * back untouched (bare LF and 8-bit headers included). The expected
 * ENVELOPE/BODYSTRUCTURE values themselves are lib/mime's fixtures.
 */
import assert from "node:assert/strict";
import { parseMessage } from "../../../lib/mime/parse.ts";
import { ALL, collect, openTestStore } from "./_helpers.ts";

const enc = new TextEncoder();

const FIXTURES: Record<string, Uint8Array> = {
  "multipart/alternative inside multipart/mixed": enc.encode(
    'From: a@example.org\r\nSubject: nested\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n' +
      '--m\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n' +
      "--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--a--\r\n" +
      "--m\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--m--\r\n",
  ),
  "message/rfc822 attachment": enc.encode(
    'Subject: fwd\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\n' +
      "Content-Type: message/rfc822\r\n\r\nFrom: inner@example.org\r\nSubject: inner\r\n\r\nhello\r\n--z--\r\n",
  ),
  "RFC 2047 words and an address group": enc.encode(
    "From: =?UTF-8?Q?Andr=C3=A9?= <andre@example.org>\r\nTo: friends: a@x.org, b@y.org;\r\n" +
      "Subject: =?ISO-8859-1?Q?caf=E9?=\r\n\r\nbody\r\n",
  ),
  "no headers at all": enc.encode("\r\njust a body\r\n"),
  "bare LF line ends": enc.encode("Subject: lf\nFrom: x@example.org\n\nline one\nline two\n"),
  "8-bit header": new Uint8Array([
    ...enc.encode("Subject: "),
    0xe9,
    0xff,
    ...enc.encode(" raw\r\nFrom: z@example.org\r\n\r\nok\r\n"),
  ]),
};

Deno.test("fetch() returns the ENVELOPE and BODYSTRUCTURE computed at APPEND, and the exact bytes", async () => {
  const t = await openTestStore("file");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const box = (await acct.getMailbox("INBOX"))!;
    const names = Object.keys(FIXTURES);
    for (const name of names) await acct.append(box.id, { content: FIXTURES[name] });
    const recs = await collect(
      acct.fetch(box.id, ALL, { envelope: true, bodyStructure: true, content: true, size: true }),
    );
    assert.equal(recs.length, names.length);
    recs.forEach((rec, i) => {
      const bytes = FIXTURES[names[i]];
      const parsed = parseMessage(bytes);
      assert.deepEqual(rec.content, bytes, names[i]);
      assert.equal(rec.size, bytes.length, names[i]);
      assert.deepEqual(rec.envelope, parsed.envelope, names[i]);
      assert.deepEqual(rec.bodyStructure, parsed.body, names[i]);
    });
  } finally {
    await t.cleanup();
  }
});
