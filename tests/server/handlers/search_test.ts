import assert from "node:assert/strict";
import { SelectedMailbox } from "../../../lib/server/selected_mailbox.ts";
import { toSearchKey, uidSetOf } from "../../../lib/server/handlers/search.ts";
import { STAR } from "../../../lib/protocol/sequence_set.ts";
import type { MailboxInfo } from "../../../lib/store/mail_store.ts";

const INFO: MailboxInfo = {
  id: 1,
  name: "INBOX",
  uidValidity: 7,
  uidNext: 31,
  highestModSeq: 1,
  specialUse: null,
  subscribed: true,
};

/** A view of five messages with UIDs 3, 4, 10, 20, 30 (sequence numbers 1-5). */
const view = () => new SelectedMailbox(INFO, Uint32Array.from([3, 4, 10, 20, 30]), false);

Deno.test("`toSearchKey()` turns sequence sets into UID sets with the session's view", () => {
  assert.deepEqual(toSearchKey({ type: "seq", set: [{ from: 2, to: 3 }] }, view()), {
    type: "uid",
    set: [{ from: 4, to: 4 }, { from: 10, to: 10 }],
  });
  assert.deepEqual(toSearchKey({ type: "seq", set: [{ from: 4, to: STAR }] }, view()), {
    type: "uid",
    set: [{ from: 20, to: 20 }, { from: 30, to: 30 }],
  });
  // Past the end: nothing.
  assert.deepEqual(toSearchKey({ type: "seq", set: [{ from: 6, to: 9 }] }, view()), {
    type: "uid",
    set: [],
  });
});

Deno.test("`toSearchKey()` resolves * in UID sets to the largest UID the client knows", () => {
  assert.deepEqual(toSearchKey({ type: "uid", set: [{ from: 25, to: STAR }] }, view()), {
    type: "uid",
    set: [{ from: 25, to: 30 }],
  });
  assert.deepEqual(toSearchKey({ type: "uid", set: [{ from: 99, to: STAR }] }, view()), {
    type: "uid",
    set: [{ from: 30, to: 99 }],
  });
});

Deno.test("`toSearchKey()` spells NEW and OLD out and recurses through and/or/not", () => {
  assert.deepEqual(toSearchKey({ type: "new" }, view()), {
    type: "and",
    keys: [{ type: "recent", present: true }, { type: "flag", flag: "\\Seen", present: false }],
  });
  assert.deepEqual(toSearchKey({ type: "old" }, view()), { type: "recent", present: false });
  assert.deepEqual(
    toSearchKey({
      type: "or",
      left: { type: "not", key: { type: "seq", set: [{ from: 1, to: 1 }] } },
      right: { type: "and", keys: [{ type: "old" }, { type: "body", value: "x" }] },
    }, view()),
    {
      type: "or",
      left: { type: "not", key: { type: "uid", set: [{ from: 3, to: 3 }] } },
      right: {
        type: "and",
        keys: [{ type: "recent", present: false }, { type: "body", value: "x" }],
      },
    },
  );
  const header = { type: "header" as const, name: "From", value: "a" };
  assert.deepEqual(toSearchKey(header, view()), header);
});

Deno.test("`uidSetOf()` joins consecutive UIDs into ranges", () => {
  assert.deepEqual(uidSetOf([1, 2, 3, 7, 9, 10]), [
    { from: 1, to: 3 },
    { from: 7, to: 7 },
    { from: 9, to: 10 },
  ]);
  assert.deepEqual(uidSetOf([]), []);
});
