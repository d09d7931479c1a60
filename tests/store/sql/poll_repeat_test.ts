/**
 * A poll that runs while this process commits a flag change must not tell
 * the watchers of that change a second time: the session that made it
 * would send an unsolicited FETCH for its own STORE (seen on PostgreSQL,
 * where every commit's notification woke a poll of its own). Each round
 * commits a change with a poll under way beside it, and the flag events
 * are counted: one per change, none repeated.
 */
import assert from "node:assert/strict";
import type { MailboxEvent } from "../../../lib/store/mail_store.ts";
import { KINDS, message, on, openTestStore } from "./_helpers.ts";

for (const kind of KINDS) {
  Deno.test({
    name: `a poll beside this process's own STORE repeats no event (${kind})`,
    ...on(kind),
    async fn() {
      // PostgreSQL, where the queries of a poll and of a commit overlap, gets more rounds.
      const ROUNDS = kind === "postgres" ? 300 : 60;
      const t = await openTestStore(kind);
      try {
        const acc = (await t.store.openAccount("alice", { create: true }))!;
        const inbox = (await acc.getMailbox("INBOX"))!;
        const { uid } = await acc.append(inbox.id, { content: message(1) });
        await acc.select(inbox.id);
        const events: MailboxEvent[] = [];
        const stop = acc.watch(inbox.id, (e) => events.push(e));
        try {
          for (let i = 0; i < ROUNDS; i++) {
            const storing = acc.storeFlags(
              inbox.id,
              [{ from: uid, to: uid }],
              i % 2 ? "remove" : "add",
              ["\\Flagged"],
            );
            // The poll starts 0 to 29 timer turns later, so some round has it
            // read the mailbox row after the commit and the changes after
            // the commit's event went out.
            const polling = (async () => {
              for (let k = 0; k < i % 30; k++) await new Promise((r) => setTimeout(r, 0));
              await acc.poll(inbox.id);
            })();
            await storing;
            await polling;
          }
          // Notifications of our own commits (PostgreSQL) come after the commit.
          await new Promise((r) => setTimeout(r, 300));
          await acc.poll(inbox.id);
        } finally {
          stop();
        }
        const seen = events.flatMap((e) =>
          e.type === "flags" ? e.changes.map((c) => c.modSeq) : []
        );
        assert.equal(new Set(seen).size, ROUNDS, `flag events by MODSEQ: ${seen.join(" ")}`);
        assert.equal(seen.length, ROUNDS, `flag events by MODSEQ: ${seen.join(" ")}`);
        assert.ok(
          events.every((e) => e.type === "flags"),
          JSON.stringify(events.map((e) => e.type)),
        );
      } finally {
        await t.cleanup();
      }
    },
  });
}
