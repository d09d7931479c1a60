/**
 * NOTIFY's notifier (RFC 5465) on a real libSQL store: what another process
 * changed reaches it through pollAccount(), and too many waiting
 * notifications turn into one [NOTIFICATIONOVERFLOW] and an end of
 * listening (§5.8).
 */
import assert from "node:assert/strict";
import { openSqlStore } from "../../lib/store/imapsql.ts";
import { Notifier, type WatchGroup } from "../../lib/server/notify.ts";
import type { NotifyEvent } from "../../lib/protocol/commands/notify.ts";
import { ResponseEncoder } from "../../lib/wire/encoder.ts";
import { openTestStore } from "../store/sql/_helpers.ts";
import { parseImapSqlConfig } from "../../lib/config/storage.ts";

const text = (enc: ResponseEncoder) => new TextDecoder().decode(enc.takeBytes());

function personal(...events: NotifyEvent[]): WatchGroup {
  return { filter: { kind: "personal" }, events: new Set(events), fetch: null, names: [] };
}

Deno.test("NOTIFY: another process's append reaches the notifier at pollAccount()", async () => {
  const t = await openTestStore("file");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const work = await acct.createMailbox("Work");
    const n = new Notifier(acct, [personal("MessageNew", "MessageExpunge")], () => null);
    await n.start();
    await acct.pollAccount(); // the first look only learns what is there
    // A second store on the same file stands for the CLI.
    const options = parseImapSqlConfig(
      { dsn: "file:mail.db" },
      "storage.imapsql.test",
      { stateDir: t.dir },
    );
    const other = await openSqlStore(options);
    try {
      const otherAcct = (await other.openAccount("a"))!;
      await otherAcct.append(work.id, { content: new TextEncoder().encode("Subject: x\r\n\r\n") });
      await otherAcct.createMailbox("Later");
    } finally {
      await other.close();
    }
    assert.equal(n.hasPending, false);
    await acct.pollAccount();
    assert.equal(n.hasPending, true);
    const enc = new ResponseEncoder();
    assert.equal(await n.write(enc, false, false), true);
    const out = text(enc);
    assert.match(out, /^\* STATUS Work \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+\)\r\n/m);
    n.stop();
  } finally {
    await t.cleanup();
  }
});

Deno.test("NOTIFY: past the limit of waiting notifications, one NOTIFICATIONOVERFLOW", async () => {
  const t = await openTestStore("memory");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const n = new Notifier(acct, [personal("SubscriptionChange")], () => null, 3);
    await n.start();
    for (let i = 0; i < 5; i++) await acct.setSubscribed(`box${i}`, true);
    const enc = new ResponseEncoder();
    assert.equal(await n.write(enc, false, false), false);
    assert.equal(
      text(enc),
      "* OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off\r\n",
    );
    n.stop();
  } finally {
    await t.cleanup();
  }
});
