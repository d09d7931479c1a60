import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../lib/wire/parser.ts";
import { parseStore } from "../../lib/protocol/commands/store.ts";
import { STAR } from "../../lib/protocol/sequence_set.ts";

const te = new TextEncoder();

/** parseStore over the arguments of a STORE command (what follows "STORE"). */
function store(args: string) {
  return parseStore(new CommandParser(te.encode(" " + args)));
}

Deno.test("`parseStore()` reads FLAGS, +FLAGS and -FLAGS with and without .SILENT", () => {
  assert.deepEqual(store("1:* FLAGS (\\Seen)"), {
    set: [{ from: 1, to: STAR }],
    mode: "set",
    silent: false,
    flags: ["\\Seen"],
  });
  assert.deepEqual(store("2 +FLAGS.SILENT (\\Deleted)"), {
    set: [{ from: 2, to: 2 }],
    mode: "add",
    silent: true,
    flags: ["\\Deleted"],
  });
  const r = store("3,5 -flags.silent (\\Flagged)");
  assert.equal(r.mode, "remove");
  assert.equal(r.silent, true);
});

Deno.test("`parseStore()` reads a flag list without parentheses, and an empty list", () => {
  assert.deepEqual(store("1 +FLAGS \\Seen $Junk").flags, ["\\Seen", "$Junk"]);
  assert.deepEqual(store("1 FLAGS ()").flags, []);
});

Deno.test("`parseStore()` spells system flags canonically and keeps keyword case", () => {
  assert.deepEqual(store("1 +FLAGS (\\seen \\ANSWERED \\draft MyKeyword $Forwarded)").flags, [
    "\\Seen",
    "\\Answered",
    "\\Draft",
    "MyKeyword",
    "$Forwarded",
  ]);
});

Deno.test("`parseStore()` drops repeated flags", () => {
  assert.deepEqual(store("1 +FLAGS (\\Seen \\SEEN foo FOO)").flags, ["\\Seen", "foo"]);
});

Deno.test("`parseStore()` rejects \\Recent and unknown system flags", () => {
  assert.throws(() => store("1 +FLAGS (\\Recent)"), /\\Recent cannot be stored/);
  assert.throws(() => store("1 FLAGS (\\Bogus)"), /Unknown system flag "\\Bogus"/);
});

Deno.test("`parseStore()` rejects unknown items and bad syntax", () => {
  assert.throws(() => store("1 LABELS (x)"), /Unknown STORE item "LABELS"/);
  assert.throws(() => store("1 *FLAGS (x)"), ParseError);
  assert.throws(() => store("1 FLAGS"), /Missing arguments/);
  assert.throws(() => store("1 FLAGS (\\Seen"), ParseError);
  assert.throws(() => store("1 FLAGS (\\Seen) extra"), /Unexpected/);
  assert.throws(() => store("x FLAGS (\\Seen)"), ParseError);
});
