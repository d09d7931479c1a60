/**
 * An MTA that loses the connection after sending the message text retries
 * the whole transaction. When the server knows its 250 did not go out (the
 * write failed: on a unix socket the peer's close makes it fail at once), the
 * retry is answered 250 without storing the message a second time.
 */
import assert from "node:assert/strict";
import { startLmtpServer } from "./_lmtp.ts";
import { TestClient } from "../_support/imap_client.ts";

const TRANSACTION =
  "LHLO mta.test\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<alice@example.org>\r\n" +
  "DATA\r\n";
const TEXT = "Subject: retried\r\nMessage-ID: <retry@example.net>\r\n\r\nonce\r\n.\r\n";

async function untilStored(count: () => Promise<number>, want: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await count() >= want) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never saw ${want} stored messages`);
}

Deno.test("LMTP: a retry after a reply that could not be written is not stored twice", async () => {
  const srv = await startLmtpServer();
  try {
    // The lost connection: everything up to the final dot, then gone.
    const lost = TestClient.wrap(await Deno.connect({ transport: "unix", path: srv.socket }));
    await lost.readLine();
    await lost.writeRaw(TRANSACTION);
    for (let i = 0; i < 10; i++) {
      if ((await lost.readLine()).startsWith("354")) break;
    }
    await lost.writeRaw(TEXT);
    lost.close();
    await untilStored(async () => (await srv.messages("alice")).length, 1);

    // The MTA's retry, on a new connection, gets 250 and nothing more is stored.
    const retry = TestClient.wrap(await Deno.connect({ transport: "unix", path: srv.socket }));
    try {
      await retry.readLine();
      await retry.writeRaw(TRANSACTION);
      let line = "";
      while (!line.startsWith("354")) line = await retry.readLine();
      await retry.writeRaw(TEXT);
      assert.equal(await retry.readLine(), "250 2.0.0 <alice@example.org> delivered");
      // A third, new delivery of the same text is a new message: only a failed reply is remembered.
      await retry.writeRaw("MAIL FROM:<a@example.net>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n");
      line = "";
      while (!line.startsWith("354")) line = await retry.readLine();
      await retry.writeRaw(TEXT);
      assert.equal(await retry.readLine(), "250 2.0.0 <alice@example.org> delivered");
    } finally {
      retry.close();
    }
    const inbox = await srv.messages("alice");
    assert.equal(inbox.length, 2);
  } finally {
    await srv.close();
  }
});
