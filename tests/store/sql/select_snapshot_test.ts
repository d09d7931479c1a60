/**
 * The SELECT snapshot describes one moment (lib/store/sql/sync.ts): while
 * other writers append and change flags, every snapshot's UIDNEXT is above
 * all its UIDs and its HIGHESTMODSEQ covers every MODSEQ its messages carry.
 */
import assert from "node:assert/strict";
import { collect, KINDS, message, on, openTestStore } from "./_helpers.ts";
import { SEEN } from "../../../lib/store/sql/flags.ts";

for (const kind of KINDS) {
  Deno.test(
    `SELECT snapshot is one moment under concurrent writes (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      let writer: Promise<void> = Promise.resolve();
      let stop = false;
      try {
        const acct = (await t.store.openAccount("alice", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!.id;
        let writing = true;
        writer = (async () => {
          for (let i = 0; i < 60 && !stop; i++) {
            const { uid } = await acct.append(inbox, { content: message(i) });
            await acct.storeFlags(inbox, [{ from: uid, to: uid }], "add", ["\\Seen"]);
          }
          writing = false;
        })();
        let snapshots = 0;
        while (writing) {
          // Let the writer's group commit (a timer) run between snapshots.
          await new Promise((r) => setTimeout(r, 0));
          const snap = await acct.select(inbox, { readOnly: true });
          snapshots++;
          const uids = [...snap.uids];
          if (uids.length > 0) {
            assert.ok(snap.mailbox.uidNext > uids[uids.length - 1], "UIDNEXT above every UID");
            const records = await collect(
              acct.fetch(inbox, uids.map((u) => ({ from: u, to: u })), { modSeq: true }),
            );
            // Messages changed after the snapshot may carry later MODSEQs; those
            // that were already \Seen at the snapshot must be covered by it.
            const seenThen = new Set(uids.filter((_, i) => (snap.flags![i] & SEEN) !== 0));
            for (const r of records) {
              if (seenThen.has(r.uid)) {
                assert.ok(
                  r.modSeq! <= snap.mailbox.highestModSeq,
                  "HIGHESTMODSEQ covers the flags",
                );
              }
            }
          }
        }
        await writer;
        assert.ok(snapshots > 0);
      } finally {
        // A failed assertion must not leave the writer running on a closed store.
        stop = true;
        await writer.catch(() => {});
        await t.cleanup();
      }
    },
  );
}
