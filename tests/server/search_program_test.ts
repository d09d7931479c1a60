import assert from "node:assert/strict";
import { SelectedMailbox } from "../../lib/server/selected_mailbox.ts";
import { toSearchKey } from "../../lib/server/search_program.ts";
import { uidSetOf } from "../../lib/server/uid_set.ts";
import { STAR } from "../../lib/protocol/sequence_set.ts";
import type { MailboxInfo } from "../../lib/store/mail_store.ts";

const INFO: MailboxInfo = {
  id: 1,
  name: "INBOX",
  uidValidity: 7,
  uidNext: 31,
  highestModSeq: 1,
  specialUse: null,
  subscribed: true,
  objectId: "F1-7",
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
  // "99:*" is "30:99": of it, the client knows UID 30 only.
  assert.deepEqual(toSearchKey({ type: "uid", set: [{ from: 99, to: STAR }] }, view()), {
    type: "uid",
    set: [{ from: 30, to: 30 }],
  });
});

/** The same view, with UIDs 10 and up claimed as \Recent by this session. */
async function recentView(): Promise<SelectedMailbox> {
  const v = new SelectedMailbox(INFO, Uint32Array.from([3, 4, 10, 20, 30]), false, {
    claimRecent: (uid) => Promise.resolve({ from: 10, to: uid }),
  });
  assert.equal(await v.claimInitialRecent(), 3);
  return v;
}

Deno.test("`toSearchKey()` spells RECENT, NEW and OLD out with this session's recent UIDs", async () => {
  const v = await recentView();
  const recent = { type: "uid", set: [{ from: 10, to: 30 }] };
  assert.deepEqual(toSearchKey({ type: "recent", present: true }, v), recent);
  assert.deepEqual(toSearchKey({ type: "recent", present: false }, v), {
    type: "not",
    key: recent,
  });
  assert.deepEqual(toSearchKey({ type: "new" }, v), {
    type: "and",
    keys: [recent, { type: "flag", flag: "\\Seen", present: false }],
  });
  assert.deepEqual(toSearchKey({ type: "old" }, v), { type: "not", key: recent });
  assert.equal(v.isRecent(4), false);
  assert.equal(v.isRecent(20), true);
});

Deno.test("`toSearchKey()` recurses through and/or/not", () => {
  const none = { type: "uid", set: [] };
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
        keys: [{ type: "not", key: none }, { type: "body", value: "x" }],
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
