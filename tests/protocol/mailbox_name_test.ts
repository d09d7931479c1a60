/**
 * The LIST/LSUB pattern matcher: RFC 3501 §6.3.8 semantics, and linear cost on hostile patterns;
 * and modified UTF-7 names (§5.1.3).
 */
import assert from "node:assert/strict";
import {
  decodeMailboxName,
  encodeMailboxName,
  listMatcher,
} from "../../lib/protocol/mailbox_name.ts";

/** A slow but obviously right matcher (memoised recursion) to compare against. */
function reference(pattern: string, name: string): boolean {
  const p = [...pattern];
  const n = [...name];
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (n.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) r = j === n.length;
    else if (p[i] === "*") r = go(i + 1, j) || (j < n.length && go(i, j + 1));
    else if (p[i] === "%") r = go(i + 1, j) || (j < n.length && n[j] !== "/" && go(i, j + 1));
    else r = j < n.length && p[i] === n[j] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

Deno.test("listMatcher() follows RFC 3501 §6.3.8 for * and %", () => {
  const cases: [string, string, boolean][] = [
    ["*", "INBOX", true],
    ["*", "a/b/c", true],
    ["%", "a/b", false],
    ["%", "a", true],
    ["a/%", "a/b", true],
    ["a/%", "a/b/c", false],
    ["a/*", "a/b/c", true],
    ["a%", "a", true],
    ["%/%", "a/b", true],
    ["", "", true],
    ["", "a", false],
    ["INBOX", "INBOX", true],
    ["INBOX", "INBOXx", false],
    ["Ä%", "Äpfel", true],
    ["*🙂", "x/y🙂", true],
    ["%🙂", "x/y🙂", false],
  ];
  for (const [pattern, name, want] of cases) {
    assert.equal(listMatcher(pattern)(name), want, `${pattern} ~ ${name}`);
  }
});

Deno.test("listMatcher() agrees with a reference matcher on random patterns (over 32 states too)", () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ["a", "b", "/", "*", "%"];
  for (let round = 0; round < 3000; round++) {
    const plen = rand(round % 10 === 0 ? 80 : 8);
    let pattern = "";
    for (let i = 0; i < plen; i++) pattern += alphabet[rand(5)];
    const m = listMatcher(pattern);
    for (let t = 0; t < 5; t++) {
      let name = "";
      const nlen = rand(round % 10 === 0 ? 90 : 10);
      for (let i = 0; i < nlen; i++) name += alphabet[rand(3)];
      if (t === 0) name = pattern.replace(/[*%]/g, () => alphabet[rand(2)]);
      assert.equal(m(name), reference(pattern, name), `${pattern} ~ ${name}`);
    }
  }
});

Deno.test("encodeMailboxName() leaves plain ASCII alone and encodes the rest (RFC 3501 §5.1.3)", () => {
  const cases: [string, string][] = [
    ["Folder7/Sub 70 ~!", "Folder7/Sub 70 ~!"],
    ["Tom & Jerry", "Tom &- Jerry"],
    ["Entwürfe", "Entw&APw-rfe"],
    ["~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"],
    ["tab\there", "tab&AAk-here"],
    ["", ""],
  ];
  for (const [name, wire] of cases) {
    assert.equal(encodeMailboxName(name), wire, name);
    assert.equal(decodeMailboxName(wire), name, wire);
  }
});

Deno.test('listMatcher("*") matches every name, the empty one too', () => {
  const m = listMatcher("*");
  for (const n of ["", "INBOX", "a/b/c", "%", "日本語"]) assert.ok(m(n), n);
  assert.ok(listMatcher("**")("x/y"));
  assert.equal(listMatcher("*/b")("a/c"), false);
});
