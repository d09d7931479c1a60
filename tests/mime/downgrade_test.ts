import assert from "node:assert/strict";
import {
  decodeEncodedWords,
  downgradeEnvelope,
  encodeWords,
  parseMessage,
} from "../../lib/mime/mod.ts";
import type { Envelope } from "../../lib/mime/types.ts";

const te = new TextEncoder();

function envelopeOf(header: string): Envelope {
  return parseMessage(te.encode(header + "\r\n\r\nbody\r\n")).envelope;
}

function ascii(text: string): boolean {
  return [...text].every((c) => c.charCodeAt(0) < 0x80);
}

Deno.test("encodeWords: words of at most 75 characters that decode to the text, no character split", () => {
  for (
    const text of [
      "Grüße",
      "日本語の件名がとても長い場合でも正しく分割されるかどうかを確かめるための文字列です",
      "emoji 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 end",
    ]
  ) {
    const encoded = encodeWords(text);
    assert.ok(ascii(encoded), encoded);
    const words = encoded.split(" ");
    for (const w of words) {
      assert.ok(w.length <= 75, `${w.length}: ${w}`);
      assert.match(w, /^=\?UTF-8\?B\?[A-Za-z0-9+/]+=*\?=$/);
      // Each word decodes on its own to whole characters (RFC 2047 §5 (3)).
      assert.ok(!decodeEncodedWords(w).includes("\uFFFD"), w);
    }
    assert.equal(decodeEncodedWords(encoded), text);
  }
  assert.ok(encodeWords("日本語の件名がとても長い場合でも正しく分割されるかどうか").includes(" "));
});

Deno.test("downgradeEnvelope: an ASCII envelope is left as it is", () => {
  const env = envelopeOf("From: A <a@example.com>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=");
  assert.equal(downgradeEnvelope(env), env);
});

Deno.test("downgradeEnvelope: subject and names as encoded words, non-ASCII addresses as empty groups", () => {
  const env = envelopeOf(
    [
      "Date: Mon, 1 Jan 2024 10:00:00 +0000",
      "Subject: Grüße aus Köln",
      "From: Jörg Müller <joerg@example.com>",
      "To: Ünicode <jörg@müller.example>, plain@example.org",
      "Cc: Team: Åsa <asa@example.com>;",
      "Message-ID: <ид@example.com>",
    ].join("\r\n"),
  );
  const down = downgradeEnvelope(env);
  assert.ok(ascii(JSON.stringify(down)), JSON.stringify(down));
  assert.equal(down.date, "Mon, 1 Jan 2024 10:00:00 +0000");
  assert.equal(decodeEncodedWords(down.subject!), "Grüße aus Köln");
  assert.deepEqual(down.from!.map((a) => ({ ...a, name: decodeEncodedWords(a.name!) })), [
    { name: "Jörg Müller", adl: null, mailbox: "joerg", host: "example.com" },
  ]);
  // RFC 3501 §7.4.2 group markers: start (name in the mailbox field), end all NIL.
  assert.equal(down.to!.length, 3);
  assert.equal(down.to![0].host, null);
  assert.equal(decodeEncodedWords(down.to![0].mailbox!), "Ünicode <jörg@müller.example>");
  assert.deepEqual(down.to![1], { name: null, adl: null, mailbox: null, host: null });
  assert.deepEqual(down.to![2], env.to![1]);
  // A group's members keep their places; only the non-ASCII name is encoded.
  assert.equal(down.cc![0].mailbox, "Team");
  assert.equal(decodeEncodedWords(down.cc![1].name!), "Åsa");
  // Message-ID admits no encoded word (RFC 2047 §5): absent.
  assert.equal(down.messageId, null);
});
