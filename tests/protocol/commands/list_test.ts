import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../../lib/wire/parser.ts";
import { parseList, writeListItem } from "../../../lib/protocol/commands/list.ts";
import { ResponseEncoder } from "../../../lib/wire/encoder.ts";

const enc = new TextEncoder();

function list(args: string) {
  const p = new CommandParser(enc.encode("LIST " + args));
  p.pos = "LIST".length;
  return parseList(p);
}

Deno.test("`parseList()` reads selection options, several patterns and return options", () => {
  assert.deepEqual(list('(subscribed RecursiveMatch) "" ("%" "Lists/*") RETURN (children)'), {
    reference: "",
    patterns: ["%", "Lists/*"],
    select: ["SUBSCRIBED", "RECURSIVEMATCH"],
    returns: ["CHILDREN"],
    status: null,
  });
  assert.deepEqual(list('() "" "*" RETURN ()'), {
    reference: "",
    patterns: ["*"],
    select: [],
    returns: [],
    status: null,
  });
});

Deno.test("`parseList()` reads RETURN (STATUS (...)) of RFC 5819 beside other return options", () => {
  const args = list('"" "*" RETURN (SUBSCRIBED STATUS (MESSAGES size Deleted) CHILDREN)');
  assert.deepEqual(args.returns, ["SUBSCRIBED", "CHILDREN"]);
  assert.deepEqual(args.status, ["MESSAGES", "SIZE", "DELETED"]);
});

Deno.test("`parseList()` rejects RECURSIVEMATCH alone, unknown options and a bad STATUS", () => {
  for (
    const bad of [
      '(RECURSIVEMATCH) "" "*"',
      '(REMOTE RECURSIVEMATCH) "" "*"',
      '(BOGUS) "" "*"',
      '"" "*" RETURN (BOGUS)',
      '"" "*" RETURN',
      '"" "*" RETURN (STATUS ())',
      '"" "*" RETURN (STATUS (BOGUS))',
      '"" "*" RETURN (STATUS (MESSAGES) STATUS (UNSEEN))',
      '"" ()',
    ]
  ) {
    assert.throws(() => list(bad), ParseError, bad);
  }
});

Deno.test("`writeListItem()` writes CHILDINFO as mbox-list-extended (RFC 5258 §9)", () => {
  const e = new ResponseEncoder();
  writeListItem(e, "LIST", ["\\HasChildren"], "/", "Foo", ["SUBSCRIBED"]);
  writeListItem(e, "LIST", ["\\HasNoChildren"], "/", "Bar");
  const text = new TextDecoder().decode(
    new Uint8Array(e.take().flatMap((c) => [...c])),
  );
  assert.equal(
    text,
    '* LIST (\\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))\r\n' +
      '* LIST (\\HasNoChildren) "/" Bar\r\n',
  );
});
