/**
 * imapflow against BINARY (RFC 3516): imapflow sends a message holding NUL
 * as literal8 when BINARY is advertised, and asks BINARY.PEEK for body parts
 * with `binary: true` (BODY.PEEK would give base64 text and 0x80 for NUL).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { startTestServer } from "../_support/server.ts";
import { connectImapflow } from "../_support/imapflow.ts";

Deno.test("imapflow: append with NUL (literal8), fetch decoded parts with BINARY.PEEK", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  const flow = await connectImapflow(srv.port);
  try {
    assert.ok(flow.capabilities.has("BINARY"));
    const payload = Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff, 0x00, 0x41]);
    const message = Buffer.concat([
      Buffer.from(
        "Subject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
          "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
          "caf=C3=A9\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n",
      ),
      payload,
      Buffer.from(
        "\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
          payload.toString("base64") + "\r\n--b--\r\n",
      ),
    ]);
    const appended = await flow.append("INBOX", message);
    assert.equal((appended as { uid?: number }).uid, 1);
    await flow.mailboxOpen("INBOX");
    const msg = await flow.fetchOne("1", { bodyParts: ["1", "2", "3"] }, {
      uid: true,
      binary: true,
    });
    assert.ok(msg && msg.bodyParts);
    assert.equal(msg.bodyParts.get("1")?.toString("utf8"), "café");
    assert.deepEqual([...msg.bodyParts.get("2")!], [...payload]);
    assert.deepEqual([...msg.bodyParts.get("3")!], [...payload]);
    // BINARY.PEEK left \Seen alone.
    const flags = await flow.fetchOne("1", { flags: true }, { uid: true });
    assert.ok(flags && !flags.flags?.has("\\Seen"));
  } finally {
    await flow.logout().catch(() => {});
    await srv.close();
  }
});
