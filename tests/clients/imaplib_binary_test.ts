/**
 * Python's imaplib (a client nobody here wrote) against BINARY (RFC 3516) and
 * UTF8=ACCEPT (RFC 6855): FETCH BINARY.PEEK and BINARY.SIZE read through
 * imaplib's own literal handling (literal8 included), and imaplib's ENABLE
 * switches it to UTF-8 mailbox names.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys, base64
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice", "pw")
caps = m.capability()[1][0].decode().split()
print("BINARY" in caps, "MULTIAPPEND" in caps, "UTF8=ACCEPT" in caps)
payload = bytes([0, 1, 2, 255, 0, 65])
msg = (b"Subject: bin\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
       b"--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n"
       b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
       + base64.b64encode(payload) + b"\r\n--b--\r\n")
print(m.append("INBOX", None, None, msg)[0])
m.select("INBOX", readonly=True)
typ, data = m.fetch("1", "(BINARY.SIZE[1] BINARY.SIZE[2])")
print(typ, data[0].decode())
typ, data = m.fetch("1", "(BINARY.PEEK[2])")
print(typ, data[0][0].decode(), data[0][1] == payload)
typ, data = m.fetch("1", "(BINARY.PEEK[1])")
print(typ, data[0][1].decode("utf-8"))
m.close()
typ, data = m.enable("UTF8=ACCEPT")
print(typ, data)
print(m.create('"Größe"')[0])
typ, data = m.list('""', '"Gr*"')
print(typ, [d.decode("utf-8") for d in data])
print(m.logout()[0])
`;

Deno.test("Python imaplib: FETCH BINARY (literal8) and ENABLE UTF8=ACCEPT", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-binary-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  assert.deepEqual(text.trim().split("\n"), [
    "True True True",
    "OK",
    "OK 1 (BINARY.SIZE[1] 5 BINARY.SIZE[2] 6)",
    "OK 1 (BINARY[2] ~{6} True",
    "OK café",
    "OK [b'ENABLE completed']",
    "OK",
    `OK ['(\\\\HasNoChildren) "/" "Größe"']`,
    "BYE",
  ]);
});
