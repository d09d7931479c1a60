/**
 * BINARY (RFC 3516) with data that holds NUL, over a real socket: literal8 in
 * APPEND, literal8 in FETCH BINARY, and NUL kept out of BODY literals.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { checkResponses } from "../_support/response_grammar.ts";
import { concatBytes } from "../../lib/bytes.ts";

const enc = new TextEncoder();

Deno.test("BINARY: literal8 APPEND keeps NUL; FETCH BINARY answers with literal8, BODY with 0x80", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    await c.login("alice", "alice-pw");
    const header = "Subject: nul\r\nMIME-Version: 1.0\r\n" +
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
    const message = concatBytes([
      enc.encode(
        header + "--b\r\nContent-Type: application/octet-stream\r\n" +
          "Content-Transfer-Encoding: binary\r\n\r\n",
      ),
      new Uint8Array([0x61, 0x00, 0x62, 0x01, 0x00]),
      enc.encode(
        "\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n" +
          "--b\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n",
      ),
    ]);
    await c.writeRaw(
      concatBytes([
        enc.encode(`b1 APPEND INBOX ~{${message.length}+}\r\n`),
        message,
        enc.encode("\r\n"),
      ]),
    );
    assert.match(await c.readLine(), /^b1 OK \[APPENDUID \d+ 1\]/);
    await c.command("EXAMINE INBOX");

    const transcript: Uint8Array[] = [];
    // Lines come back decoded as UTF-8: lossless here, as long as no 0x80 is among them.
    const fetch = async (tag: string, items: string) => {
      const cmd = `${tag} FETCH 1 ${items}\r\n`;
      await c.writeRaw(cmd);
      const reply = await c.readUntilTagged(tag);
      transcript.push(enc.encode([...reply.untagged, reply.tagged, ""].join("\r\n")));
      return reply;
    };
    // Raw binary part: NUL inside, so literal8 (RFC 3516 §4.5).
    let r = await fetch("b2", "BINARY.PEEK[1]");
    assert.equal(r.untagged[0], "* 1 FETCH (BINARY[1] ~{5}\r\na\0b\x01\0)");
    // base64 "AAEC" is 00 01 02: NUL again; "aGk=" is "hi": no NUL, a plain literal.
    r = await fetch("b3", "(BINARY.PEEK[2] BINARY.PEEK[3] BINARY.SIZE[1] BINARY.SIZE[2])");
    assert.equal(
      r.untagged[0],
      "* 1 FETCH (BINARY[2] ~{3}\r\n\0\x01\x02 BINARY[3] {2}\r\nhi BINARY.SIZE[1] 5 BINARY.SIZE[2] 3)",
    );
    // A partial range of decoded data.
    r = await fetch("b4", "BINARY.PEEK[1]<1.2>");
    assert.equal(r.untagged[0], "* 1 FETCH (BINARY[1]<1> ~{2}\r\n\0b)");
    // Everything so far parses by the strict grammar (literal8 where allowed).
    checkResponses(concatBytes(transcript));
    // BODY and RFC822 data never carry NUL (RFC 3501 §4.3.1): 0x80 in its place, same length.
    r = await fetch("b5", "(RFC822.SIZE BODY.PEEK[1] BODY.PEEK[])");
    const line = r.untagged[0];
    assert.ok(!line.includes("\0"), JSON.stringify(line));
    assert.ok(line.startsWith(`* 1 FETCH (RFC822.SIZE ${message.length} BODY[1] {5}\r\na\ufffdb`));
    assert.ok(line.includes(`BODY[] {${message.length}}`));
    c.close();
  } finally {
    await srv.close();
  }
});
