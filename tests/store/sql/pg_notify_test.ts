/**
 * Cross-node wake-ups (pg_listen.ts, migration 11): a store watching a
 * mailbox learns of a change another store (node) commits to the same
 * PostgreSQL database without anyone calling poll(): the trigger's
 * pg_notify wakes its listening connection, which polls. Ignored, with the
 * reason printed, where no cluster can be started.
 */
import assert from "node:assert/strict";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import type { MailboxEvent } from "../../../lib/store/mail_store.ts";
import { postgres } from "../../_support/postgres.ts";
import { message } from "./_helpers.ts";

const cluster = await postgres();
const ignore = cluster === null;

/** Resolves with the first event `pick` accepts; rejects after a generous timeout. */
function nextEvent(
  events: MailboxEvent[],
  pick: (e: MailboxEvent) => boolean,
): Promise<MailboxEvent> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = events.find(pick);
      if (found) return resolve(found);
      if (Date.now() > deadline) {
        return reject(new Error(`no such event; got ${JSON.stringify(events)}`));
      }
      setTimeout(look, 20);
    };
    look();
  });
}

Deno.test({
  name:
    "a store watching a mailbox hears of another node's append, flag change and expunge unpolled",
  ignore,
  async fn() {
    const dsn = await cluster!.createMigratedDatabase();
    const options = parseImapSqlConfig({ driver: "postgres", dsn }, "storage.imapsql.t", {
      stateDir: "/nonexistent",
    });
    const a = await openSqlStore(options);
    const b = await openSqlStore(options);
    try {
      const accA = (await a.openAccount("alice", { create: true }))!;
      const accB = (await b.openAccount("alice"))!;
      const inbox = (await accA.getMailbox("INBOX"))!;
      await accA.select(inbox.id);
      const events: MailboxEvent[] = [];
      const stop = accA.watch(inbox.id, (e) => events.push(e));
      try {
        const { uid } = await accB.append(inbox.id, { content: message(1) });
        const append = await nextEvent(events, (e) => e.type === "append");
        assert.deepEqual(append.type === "append" && append.uids, [uid]);

        await accB.storeFlags(inbox.id, [{ from: uid, to: uid }], "add", ["\\Deleted"]);
        const flags = await nextEvent(events, (e) => e.type === "flags");
        assert.ok(flags.type === "flags" && flags.changes[0].flags.includes("\\Deleted"));

        await accB.expunge(inbox.id);
        const gone = await nextEvent(events, (e) => e.type === "expunge");
        assert.deepEqual(gone.type === "expunge" && gone.uids, [uid]);
      } finally {
        stop();
      }
    } finally {
      await a.close();
      await b.close();
    }
  },
});
