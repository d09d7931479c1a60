import assert from "node:assert/strict";
import {
  classify,
  countNumbered,
  lastExists,
  quote,
  type Response,
  ResponseParser,
  searchResults,
} from "../../bench/client.ts";

const enc = new TextEncoder();

/** Feeds the text to a fresh parser in chunks of `size` bytes. */
function parse(text: string | Uint8Array, size: number, keepLiterals = true): Response[] {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  const p = new ResponseParser({ keepLiterals });
  const out: Response[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...p.push(bytes.subarray(i, i + size)));
  return out;
}

const FETCH_WITH_BODY = "* 12 FETCH (UID 40 BODY[] {12}\r\nhello\r\nworld FLAGS (\\Seen))\r\n" +
  "A7 OK Fetch completed\r\n";

Deno.test("`ResponseParser` reads a FETCH with a literal whole, in any chunking", () => {
  for (const size of [1, 2, 3, 7, 64, 4096]) {
    const rs = parse(FETCH_WITH_BODY, size);
    assert.equal(rs.length, 2, `chunk size ${size}`);
    const [fetch, done] = rs;
    assert.equal(fetch.kind, "untagged");
    if (fetch.kind !== "untagged") return;
    assert.equal(fetch.text, "12 FETCH (UID 40 BODY[] {12} FLAGS (\\Seen))");
    assert.deepEqual(fetch.literalSizes, [12]);
    assert.equal(new TextDecoder().decode(fetch.literals[0]), "hello\r\nworld");
    assert.deepEqual(done, { kind: "tagged", tag: "A7", status: "OK", text: "Fetch completed" });
  }
});

Deno.test("`ResponseParser` does not mistake a literal's CRLF or `* ` for the end of a response", () => {
  const body = "line\r\n* 3 EXISTS\r\nA1 OK fake\r\n";
  const text = `* 1 FETCH (BODY[] {${body.length}}\r\n${body})\r\nA1 OK done\r\n`;
  const rs = parse(text, 5);
  assert.equal(rs.length, 2);
  assert.equal(rs[0].kind === "untagged" && rs[0].literalSizes[0], body.length);
  assert.equal(rs[1].kind === "tagged" && rs[1].text, "done");
});

Deno.test("`ResponseParser` handles several literals, a zero-length one, and bare LF", () => {
  const text = "* 2 FETCH (BODY[1] {3}\r\nabc BODY[2] {0}\r\n BODY[3] {2}\r\nxy)\n* 2 EXISTS\r\n";
  const rs = parse(text, 1);
  assert.equal(rs.length, 2);
  const f = rs[0];
  assert.ok(f.kind === "untagged");
  assert.deepEqual(f.literalSizes, [3, 0, 2]);
  assert.deepEqual(f.literals.map((l) => new TextDecoder().decode(l)), ["abc", "", "xy"]);
  assert.equal(f.text, "2 FETCH (BODY[1] {3} BODY[2] {0} BODY[3] {2})");
  assert.ok(rs[1].kind === "untagged" && rs[1].text === "2 EXISTS");
});

Deno.test("`ResponseParser` counts literal bytes without keeping them when asked not to", () => {
  const big = "x".repeat(100_000);
  const text = `* 1 FETCH (BODY[] {${big.length}}\r\n${big})\r\nA2 OK done\r\n`;
  const p = new ResponseParser({ keepLiterals: false });
  const rs = p.push(enc.encode(text));
  assert.equal(rs.length, 2);
  assert.ok(rs[0].kind === "untagged");
  assert.deepEqual(rs[0].literals, []);
  assert.deepEqual(rs[0].literalSizes, [100_000]);
  assert.equal(p.literalBytes, 100_000);
});

Deno.test("`ResponseParser` keeps 8-bit literal bytes exactly", () => {
  const bytes = new Uint8Array([0xff, 0x00, 0x0d, 0x0a, 0x80]);
  const head = enc.encode("* 1 FETCH (BODY[] {5}\r\n");
  const tail = enc.encode(")\r\n");
  const all = new Uint8Array(head.length + bytes.length + tail.length);
  all.set(head, 0);
  all.set(bytes, head.length);
  all.set(tail, head.length + bytes.length);
  const rs = parse(all, 2);
  assert.ok(rs[0].kind === "untagged");
  assert.deepEqual([...rs[0].literals[0]], [...bytes]);
});

Deno.test("`ResponseParser` grows its line buffer for lines longer than 64 KB", () => {
  const nums = Array.from({ length: 20_000 }, (_, i) => i + 1).join(" ");
  const rs = parse(`* SEARCH ${nums}\r\n`, 50_000);
  assert.equal(rs.length, 1);
  assert.equal(searchResults(rs).length, 20_000);
});

Deno.test("`classify()` tells tagged, untagged and continuation lines apart", () => {
  assert.deepEqual(classify("+ idling"), { kind: "continuation", text: "idling" });
  assert.deepEqual(classify("+"), { kind: "continuation", text: "" });
  assert.deepEqual(classify("A1 NO [TRYCREATE] no such mailbox"), {
    kind: "tagged",
    tag: "A1",
    status: "NO",
    text: "[TRYCREATE] no such mailbox",
  });
  assert.deepEqual(classify("a2 bad"), { kind: "tagged", tag: "a2", status: "BAD", text: "" });
  const odd = classify("A3 MAYBE later");
  assert.ok(odd.kind === "tagged" && odd.status === "BAD" && odd.text.includes("MAYBE"));
});

Deno.test("`countNumbered()` counts FETCH responses and not other numbered ones", () => {
  const rs = parse(
    "* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS ())\r\n* 3 EXISTS\r\n* 1 RECENT\r\n",
    9,
  );
  assert.equal(countNumbered(rs, "FETCH"), 2);
  assert.equal(countNumbered(rs, "EXISTS"), 1);
  assert.equal(lastExists(rs), 3);
});

Deno.test("`searchResults()` reads empty and split SEARCH responses", () => {
  assert.deepEqual(searchResults(parse("* SEARCH\r\n", 4)), []);
  assert.deepEqual(searchResults(parse("* SEARCH 2 5\r\n* SEARCH 9\r\n", 4)), [2, 5, 9]);
});

Deno.test("`quote()` escapes backslash and double quote", () => {
  assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
});
