/**
 * Child of crash_test.ts: appends numbered messages to INBOX forever and
 * prints "OK <n> <uid>" after each append() resolves. The parent kills it
 * with SIGKILL at random moments.
 * Args: stateDir, first message number, msg_store ("db" or "fs").
 */
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import { crashMessage } from "./_crash_message.ts";

const [stateDir, first, msgStore] = Deno.args;
const table: Record<string, unknown> = { dsn: "file:crash.db" };
if (msgStore === "fs") table.msg_store = ["fs", "messages"];
const store = await openSqlStore(parseImapSqlConfig(table, "crash", { stateDir }));
const acct = (await store.openAccount("crash", { create: true }))!;
const inbox = (await acct.getMailbox("INBOX"))!;
const enc = new TextEncoder();
for (let n = Number(first);; n++) {
  const { uid } = await acct.append(inbox.id, { content: crashMessage(n), flags: ["\\Seen"] });
  Deno.stdout.writeSync(enc.encode(`OK ${n} ${uid}\n`));
}
