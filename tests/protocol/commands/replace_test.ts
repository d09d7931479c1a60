import assert from "node:assert/strict";
import { CommandParser } from "../../../lib/wire/parser.ts";
import { parseReplace } from "../../../lib/protocol/commands/replace.ts";
import { STAR } from "../../../lib/protocol/sequence_set.ts";

const enc = new TextEncoder();

function replace(args: string) {
  const p = new CommandParser(enc.encode("REPLACE " + args));
  p.pos = "REPLACE".length;
  return parseReplace(p);
}

Deno.test("`parseReplace()` reads the number, the mailbox and APPEND's message", () => {
  const args = replace('4 Drafts (\\Seen \\Draft) "05-Jan-2024 10:00:00 +0000" {5+}\r\nhello');
  assert.deepEqual(args.target, [{ from: 4, to: 4 }]);
  assert.equal(args.mailbox, "Drafts");
  assert.deepEqual(args.message.flags, ["\\Seen", "\\Draft"]);
  assert.equal(args.message.internalDate?.toISOString(), "2024-01-05T10:00:00.000Z");
  assert.equal(new TextDecoder().decode(args.message.content), "hello");
  assert.equal(args.message.form, "literal");
  assert.deepEqual(replace("* INBOX ~{2+}\r\nhi").target, [{ from: STAR, to: STAR }]);
});

Deno.test("`parseReplace()` rejects a set, zero, a missing message and trailing text", () => {
  assert.throws(() => replace("1:2 Drafts {1+}\r\na"), /at the end|Expected/);
  assert.throws(() => replace("0 Drafts {1+}\r\na"), /Invalid message number "0"/);
  assert.throws(() => replace("1 Drafts (\\Seen)"), /Missing arguments/);
  assert.throws(() => replace("1 Drafts (\\Seen) x"), /REPLACE needs the message as a literal/);
  assert.throws(() => replace("1 Drafts {1+}\r\na extra"), /Unexpected/);
  assert.throws(() => replace("1 Drafts {1+}\r\na {1+}\r\nb"), /Unexpected/);
});
