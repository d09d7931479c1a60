import assert from "node:assert/strict";
import { findPart, parseMessage } from "../../lib/mime/parse.ts";
import { messageText } from "../../lib/mime/text.ts";
import { baseSubject } from "../../lib/mime/subject.ts";
import { sentDate } from "../../lib/mime/date.ts";
import type { BodyStructure } from "../../lib/mime/types.ts";
import { bytes, DIGEST, FORWARDED, MIXED_ALTERNATIVE, RFC2231 } from "./fixtures/messages.ts";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = bytes('\r\n--:;<>@"()\\=?_[]\t \u00e9\x00\xff');

/** Offsets nest: header ≤ body ≤ end, children inside their parent's body. */
function checkOffsets(part: BodyStructure, start: number, end: number, path: number[]): void {
  assert.ok(start <= part.headerStart, `headerStart of ${path}`);
  assert.ok(part.headerStart <= part.bodyStart, `bodyStart of ${path}`);
  assert.ok(part.bodyStart <= part.bodyEnd, `bodyEnd of ${path}`);
  assert.ok(part.bodyEnd <= end, `end of ${path}`);
  if (part.kind === "multipart") {
    assert.ok(part.parts.length > 0);
    let previous = part.bodyStart;
    part.parts.forEach((child, k) => {
      assert.ok(child.headerStart >= previous, `order of ${path}.${k + 1}`);
      checkOffsets(child, part.bodyStart, part.bodyEnd, [...path, k + 1]);
      previous = child.bodyEnd;
    });
  } else if (part.kind === "message") {
    assert.equal(part.body.headerStart, part.bodyStart);
    checkOffsets(part.body, part.bodyStart, part.bodyEnd, path);
  } else {
    assert.equal(part.size, part.bodyEnd - part.bodyStart);
  }
}

Deno.test("`parseMessage()` survives mutated messages with consistent offsets", () => {
  const random = prng(20261122);
  const seeds = [MIXED_ALTERNATIVE, FORWARDED, DIGEST, RFC2231].map(bytes);
  for (let round = 0; round < 400; round++) {
    const base = seeds[round % seeds.length];
    const data = new Uint8Array(base);
    const edits = 1 + Math.floor(random() * 8);
    for (let e = 0; e < edits; e++) {
      data[Math.floor(random() * data.length)] = NASTY[Math.floor(random() * NASTY.length)];
    }
    const cut = random() < 0.3 ? Math.floor(random() * data.length) : data.length;
    const message = data.subarray(0, cut);
    const parsed = parseMessage(message);
    assert.ok(parsed.headerSize <= message.length);
    checkOffsets(parsed.body, 0, message.length, []);
    assert.notEqual(findPart(parsed.body, [1]), undefined);
    const text = messageText(message, parsed);
    assert.equal(typeof text.headers, "string");
    baseSubject(parsed.envelope.subject ?? "");
    const date = sentDate(parsed.envelope.date);
    assert.ok(date === null || !Number.isNaN(date.getTime()));
  }
});
