import assert from "node:assert/strict";
import { CommandReader, type ReadResult } from "../../lib/wire/command_reader.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `input` in pieces of `step` bytes, answering every synchronizing literal with accept. */
function readAll(input: string, step: number, reader = new CommandReader()): ReadResult[] {
  const bytes = enc.encode(input);
  const out: ReadResult[] = [];
  for (let i = 0; i < bytes.length; i += step) {
    reader.push(bytes.subarray(i, i + step));
    for (;;) {
      const r = reader.next();
      if (r.kind === "need-more") break;
      out.push(r);
      if (r.kind === "continue") reader.acceptLiteral();
    }
  }
  return out;
}

function commands(results: ReadResult[]): string[] {
  return results.filter((r) => r.kind === "command").map((r) =>
    dec.decode((r as { bytes: Uint8Array }).bytes)
  );
}

const SESSION = 'a1 NOOP\r\na2 LOGIN {5}\r\nalice "pw"\r\n' +
  "a3 APPEND INBOX {11+}\r\nHello\r\nWorld\r\na4 LOGOUT\r\n";

Deno.test("`CommandReader` reads the same commands whole, in split chunks and byte by byte", () => {
  const expected = [
    "a1 NOOP",
    'a2 LOGIN {5}\r\nalice "pw"',
    "a3 APPEND INBOX {11+}\r\nHello\r\nWorld",
    "a4 LOGOUT",
  ];
  for (const step of [SESSION.length, 1, 2, 3, 7, 13]) {
    assert.deepEqual(commands(readAll(SESSION, step)), expected, `step ${step}`);
  }
});

Deno.test("`CommandReader` asks for a continuation before a synchronizing literal only", () => {
  const results = readAll(SESSION, 1);
  const continues = results.filter((r) => r.kind === "continue");
  assert.equal(continues.length, 1);
  assert.equal((continues[0] as { size: number }).size, 5);
});

Deno.test("`CommandReader` does not treat literal data that looks like a literal header as one", () => {
  const input = "a1 APPEND x {6+}\r\n{99}\r\n\r\na2 NOOP\r\n";
  assert.deepEqual(commands(readAll(input, 1)), ["a1 APPEND x {6+}\r\n{99}\r\n", "a2 NOOP"]);
});

Deno.test("`CommandReader` tolerates a bare LF line end", () => {
  assert.deepEqual(commands(readAll("a1 NOOP\na2 NOOP\r\n", 4)), ["a1 NOOP", "a2 NOOP"]);
});

Deno.test("`CommandReader` drops a too-long line and goes on with the next command", () => {
  const reader = new CommandReader({ maxLine: 20 });
  const long = "a1 " + "X".repeat(100) + "\r\na2 NOOP\r\n";
  for (const step of [1, 5, long.length]) {
    const results = readAll(long, step, new CommandReader({ maxLine: 20 }));
    assert.equal(results[0].kind, "line-too-long", `step ${step}`);
    assert.ok(dec.decode((results[0] as { prefix: Uint8Array }).prefix).startsWith("a1 "));
    assert.deepEqual(commands(results), ["a2 NOOP"], `step ${step}`);
  }
  assert.equal(reader.buffered, 0);
});

Deno.test("`CommandReader` refuses a too-big synchronizing literal before the data is sent", () => {
  const reader = new CommandReader({ maxLiteral: 10 });
  reader.push(enc.encode("a1 APPEND INBOX {100}\r\n"));
  const r = reader.next();
  assert.equal(r.kind, "literal-too-big");
  assert.equal((r as { sync: boolean }).sync, true);
  reader.push(enc.encode("a2 NOOP\r\n"));
  const next = reader.next();
  assert.equal(next.kind, "command");
  assert.equal(dec.decode((next as { bytes: Uint8Array }).bytes), "a2 NOOP");
});

Deno.test("`CommandReader` skips the data of a too-big non-synchronizing literal", () => {
  const input = "a1 APPEND INBOX {30+}\r\n" + "y".repeat(30) + " more\r\na2 NOOP\r\n";
  for (const step of [1, 4, input.length]) {
    const results = readAll(input, step, new CommandReader({ maxLiteral: 10 }));
    assert.equal(results[0].kind, "literal-too-big");
    assert.equal((results[0] as { sync: boolean }).sync, false);
    assert.deepEqual(commands(results), ["a2 NOOP"], `step ${step}`);
  }
});

Deno.test("`CommandReader` rejectLiteral() forgets the command", () => {
  const reader = new CommandReader();
  reader.push(enc.encode("a1 LOGIN {3}\r\n"));
  assert.equal(reader.next().kind, "continue");
  reader.rejectLiteral();
  reader.push(enc.encode("a2 NOOP\r\n"));
  const r = reader.next();
  assert.equal(dec.decode((r as { bytes: Uint8Array }).bytes), "a2 NOOP");
});

Deno.test("`CommandReader` keeps a big literal intact across buffer growth", () => {
  const body = "z".repeat(200_000);
  const input = `a1 APPEND INBOX {${body.length}+}\r\n${body}\r\n`;
  const [cmd] = commands(readAll(input, 4096));
  assert.equal(cmd.length, `a1 APPEND INBOX {${body.length}+}\r\n`.length + body.length);
  assert.ok(cmd.endsWith("zzz"));
});

Deno.test("`CommandReader` ignores a literal header inside a quoted string or glued to one (issue 12, finding 7)", () => {
  for (const step of [1, 3, 100]) {
    const input = 'a1 APPEND "box" "\\ {988}\r\na2 X "x"{2147483647+}\r\na3 X "a\\"{5}"\r\n' +
      'a4 LOGIN {1}\r\nu "p {3}"\r\na5 FETCH 1 (BODY[HEADER.FIELDS ({4}\r\nDate)])\r\n';
    assert.deepEqual(commands(readAll(input, step)), [
      'a1 APPEND "box" "\\ {988}',
      'a2 X "x"{2147483647+}',
      'a3 X "a\\"{5}"',
      'a4 LOGIN {1}\r\nu "p {3}"',
      "a5 FETCH 1 (BODY[HEADER.FIELDS ({4}\r\nDate)])",
    ], `step ${step}`);
  }
});

Deno.test("`CommandReader` limits a whole command, literals included (issue 12, finding 2)", () => {
  const literal = "z".repeat(1000);
  let input = "a1 LOGIN";
  for (let i = 0; i < 10; i++) input += ` {${literal.length}+}\r\n${literal}`;
  input += "\r\na2 NOOP\r\n";
  const results = readAll(input, 97, new CommandReader({ maxCommand: 4000 }));
  assert.equal(results[0].kind, "literal-too-big");
  const first = results[0] as { whole: boolean; fatal: boolean };
  assert.equal(first.whole, true);
  assert.equal(first.fatal, false);
  assert.deepEqual(commands(results), ["a2 NOOP"]);
  // Many short lines without literals are limited too.
  const lines = readAll(
    `a1 NOOP ${"x".repeat(5000)}\r\na2 NOOP\r\n`,
    50,
    new CommandReader({ maxCommand: 4000 }),
  );
  assert.equal(lines[0].kind, "line-too-long");
  assert.equal((lines[0] as { whole: boolean }).whole, true);
  assert.deepEqual(commands(lines), ["a2 NOOP"]);
});

Deno.test("`CommandReader` stops at a non-synchronizing literal larger than a whole command", () => {
  const reader = new CommandReader({ maxCommand: 4000 });
  reader.push(enc.encode("a1 APPEND INBOX {2147483647+}\r\n" + "x".repeat(100)));
  const r = reader.next();
  assert.equal(r.kind, "literal-too-big");
  assert.equal((r as { fatal: boolean }).fatal, true);
  reader.push(enc.encode("a2 NOOP\r\n"));
  assert.equal(reader.next().kind, "need-more");
});

Deno.test("`CommandReader` drops the literal data of a too-long line with it", () => {
  const input = `a1 APPEND INBOX ${"x".repeat(100)} {13+}\r\nb2 NOOP {3}\r\n\r\na3 NOOP\r\n`;
  for (const step of [1, 7, input.length]) {
    const results = readAll(input, step, new CommandReader({ maxLine: 50 }));
    assert.equal(results[0].kind, "line-too-long", `step ${step}`);
    assert.deepEqual(commands(results), ["a3 NOOP"], `step ${step}`);
  }
});

Deno.test("`CommandReader` lets the commands `commandLimit` names be larger", () => {
  const limits = {
    maxCommand: 100,
    commandLimit: (prefix: Uint8Array) => dec.decode(prefix).includes(" APPEND ") ? 1000 : 100,
  };
  const body = "m".repeat(500);
  const input = `a1 APPEND INBOX {500+}\r\n${body}\r\na2 NOOP {90+}\r\n${
    "n".repeat(90)
  }\r\na3 NOOP\r\n`;
  const results = readAll(input, 13, new CommandReader(limits));
  assert.equal(commands(results)[0], `a1 APPEND INBOX {500+}\r\n${body}`);
  assert.equal(results[1].kind, "literal-too-big");
  assert.deepEqual(commands(results).slice(1), ["a3 NOOP"]);
});

Deno.test("peekCommands shows whole literal-free commands behind the current one without consuming them", () => {
  const reader = new CommandReader();
  reader.push(
    enc.encode(
      "a1 FETCH 1 BODY[]\r\na2 FETCH 2 BODY[]\na3 APPEND X {3+}\r\nabc\r\na4 NOOP\r\na5 NO",
    ),
  );
  const first = reader.next();
  assert.equal(first.kind, "command");
  // a2 (bare LF) only: a3 has a literal, so the run stops there.
  assert.deepEqual(reader.peekCommands(10).map((b) => dec.decode(b)), ["a2 FETCH 2 BODY[]"]);
  assert.deepEqual(reader.peekCommands(0), []);
  // Nothing was consumed: the commands still come in order.
  const rest: string[] = [];
  for (let r = reader.next(); r.kind === "command"; r = reader.next()) {
    rest.push(dec.decode(r.bytes));
  }
  assert.deepEqual(rest, ["a2 FETCH 2 BODY[]", "a3 APPEND X {3+}\r\nabc", "a4 NOOP"]);
  // "a5 NO" is not whole yet.
  assert.deepEqual(reader.peekCommands(10), []);
});

Deno.test("`CommandReader` lets go of a buffer grown for a large literal once the command is taken", () => {
  const reader = new CommandReader();
  const small = reader.capacity;
  const body = "x".repeat(200_000);
  const results = readAll(`a1 APPEND INBOX {${body.length}+}\r\n${body}\r\n`, 16_384, reader);
  assert.equal(commands(results).length, 1);
  assert.equal(commands(results)[0].length, "a1 APPEND INBOX {200000+}\r\n".length + body.length);
  assert.equal(reader.capacity, small);
  // A command line still in progress keeps its bytes.
  assert.deepEqual(commands(readAll("a2 NO", 2, reader)), []);
  assert.deepEqual(commands(readAll("OP\r\n", 2, reader)), ["a2 NOOP"]);
});
