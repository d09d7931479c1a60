/**
 * Shared helpers of the store tests: real databases, libSQL in memory or in
 * a temp file, and PostgreSQL (a throw-away cluster, tests/_support/postgres.ts;
 * its tests are ignored, with the reason printed, where there is none).
 */
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { postgres } from "../../_support/postgres.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";
import type { SqlMailStore } from "../../../lib/store/sql/sql_store.ts";
import type { ImapSqlOptions } from "../../../lib/store/config.ts";
import type { AccountStore, MailboxInfo, MessageRecord } from "../../../lib/store/mail_store.ts";

export type Kind = "memory" | "file" | "postgres";
export const KINDS: Kind[] = ["memory", "file", "postgres"];

const cluster = await postgres();

/** Test options of a test on `kind`: PostgreSQL's are ignored without a cluster. */
export function on(kind: Kind): { ignore: boolean } {
  return { ignore: kind === "postgres" && cluster === null };
}

export interface TestStore {
  store: SqlMailStore;
  dir: string;
  reopen(): Promise<SqlMailStore>;
  cleanup(): Promise<void>;
}

/** A temp dir and the options of a new, empty store on `kind` (its database in that dir, or on the cluster). */
export async function testStoreOptions(
  kind: Kind,
  extra: Record<string, unknown> = {},
): Promise<{ dir: string; options: ImapSqlOptions }> {
  const dir = await Deno.makeTempDir({ prefix: "imapsql-test-" });
  const table = kind === "postgres"
    ? { driver: "postgres", dsn: await cluster!.createDatabase(), ...extra }
    : { dsn: kind === "memory" ? ":memory:" : "file:mail.db", ...extra };
  return { dir, options: parseImapSqlConfig(table, "storage.imapsql.test", { stateDir: dir }) };
}

export async function openTestStore(
  kind: Kind,
  extra: Record<string, unknown> = {},
): Promise<TestStore> {
  const { dir, options } = await testStoreOptions(kind, extra);
  const t: TestStore = {
    store: await openSqlStore(options),
    dir,
    async reopen() {
      await t.store.close();
      t.store = await openSqlStore(options);
      return t.store;
    },
    async cleanup() {
      await t.store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return t;
}

const enc = new TextEncoder();

export function message(n: number, extra = ""): Uint8Array {
  return enc.encode(
    `From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Message ${n}\r\n` +
      `Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <m${n}@example.org>\r\n${extra}\r\n` +
      `Body of message ${n}.\r\nSecond line.\r\n`,
  );
}

export async function collect(it: AsyncIterable<MessageRecord>): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

export const ALL = [{ from: 1, to: 0xffffffff }];

/** A fresh store of `kind` with account "a" created and its INBOX: the start of most store tests. */
export async function openInbox(
  kind: Kind,
): Promise<{ t: TestStore; acct: AccountStore; inbox: MailboxInfo }> {
  const t = await openTestStore(kind);
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    return { t, acct, inbox: (await acct.getMailbox("INBOX"))! };
  } catch (e) {
    await t.cleanup();
    throw e;
  }
}
