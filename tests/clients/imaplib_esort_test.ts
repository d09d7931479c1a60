/**
 * Python's imaplib driving ESORT (RFC 5267 §3) and SORT=DISPLAY (RFC 5957)
 * as raw commands against the server started as a user starts it: imaplib's
 * own `sort()` for a plain SORT, and SORT RETURN (...) whose ESEARCH answer
 * imaplib keeps in `untagged_responses`.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice", "pw")
caps = m.capability()[1][0].decode().split()
print(all(c in caps for c in ("ESORT", "SORT=DISPLAY", "SORT")))
people = [b'"Yves" <a@x.org>', b"c@x.org", b"Bea <z@x.org>", b"=?UTF-8?Q?Xavier?= <b@x.org>"]
for i, who in enumerate(people):
    m.append("INBOX", None, '"0%d-Jan-2024 00:00:00 +0000"' % (i + 1),
             b"From: " + who + b"\r\nSubject: s%d\r\n\r\nbody\r\n" % i)
m.select("INBOX")
print(m.sort("(DISPLAYFROM)", "UTF-8", "ALL"))
print(m.sort("(FROM)", "UTF-8", "ALL"))
def esort(*args, uid=False):
    typ, _ = m.uid("SORT", *args) if uid else m._simple_command("SORT", *args)
    return typ, [d.decode() for d in m.response("ESEARCH")[1] if d is not None]
print(esort("RETURN", "(MIN MAX COUNT)", "(DISPLAYFROM)", "UTF-8", "ALL"))
print(esort("RETURN", "()", "(REVERSE ARRIVAL)", "UTF-8", "ALL", uid=True))
print(esort("RETURN", "(SAVE PARTIAL 1:2)", "(DISPLAYFROM)", "UTF-8", "ALL"))
print(m.search(None, "$"))
try:
    m._simple_command("SORT", "RETURN", "(NOPE)", "(DATE)", "UTF-8", "ALL")
except imaplib.IMAP4.error as e:
    print("BAD", "NOPE" in str(e))
m.logout()
`;

Deno.test("Python imaplib: ESORT and SORT=DISPLAY", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-esort-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True");
  // Display names: Bea, c@x.org, Xavier (decoded), Yves.
  assert.equal(lines[1], "('OK', [b'3 2 4 1'])");
  // Mailbox parts: a, b, c, z.
  assert.equal(lines[2], "('OK', [b'1 4 2 3'])");
  assert.match(lines[3], /^\('OK', \['\(TAG "\w+"\) MIN 3 MAX 1 COUNT 4'\]\)$/);
  assert.match(lines[4], /^\('OK', \['\(TAG "\w+"\) UID ALL 4,3,2,1'\]\)$/);
  assert.match(lines[5], /^\('OK', \['\(TAG "\w+"\) PARTIAL \(1:2 3,2\)'\]\)$/);
  // "$" holds the page SAVE kept, ascending.
  assert.equal(lines[6], "('OK', [b'2 3'])");
  assert.equal(lines[7], "BAD True");
});
