/**
 * A server with alice's INBOX holding some messages and a client logged in
 * with INBOX selected (or examined): the setup FETCH and STORE tests share.
 */
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "./server.ts";
import { TestClient } from "./imap_client.ts";
import type { AccountStore } from "../../lib/store/mail_store.ts";

const te = new TextEncoder();

export interface Fixture {
  srv: TestServer;
  account: AccountStore;
  inbox: number;
  uids: number[];
  client: TestClient;
}

/** The internal date every fixture message gets. */
export const DATE = new Date(Date.UTC(2024, 0, 5, 3, 4, 5));

export function message(n: number, body = `Body of message ${n}.\r\n`): string {
  return `From: "Sender ${n}" <s${n}@example.com>\r\nTo: rcpt@example.org\r\n` +
    `Subject: Message ${n}\r\nMessage-ID: <m${n}@example.com>\r\n\r\n${body}`;
}

export async function withMailbox(
  messages: string[],
  select = "SELECT",
  body?: (f: Fixture) => Promise<void>,
): Promise<void> {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  const client = await TestClient.connect(srv.port);
  try {
    const account = (await srv.store.openAccount("alice", { create: true }))!;
    const inbox = (await account.getMailbox("INBOX"))!.id;
    const uids: number[] = [];
    for (const m of messages) {
      uids.push((await account.append(inbox, { content: te.encode(m), internalDate: DATE })).uid);
    }
    await client.login("alice", "alice-pw");
    const sel = await client.command(`${select} INBOX`);
    assert.match(sel.tagged, /^\S+ OK/);
    await body?.({ srv, account, inbox, uids, client });
  } finally {
    client.close();
    await srv.close();
  }
}
