import assert from "node:assert/strict";
import {
  classify,
  countNumbered,
  ImapClient,
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

/**
 * A scripted IMAP peer on a loopback socket: enough of a server to drive the
 * client's pipelining, LITERAL+ APPEND and IDLE through a real connection.
 */
async function scriptedServer(listener: Deno.Listener, appended: Uint8Array[]): Promise<void> {
  const conn = await listener.accept();
  const w = (s: string) => conn.write(enc.encode(s));
  await w("* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] ready\r\n");
  let buf = new Uint8Array(0);
  const buffer = new Uint8Array(65536);
  const more = async () => {
    const n = await conn.read(buffer);
    if (n === null) return false;
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(buffer.subarray(0, n), buf.length);
    buf = next;
    return true;
  };
  const line = async () => {
    while (buf.indexOf(10) < 0) if (!(await more())) return null;
    const i = buf.indexOf(10);
    const text = new TextDecoder().decode(buf.subarray(0, i)).replace(/\r$/, "");
    buf = buf.subarray(i + 1);
    return text;
  };
  for (let l = await line(); l !== null; l = await line()) {
    const [tag, cmd, ...rest] = l.split(" ");
    const verb = cmd?.toUpperCase();
    if (verb === "FETCH") {
      await w(`* ${rest[0]} FETCH (BODY[] {5}\r\nhello)\r\n${tag} OK done\r\n`);
    } else if (verb === "APPEND") {
      const size = Number(/\{(\d+)\+\}$/.exec(l)![1]);
      while (buf.length < size + 2) await more();
      appended.push(buf.slice(0, size));
      buf = buf.subarray(size + 2);
      await w(`* 1 EXISTS\r\n${tag} OK [APPENDUID 1 ${appended.length}] done\r\n`);
    } else if (verb === "IDLE") {
      await w("+ idling\r\n");
      const done = await line();
      await w(`${tag} ${done === "DONE" ? "OK" : "BAD"} idle over\r\n`);
    } else if (verb === "LOGOUT") {
      await w(`* BYE\r\n${tag} OK bye\r\n`);
      conn.close();
      return;
    } else {
      await w(`${tag} OK ${verb} done\r\n`);
    }
  }
  conn.close();
}

Deno.test("`ImapClient` pipelines, appends with LITERAL+ and idles over a real socket", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const appended: Uint8Array[] = [];
  const served = scriptedServer(listener, appended);
  const c = await ImapClient.connect((listener.addr as Deno.NetAddr).port);
  try {
    assert.ok(c.capabilities.has("LITERAL+"));
    const rs = await c.pipeline(["FETCH 1 BODY.PEEK[]", "FETCH 2 BODY.PEEK[]", "NOOP"]);
    assert.deepEqual(rs.map((r) => r.status), ["OK", "OK", "OK"]);
    assert.deepEqual(rs.map((r) => countNumbered(r.untagged, "FETCH")), [1, 1, 0]);
    assert.equal(c.literalBytes, 10);
    const message = enc.encode("Subject: x\r\n\r\nline one\r\n{3}\r\nA9 OK not a reply\r\n");
    const a = await c.append("INBOX", message, "\\Seen", "01-Jan-2025 12:00:00 +0000");
    assert.equal(a.status, "OK");
    assert.equal(lastExists(a.untagged), 1);
    assert.deepEqual(appended[0], message);
    const idle = await c.idle();
    assert.equal((await idle.done()).status, "OK");
    assert.equal((await c.command("LOGOUT")).status, "OK");
  } finally {
    c.close();
    await served;
    listener.close();
  }
});
