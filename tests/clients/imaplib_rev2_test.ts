/**
 * Python's imaplib against IMAP4rev2 (RFC 9051), PREVIEW (RFC 8970) and
 * UNAUTHENTICATE (RFC 8437), as raw commands, on the server started as a
 * user starts it. imaplib knows neither UNAUTHENTICATE nor a return to the
 * not-authenticated state: the script adds the command to its table and
 * sets its state back itself.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
print("IMAP4rev2" in m.capabilities, "IMAP4REV2" in m.capabilities)
m.login("alice", "pw")
print(all(c in m.capability()[1][0].decode().split() for c in ("PREVIEW", "UNAUTHENTICATE")))
m.append("INBOX", None, None, b"Subject: s\r\nContent-Type: text/html\r\n\r\n<p>Hi <b>there</b></p>\r\n")
m.append("INBOX", None, None, b"Subject: t\r\n\r\nPlain  text\r\n")
typ, data = m._simple_command("ENABLE", "IMAP4rev2")
print(typ, m.response("ENABLED")[1])
typ, data = m.select("INBOX")
print(typ, data, m.response("RECENT")[1], m.response("LIST")[1])
typ, _ = m._simple_command("SEARCH", "ALL")
print(typ, [d.decode() for d in m.response("ESEARCH")[1] if d], m.response("SEARCH")[1])
typ, data = m.fetch("1:2", "(PREVIEW)")
print(typ, [d.decode() for d in data])
try:
    m._simple_command("LSUB", '""', '"*"')
except imaplib.IMAP4.error as e:
    print("BAD", "LIST (SUBSCRIBED)" in str(e))
imaplib.Commands["UNAUTHENTICATE"] = ("AUTH", "SELECTED")
print(m._simple_command("UNAUTHENTICATE")[0])
m.state = "NONAUTH"
print("UNAUTHENTICATE" in m.capability()[1][0].decode().split())
m.login("alice", "pw")
typ, data = m.select("INBOX")
print(typ, data, m.response("RECENT")[1])
print(m.search(None, "ALL"))
m.logout()
`;

Deno.test("Python imaplib: ENABLE IMAP4rev2, FETCH PREVIEW and UNAUTHENTICATE", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-rev2-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  // imaplib upper-cases the greeting's capabilities.
  assert.equal(lines[0], "False True");
  assert.equal(lines[1], "True");
  assert.equal(lines[2], "OK [b'IMAP4rev2']");
  // rev2: no RECENT; the mailbox named in a LIST response.
  assert.equal(lines[3], `OK [b'2'] [None] [b'() "/" INBOX']`);
  assert.match(lines[4], /^OK \['\(TAG "\w+"\) ALL 1:2'\] \[None\]$/);
  assert.equal(lines[5], `OK ['1 (PREVIEW "Hi there")', '2 (PREVIEW "Plain text")']`);
  assert.equal(lines[6], "BAD True");
  assert.equal(lines[7], "OK");
  assert.equal(lines[8], "False");
  // A new login is IMAP4rev1 again: RECENT, and SEARCH answered with SEARCH.
  assert.equal(lines[9], "OK [b'2'] [b'2']");
  assert.equal(lines[10], "('OK', [b'1 2'])");
});
