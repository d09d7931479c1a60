import assert from "node:assert/strict";
import { SelectedMailbox } from "../../lib/server/selected_mailbox.ts";
import { ResponseEncoder } from "../../lib/wire/encoder.ts";
import { ImapError } from "../../lib/protocol/errors.ts";
import { STAR } from "../../lib/protocol/sequence_set.ts";
import type { MailboxInfo } from "../../lib/store/mail_store.ts";

const INFO: MailboxInfo = {
  id: 1,
  name: "INBOX",
  uidValidity: 7,
  uidNext: 7,
  highestModSeq: 1,
  specialUse: null,
  subscribed: true,
  objectId: "F1-7",
};

async function updates(view: SelectedMailbox, allowExpunge = true): Promise<string[]> {
  const enc = new ResponseEncoder();
  await view.writeUpdates(enc, allowExpunge);
  return lines(enc);
}

function lines(enc: ResponseEncoder): string[] {
  return new TextDecoder().decode(enc.takeBytes()).split("\r\n").filter((l) => l !== "");
}

Deno.test("`SelectedMailbox` ignores a repeated append event after its own EXPUNGE", async () => {
  const view = new SelectedMailbox(INFO, Uint32Array.from([6]), false);
  view.handleEvent({
    type: "flags",
    mailboxId: 1,
    changes: [{ uid: 6, flags: ["\\Seen"], modSeq: 2 }],
  });
  const enc = new ResponseEncoder();
  view.expungeOwn([6], enc);
  assert.deepEqual(lines(enc), ["* 1 EXPUNGE"]);
  // The bus may deliver an event again (mail_store.ts): UID 6 is gone, not new.
  view.handleEvent({ type: "append", mailboxId: 1, uids: [6] });
  view.handleEvent({
    type: "flags",
    mailboxId: 1,
    changes: [{ uid: 6, flags: ["\\Seen"], modSeq: 3 }],
  });
  assert.deepEqual(await updates(view), []);
  assert.equal(view.count, 0);
});

Deno.test("`SelectedMailbox` forgets a message expunged before it was announced", async () => {
  const view = new SelectedMailbox(INFO, Uint32Array.from([6]), false);
  view.handleEvent({ type: "append", mailboxId: 1, uids: [7] });
  view.handleEvent({ type: "expunge", mailboxId: 1, uids: [7] });
  view.handleEvent({ type: "append", mailboxId: 1, uids: [7] });
  assert.deepEqual(await updates(view), []);
  view.handleEvent({ type: "append", mailboxId: 1, uids: [8] });
  assert.deepEqual(await updates(view), ["* 2 EXISTS", "* 0 RECENT"]);
});

Deno.test("`SelectedMailbox` claims \\Recent for new mail and counts it in RECENT", async () => {
  const claims: [number, boolean][] = [];
  let claimed = 0;
  const view = new SelectedMailbox(INFO, Uint32Array.from([5, 6]), false, {
    claimRecent: (uid, peek) => {
      claims.push([uid, peek]);
      if (uid <= claimed) return Promise.resolve(null);
      const range = { from: claimed + 1, to: uid };
      if (!peek) claimed = uid;
      return Promise.resolve(range);
    },
  });
  assert.equal(await view.claimInitialRecent(), 2);
  view.handleEvent({ type: "append", mailboxId: 1, uids: [8, 7] });
  assert.deepEqual(await updates(view), ["* 4 EXISTS", "* 4 RECENT"]);
  assert.deepEqual(claims, [[6, false], [8, false]]);
  // Another session took UID 9 first: it is not recent here.
  claimed = 9;
  view.handleEvent({ type: "append", mailboxId: 1, uids: [9] });
  assert.deepEqual(await updates(view), ["* 5 EXISTS", "* 4 RECENT"]);
  assert.equal(view.isRecent(9), false);
  assert.equal(view.isRecent(7), true);
  const enc = new ResponseEncoder();
  view.writeFetch(enc, 3, { uid: 7, flags: ["\\Seen", "$a"] }, [{ kind: "flags" }]);
  assert.deepEqual(lines(enc), [
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $a)",
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $a \\*)] Flags permitted",
    "* 3 FETCH (FLAGS (\\Seen \\Recent $a))",
  ]);
  // Told once: the keyword is known now (in any case).
  view.writeFetch(enc, 3, { uid: 7, flags: ["$A"] }, [{ kind: "flags" }]);
  assert.deepEqual(lines(enc), ["* 3 FETCH (FLAGS (\\Recent $A))"]);
});

Deno.test("`resolveSet()` is one rule: BAD past the end for sequence numbers, never for UIDs", () => {
  const empty = new SelectedMailbox(INFO, new Uint32Array(0), false);
  const isBad = (e: unknown) => e instanceof ImapError && e.status === "BAD";
  assert.throws(() => empty.resolveSet([{ from: STAR, to: STAR }], "seq"), isBad);
  assert.throws(() => empty.resolveSet([{ from: 1, to: STAR }], "seq"), isBad);
  assert.deepEqual(empty.resolveSet([{ from: 1, to: STAR }], "uid"), []);
  assert.deepEqual(empty.resolveSet([{ from: 1, to: STAR }], "search"), []);
  const view = new SelectedMailbox(INFO, Uint32Array.from([3, 4, 6]), false);
  assert.deepEqual(view.resolveSet([{ from: 2, to: STAR }], "seq"), [{ from: 4, to: 4 }, {
    from: 6,
    to: 6,
  }]);
  assert.throws(() => view.resolveSet([{ from: 2, to: 4 }], "seq"), isBad);
  assert.deepEqual(view.resolveSet([{ from: 2, to: 4 }], "search"), [{ from: 4, to: 4 }, {
    from: 6,
    to: 6,
  }]);
  assert.deepEqual(view.resolveSet([{ from: 5, to: 100 }], "uid"), [{ from: 5, to: 6 }]);
  assert.deepEqual(view.resolveSet([{ from: 100, to: 100 }], "uid"), []);
});

Deno.test("`SelectedMailbox` announces new mail even when the \\Recent claim fails", async () => {
  const view = new SelectedMailbox(INFO, Uint32Array.from([6]), false, {
    claimRecent: () => Promise.reject(new Error("mailbox deleted")),
  });
  view.handleEvent({ type: "append", mailboxId: 1, uids: [7] });
  assert.deepEqual(await updates(view), ["* 2 EXISTS", "* 0 RECENT"]);
});

Deno.test("`SelectedMailbox.seqsOf()` gives seqOf() of each UID, ascending, unsorted, few or many", () => {
  const uids = Uint32Array.from({ length: 1000 }, (_, i) => 3 * i + 2);
  const view = new SelectedMailbox({ ...INFO, uidNext: 3000 }, uids, false);
  const cases: number[][] = [
    [],
    [2, 5, 8, 9, 3000], // few: a search each; 9 and 3000 are not here
    Array.from({ length: 2000 }, (_, i) => i + 1), // many, ascending: one walk
    [...Array.from({ length: 600 }, (_, i) => 600 - i), 2, 1], // many, descending
    [...Array.from({ length: 600 }, (_, i) => i * 3 + 2), 5, 2998], // ascending, then not
  ];
  for (const list of cases) {
    assert.deepEqual(view.seqsOf(list), list.map((uid) => view.seqOf(uid)));
  }
  assert.deepEqual(view.seqsOf([2, 3, 5, 2999, 3000]), [1, 0, 2, 1000, 0]);
});
