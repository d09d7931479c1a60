import assert from "node:assert/strict";
import {
  base64Lines,
  type CorpusOptions,
  expectedSearches,
  FROM_QUERY,
  FROM_TARGET,
  generateMessage,
  imapDate,
  imapDateTime,
  messageMeta,
  quotedPrintable,
  SEARCH_WORD,
  SENDERS,
} from "../../bench/corpus.ts";

const realistic: CorpusOptions = {
  seed: 7,
  mailbox: "t",
  count: 300,
  profile: "realistic",
  maxAttachment: 200_000,
};
const dec = new TextDecoder();

Deno.test("`generateMessage()` is deterministic and differs by mailbox", () => {
  const a = generateMessage(realistic, 42).bytes;
  const b = generateMessage(realistic, 42).bytes;
  const c = generateMessage({ ...realistic, mailbox: "u" }, 42).bytes;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("`generateMessage()` writes CRLF lines of at most 998 octets (RFC 5322 §2.1.1)", () => {
  for (let i = 0; i < 60; i++) {
    const text = dec.decode(generateMessage(realistic, i).bytes);
    assert.ok(!/[^\r]\n/.test(text), `bare LF in message ${i}`);
    for (const line of text.split("\r\n")) assert.ok(line.length <= 998, `long line in ${i}`);
    assert.match(text, /^Return-Path: /);
    assert.match(text, /\r\nMIME-Version: 1\.0\r\n/);
  }
});

Deno.test("`messageMeta()` agrees with the generated message", () => {
  for (let i = 0; i < 100; i++) {
    const meta = messageMeta(realistic, i);
    const m = generateMessage(realistic, i);
    assert.equal(meta.from, m.from);
    assert.equal(meta.date.getTime(), m.date.getTime());
    assert.ok(dec.decode(m.bytes).includes(`<${SENDERS[m.from].address}>`));
    // The word is only ever in bodies; 7bit bodies carry it in clear.
    const text = dec.decode(m.bytes);
    if (!meta.hasWord) assert.ok(!text.includes(SEARCH_WORD), `stray word in ${i}`);
  }
});

Deno.test("`expectedSearches()` counts the word and the sender the corpus holds", () => {
  const opts = { ...realistic, count: 3000, profile: "small" as const };
  const e = expectedSearches(opts);
  assert.ok(e.text > 60 && e.text < 200, `text ${e.text}`);
  assert.ok(e.fromSince > 0, `fromSince ${e.fromSince}`);
  // Only one sender's address holds the FROM query.
  assert.equal(SENDERS.filter((s) => s.address.includes(FROM_QUERY)).length, 1);
  assert.ok(SENDERS[FROM_TARGET].address.includes(FROM_QUERY));
});

Deno.test("`imapDateTime()` and `imapDate()` use RFC 3501 forms", () => {
  const d = new Date(Date.UTC(2024, 1, 3, 9, 5, 7));
  assert.equal(imapDateTime(d), "03-Feb-2024 09:05:07 +0000");
  assert.equal(imapDate(d), "3-Feb-2024");
});

Deno.test("`base64Lines()` and `quotedPrintable()` encode as RFC 2045 says", () => {
  assert.equal(base64Lines(new TextEncoder().encode("Man")), "TWFu");
  assert.equal(base64Lines(new Uint8Array([1])), "AQ==");
  const long = base64Lines(new Uint8Array(200));
  assert.ok(long.split("\r\n").every((l) => l.length <= 76));
  assert.equal(quotedPrintable(new Uint8Array([0x63, 0x61, 0x3d, 0xe9])), "ca=3D=E9");
  const qp = quotedPrintable(new Uint8Array(300).fill(0xe9));
  assert.ok(qp.split("\r\n").every((l) => l.length <= 76));
});
