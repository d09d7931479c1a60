/**
 * Python's imaplib driving REPLACE and UID REPLACE (RFC 8508) as raw
 * commands against the server started as a user starts it: the message goes
 * as a literal through imaplib's own literal handling, the untagged
 * OK [APPENDUID] and EXPUNGE come back before the tagged OK.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys
imaplib.Commands["REPLACE"] = ("SELECTED",)
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice", "pw")
print("REPLACE" in m.capability()[1][0].decode().split())
m.create("Drafts")
for i in range(3):
    m.append("Drafts", "(\\Draft)", None, b"Subject: draft %d\r\n\r\nversion 1\r\n" % i)
m.select("Drafts")
def replace(*args, uid=False):
    m.literal = b"Subject: draft 1\r\n\r\nversion 2\r\n"
    typ, data = m.uid("REPLACE", *args) if uid else m._simple_command("REPLACE", *args)
    return typ, m.response("APPENDUID")[1], m.response("EXPUNGE")[1]
print(replace("2", "Drafts", "(\\Draft \\Seen)"))
typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[TEXT])")
print([d[0].decode() + d[1].decode().strip() for d in data if isinstance(d, tuple)])
print(replace("4", "INBOX", "(\\Seen)", uid=True))
print(m.uid("SEARCH", None, "ALL"))
print(m.status("INBOX", "(MESSAGES)"))
m.literal = b"Subject: x\r\n\r\nx\r\n"
typ, data = m.uid("REPLACE", "99", "Drafts")
print(typ, b"[NONEXISTENT]" in data[0])
print(m.uid("SEARCH", None, "ALL"))
m.logout()
`;

Deno.test("Python imaplib: REPLACE and UID REPLACE", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-replace-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True");
  assert.match(lines[1], /^\('OK', \[b'\d+ 4'\], \[b'2'\]\)$/);
  // Python writes the list with its backslashes doubled.
  assert.ok(lines[2].includes("'3 (UID 4 FLAGS (\\\\Seen \\\\Draft"), lines[2]);
  assert.ok(lines[2].endsWith("{11}version 2']"), lines[2]);
  assert.doesNotMatch(lines[2], /UID 2 /);
  assert.match(lines[3], /^\('OK', \[b'\d+ 1'\], \[b'3'\]\)$/);
  assert.equal(lines[4], "('OK', [b'1 3'])");
  assert.equal(lines[5], "('OK', [b'INBOX (MESSAGES 1)'])");
  assert.equal(lines[6], "NO True");
  // The failed UID REPLACE changed nothing.
  assert.equal(lines[7], "('OK', [b'1 3'])");
});
