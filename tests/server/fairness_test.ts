/**
 * No session waits on another: while one session's SEARCH TEXT reads every
 * body of a big mailbox, another session's NOOPs are answered. The test
 * asserts the order of the replies, never a duration.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

const enc = new TextEncoder();
const WORDS = ["meadow", "copper", "lantern", "harbour", "thistle", "granite", "ember", "willow"];

function message(i: number): Uint8Array {
  const lines: string[] = [];
  for (let l = 0; l < 120; l++) {
    lines.push(Array.from({ length: 10 }, (_, w) => WORDS[(i * 7 + l * 3 + w) % 8]).join(" "));
  }
  return enc.encode(
    `From: sender${i}@example.org\r\nTo: alice@example.org\r\nSubject: note ${i}\r\n` +
      `Message-ID: <${i}@fairness.test>\r\n\r\n${lines.join("\r\n")}\r\n`,
  );
}

Deno.test("a NOOP is answered while another session's SEARCH TEXT is still running", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  const searcher = await TestClient.connect(srv.port);
  let prober: TestClient | null = null;
  try {
    const account = (await srv.store.openAccount("alice", { create: true }))!;
    const inbox = (await account.getMailbox("INBOX"))!;
    const count = 1500;
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        Array.from(
          { length: Math.min(100, count - i) },
          (_, k) => account.append(inbox.id, { content: message(i + k) }),
        ),
      );
    }
    await searcher.login("alice", "alice-pw");
    assert.match((await searcher.command("SELECT INBOX")).tagged, /OK/);

    const order: string[] = [];
    // A word no message holds: the search must read every body to say so.
    await searcher.writeRaw('s1 SEARCH TEXT "quillwort"\r\n');
    const search = searcher.readUntilTagged("s1", 300_000).then((r) => {
      order.push("search");
      return r;
    });
    // A whole session meanwhile: greeting, LOGIN, SELECT, NOOPs.
    prober = await TestClient.connect(srv.port);
    await prober.login("alice", "alice-pw");
    assert.match((await prober.command("SELECT INBOX", 300_000)).tagged, /OK/);
    for (let n = 0; n < 3; n++) {
      const r = await prober.command("NOOP", 300_000);
      assert.match(r.tagged, /^\S+ OK/);
      order.push("noop");
    }
    const result = await search;
    assert.match(result.tagged, /^s1 OK/);
    assert.deepEqual(result.untagged, ["* SEARCH"]);
    assert.equal(order[0], "noop", `replies came in the order ${order.join(", ")}`);
  } finally {
    searcher.close();
    prober?.close();
    await srv.close();
  }
});
