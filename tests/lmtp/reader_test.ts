import assert from "node:assert/strict";
import { LmtpReader } from "../../lib/lmtp/reader.ts";
import { parsePath } from "../../lib/lmtp/session.ts";
import { splitDetail } from "../../lib/lmtp/delivery.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `text` in pieces of `step` bytes and reads the message text after DATA. */
function readMessage(text: string, step: number, max = 1 << 20) {
  const r = new LmtpReader({ maxLine: 100 });
  r.beginData(max);
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += step) {
    r.push(bytes.subarray(i, i + step));
    const res = r.readData();
    if (res.kind === "done") {
      return { ...res, text: res.content ? dec.decode(res.content) : null, rest: r };
    }
  }
  throw new Error("incomplete");
}

Deno.test("LmtpReader.readData() removes dot-stuffing and stops at the lone dot, fed byte by byte", () => {
  const input = "A: b\r\n\r\n..one\r\ntwo.\r\n.\r\nNOOP\r\n";
  for (const step of [1, 2, 3, 7, 1000]) {
    const got = readMessage(input, step);
    assert.equal(got.text, "A: b\r\n\r\n.one\r\ntwo.\r\n");
    // Bytes after the end belong to the next command.
    if (step >= 1000) assert.deepEqual(got.rest.readLine(), { kind: "line", text: "NOOP" });
  }
});

Deno.test("LmtpReader.readData() turns bare LF into CRLF and keeps CRLF lines as they are", () => {
  const got = readMessage("a\nb\r\n\n.x\n.\n", 1);
  assert.equal(got.text, "a\r\nb\r\n\r\nx\r\n");
});

Deno.test("LmtpReader.readData() drops a message over the limit but reads it to the end", () => {
  const got = readMessage("x".repeat(50) + "\r\n" + "y".repeat(50) + "\r\n.\r\n", 5, 60);
  assert.equal(got.content, null);
  assert.equal(got.size, 104);
});

Deno.test("LmtpReader.readLine() reports an over-long line once and goes on", () => {
  const r = new LmtpReader({ maxLine: 10 });
  r.push(enc.encode("X".repeat(30)));
  assert.deepEqual(r.readLine(), { kind: "need-more" });
  r.push(enc.encode("YYY\r\nNOOP\r\n"));
  assert.deepEqual(r.readLine(), { kind: "too-long" });
  assert.deepEqual(r.readLine(), { kind: "line", text: "NOOP" });
  assert.deepEqual(r.readLine(), { kind: "need-more" });
});

Deno.test("parsePath() reads the address, drops a source route, and refuses bad syntax", () => {
  assert.deepEqual(parsePath("FROM:<a@b.c> SIZE=10 BODY=8BITMIME", "FROM"), {
    address: "a@b.c",
    params: [["SIZE", "10"], ["BODY", "8BITMIME"]],
  });
  assert.deepEqual(parsePath("to: <@x,@y:u@d>", "TO"), { address: "u@d", params: [] });
  assert.deepEqual(parsePath("FROM:<>", "FROM"), { address: "", params: [] });
  assert.equal(parsePath("FROM:a@b.c", "FROM"), null);
  assert.equal(parsePath("TO:<a b@c>", "TO"), null);
  assert.equal(parsePath("FROM:<a@b.c>", "TO"), null);
});

Deno.test("splitDetail() splits user+detail at the first plus of the local part", () => {
  assert.deepEqual(splitDetail("u+a+b@d"), { base: "u@d", detail: "a+b" });
  assert.equal(splitDetail("u@d"), null);
  assert.equal(splitDetail("+x@d"), null);
  assert.equal(splitDetail("u+@d"), null);
});

Deno.test("LmtpReader.readData() passes on a very long line in pieces without unstuffing a dot inside it", () => {
  const long = "A".repeat(70_000) + ".B" + "C".repeat(100_000);
  for (const step of [1000, 65_537, 1 << 20]) {
    const got = readMessage(`${long}\r\n..x\r\n.\r\n`, step);
    assert.equal(got.text, `${long}\r\n.x\r\n`);
  }
  // A piece that ends on the CR of a CRLF keeps the line end whole.
  const cr = "D".repeat(65_540);
  assert.equal(readMessage(`${cr}\r\n.\r\n`, 65_541).text, `${cr}\r\n`);
});
