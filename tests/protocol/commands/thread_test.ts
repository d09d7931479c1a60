import assert from "node:assert/strict";
import { CommandParser } from "../../../lib/wire/parser.ts";
import { ImapError } from "../../../lib/protocol/errors.ts";
import { parseThread } from "../../../lib/protocol/commands/thread.ts";

const enc = new TextEncoder();

function thread(args: string) {
  const p = new CommandParser(enc.encode("THREAD " + args));
  p.pos = "THREAD".length;
  return parseThread(p);
}

Deno.test("`parseThread()` reads the algorithm, charset and search keys", () => {
  assert.deepEqual(thread("ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000"), {
    algorithm: "orderedsubject",
    charset: "UTF-8",
    key: { type: "internalDate", op: "since", date: "2000-03-05" },
  });
  assert.deepEqual(thread("references US-ASCII ALL"), {
    algorithm: "references",
    charset: "US-ASCII",
    key: { type: "all" },
  });
});

Deno.test("`parseThread()` rejects an unknown algorithm and missing keys", () => {
  assert.throws(() => thread("REFS UTF-8 ALL"), /Unknown threading algorithm "REFS"/);
  assert.throws(() => thread("REFERENCES UTF-8"), /Missing arguments/);
  assert.throws(() => thread("REFERENCES"), /Missing arguments/);
  assert.throws(
    () => thread("REFERENCES X-NOPE ALL"),
    (e) => e instanceof ImapError && e.status === "NO",
  );
});
