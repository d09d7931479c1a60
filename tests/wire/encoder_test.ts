import assert from "node:assert/strict";
import { ResponseEncoder } from "../../lib/wire/encoder.ts";

const dec = new TextDecoder();

Deno.test("`ResponseEncoder` quotes plain strings and escapes quotes", () => {
  const e = new ResponseEncoder();
  e.string("hello").sp().string('say "hi"').sp().nstring(null);
  assert.equal(dec.decode(e.takeBytes()), '"hello" "say \\"hi\\"" NIL');
});

Deno.test("`ResponseEncoder` sends CR, LF and 8-bit text as literals", () => {
  const e = new ResponseEncoder();
  e.string("a\r\nb").sp().string("é");
  assert.equal(dec.decode(e.takeBytes()), "{4}\r\na\r\nb {2}\r\né");
});

Deno.test("`ResponseEncoder` quotes 8-bit text once UTF-8 is accepted", () => {
  const e = new ResponseEncoder();
  e.utf8 = true;
  e.string("é");
  assert.equal(dec.decode(e.takeBytes()), '"é"');
});

Deno.test("`ResponseEncoder` astring() keeps atoms bare but quotes NIL and specials", () => {
  const e = new ResponseEncoder();
  e.astring("INBOX").sp().astring("NIL").sp().astring("a b").sp().astring("");
  assert.equal(dec.decode(e.takeBytes()), 'INBOX "NIL" "a b" ""');
});

Deno.test("`flagList()` writes flags as atoms and leaves out what cannot be one", () => {
  const enc = new ResponseEncoder();
  enc.flagList(["\\Seen", "$Work", "bad word", "\\*", "", "(x", "\\", "ok"]);
  assert.equal(new TextDecoder().decode(enc.takeBytes()), "(\\Seen $Work \\* ok)");
});

Deno.test("`text()` keeps resp-text on one 7-bit line", () => {
  const enc = new ResponseEncoder();
  enc.text("a\r\nb\x00c\u00e9");
  enc.text("");
  assert.equal(new TextDecoder().decode(enc.takeBytes()), "a b\\x00c?Done");
});

Deno.test('`astring()` quotes NIL, "]" and empty names; `string()` sends CR/LF as a literal', () => {
  const enc = new ResponseEncoder();
  enc.astring("INBOX").sp().astring("NIL").sp().astring("a]b").sp().astring("").sp()
    .string("a\r\nb");
  assert.equal(
    new TextDecoder().decode(enc.takeBytes()),
    'INBOX "NIL" "a]b" "" {4}\r\na\r\nb',
  );
});

/** Reads back one `string` (quoted or literal) from the start of `s`: its text and what follows. */
function readString(s: Uint8Array): { text: Uint8Array; quoted: boolean; rest: Uint8Array } {
  if (s[0] === 0x22) {
    const out: number[] = [];
    let i = 1;
    for (; s[i] !== 0x22; i++) {
      if (s[i] === 0x5c) i++;
      out.push(s[i]);
    }
    return { text: new Uint8Array(out), quoted: true, rest: s.subarray(i + 1) };
  }
  const close = s.indexOf(0x7d);
  assert.equal(s[0], 0x7b);
  const n = Number(dec.decode(s.subarray(1, close)));
  assert.deepEqual([...s.subarray(close + 1, close + 3)], [13, 10]);
  const start = close + 3;
  return { text: s.subarray(start, start + n), quoted: false, rest: s.subarray(start + n) };
}

Deno.test("`string()` writes any text as a quoted string or a literal that reads back to its UTF-8", () => {
  const pool = ["a", "b", " ", '"', "\\", "\r", "\n", "\0", "\x7f", "é", "€", "😀", "\ud800", "x"];
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const utf8 of [false, true]) {
    const e = new ResponseEncoder();
    e.utf8 = utf8;
    const texts: string[] = [];
    for (let k = 0; k < 400; k++) {
      const len = k === 0 ? 0 : k % 50 === 0 ? 1020 + rnd(10) : rnd(30);
      let t = "";
      for (let i = 0; i < len; i++) t += pool[rnd(k % 3 === 0 ? pool.length : 5)];
      texts.push(t);
      e.string(t).sp();
    }
    let out = e.takeBytes();
    for (const t of texts) {
      const r = readString(out);
      assert.deepEqual(r.text, new TextEncoder().encode(t), JSON.stringify(t));
      const quotable = t.length <= 1024 && !/[\r\n\0]/.test(t) && (utf8 || !/[^\0-~]/.test(t));
      assert.equal(r.quoted, quotable, JSON.stringify(t));
      assert.equal(r.rest[0], 0x20);
      out = r.rest.subarray(1);
    }
    assert.equal(out.length, 0);
  }
});

Deno.test("`take()` hands out bytes the encoder never writes again; large data is not copied", () => {
  const e = new ResponseEncoder();
  e.untagged().atom("OK").crlf();
  const first = e.take();
  const big = new Uint8Array(100_000).fill(0x61);
  e.atom("x".repeat(5000)).literal(big).atom("y".repeat(600_000)).crlf();
  assert.equal(e.size, 5000 + 10 + 100_000 + 600_002);
  const second = e.take();
  assert.equal(dec.decode(concat(first)), "* OK\r\n");
  assert.ok(second.includes(big));
  const text = dec.decode(concat(second));
  assert.equal(
    text,
    "x".repeat(5000) + "{100000}\r\n" + "a".repeat(100_000) + "y".repeat(600_000) + "\r\n",
  );
  assert.deepEqual(e.take(), []);
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
