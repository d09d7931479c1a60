/**
 * imapflow against UTF8=ACCEPT (RFC 6855): imapflow enables it right after
 * login and then sends and reads mailbox names as UTF-8; a second, plain
 * session sees the same mailbox under its modified UTF-7 name.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { connectImapflow } from "../_support/imapflow.ts";

Deno.test("imapflow: ENABLE UTF8=ACCEPT, UTF-8 mailbox names and header text", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  const flow = await connectImapflow(srv.port);
  try {
    assert.ok(flow.enabled.has("UTF8=ACCEPT"));
    await flow.mailboxCreate("Größe/日本");
    const list = await flow.list();
    assert.ok(list.some((m) => m.path === "Größe/日本"), JSON.stringify(list.map((m) => m.path)));
    const raw = "From: Jörg <j@example.org>\r\nSubject: Grüße aus Köln\r\n\r\nHallo\r\n";
    const appended = await flow.append("Größe/日本", raw);
    assert.equal((appended as { uid?: number }).uid, 1);
    const status = await flow.status("Größe/日本", { messages: true });
    assert.equal(status.messages, 1);
    await flow.mailboxOpen("Größe/日本");
    const msg = await flow.fetchOne("1", { envelope: true });
    assert.ok(msg);
    assert.equal(msg.envelope?.subject, "Grüße aus Köln");
    assert.equal(msg.envelope?.from?.[0]?.name, "Jörg");

    // A session without ENABLE UTF8=ACCEPT names it in modified UTF-7.
    const plain = await TestClient.connect(srv.port);
    await plain.login("alice", "alice-pw");
    const reply = await plain.command('LIST "" "Gr*"');
    assert.ok(reply.untagged.includes('* LIST (\\HasNoChildren) "/" Gr&APYA3w-e/&ZeVnLA-'));
    plain.close();
  } finally {
    await flow.logout().catch(() => {});
    await srv.close();
  }
});
