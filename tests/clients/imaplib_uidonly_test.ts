/**
 * Python's imaplib, a client nobody here wrote, against the server started
 * as a user starts it: UIDONLY (RFC 9586) driven through imaplib's UID
 * commands (imaplib files the UIDFETCH and VANISHED responses it does not
 * know under their names), and a message with UTF-8 header fields fetched
 * by a session without UTF8=ACCEPT (an ASCII ENVELOPE that Python's own
 * RFC 2047 decoder reads back, RFC 6855 §7) and by one with it.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import email.header, imaplib, re, sys
port = int(sys.argv[1])
m = imaplib.IMAP4("127.0.0.1", port)
m.login("alice", "pw")
print("UIDONLY" in m.capability()[1][0].decode().split())
msg = "From: Jörg Müller <joerg@example.com>\r\nSubject: Grüße aus Köln\r\n\r\nhi\r\n".encode()
for i in range(3):
    m.append("INBOX", None, None, msg)
print(m._simple_command("ENABLE", "UIDONLY")[0], m.response("ENABLED")[1])
m.select("INBOX")
try:
    m.fetch("1", "(FLAGS)")
except imaplib.IMAP4.error as e:
    print("BAD", "[UIDREQUIRED]" in str(e))
typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
print(typ, [d.decode() for d in m.response("UIDFETCH")[1]])
m.uid("STORE", "2", "+FLAGS.SILENT", "(\\Deleted)")
m.expunge()
print([d.decode() for d in m.response("VANISHED")[1]], m.response("EXPUNGE")[1])

# The same 8-bit header through a session without UTF8=ACCEPT ...
typ, data = m.uid("FETCH", "1", "(ENVELOPE)")
env = m.response("UIDFETCH")[1][0]
print(all(b < 0x80 for b in env))
subject = re.search(rb'ENVELOPE \(NIL "([^"]*)"', env).group(1).decode()
name = re.search(rb'\(\("([^"]*)" NIL "joerg" "example.com"\)\)', env).group(1).decode()
dec = lambda s: str(email.header.make_header(email.header.decode_header(s)))
print(dec(subject), "|", dec(name))
m.logout()

# ... and through one with it: the envelope as stored.
u = imaplib.IMAP4("127.0.0.1", port)
u.login("alice", "pw")
u._simple_command("ENABLE", "UTF8=ACCEPT")
u.select("INBOX")
typ, data = u.fetch("1", "(ENVELOPE)")
print(re.search(rb'ENVELOPE \(NIL "([^"]*)"', data[0]).group(1).decode("utf-8"))
u.logout()
`;

Deno.test("Python imaplib: UIDONLY, and 8-bit headers for legacy and UTF8=ACCEPT sessions", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-uidonly-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True");
  assert.equal(lines[1], "OK [b'UIDONLY']");
  assert.equal(lines[2], "BAD True");
  assert.equal(
    lines[3],
    "OK ['1 (FLAGS (\\\\Recent))', '2 (FLAGS (\\\\Recent))', '3 (FLAGS (\\\\Recent))']",
  );
  assert.equal(lines[4], "['2'] [None]");
  assert.equal(lines[5], "True");
  assert.equal(lines[6], "Grüße aus Köln | Jörg Müller");
  assert.equal(lines[7], "Grüße aus Köln");
  assert.equal(lines.length, 8, text);
});
