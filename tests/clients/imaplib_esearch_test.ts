/**
 * Python's imaplib driving the extended SEARCH as raw commands: ESEARCH
 * (RFC 4731), SEARCHRES "$" (RFC 5182), PARTIAL (RFC 9394), WITHIN
 * (RFC 5032), SAVEDATE (RFC 8514) and OBJECTID (RFC 8474), against the
 * server started as a user starts it. imaplib keeps the untagged ESEARCH
 * responses it does not know in `untagged_responses`; `response()` takes them.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice", "pw")
caps = m.capability()[1][0].decode().split()
print(all(c in caps for c in ("ESEARCH", "SEARCHRES", "PARTIAL", "WITHIN", "SAVEDATE", "OBJECTID")))
for i in range(6):
    flags = "(\\Seen)" if i % 2 == 0 else None
    m.append("INBOX", flags, '"05-Jan-2024 00:00:00 +0000"', b"Subject: m%d\r\n\r\nbody %d\r\n" % (i, i))
typ, data = m.select("INBOX")
print(typ, data[0].decode(), m.response("MAILBOXID")[1][0].decode().startswith("(F"))
def esearch(*args, uid=False):
    typ, _ = m.uid("SEARCH", *args) if uid else m._simple_command("SEARCH", *args)
    return typ, [d.decode() for d in m.response("ESEARCH")[1] if d is not None]
print(esearch("RETURN", "(MIN MAX COUNT ALL)", "UNSEEN"))
print(esearch("RETURN", "(PARTIAL -1:-2)", "ALL", uid=True))
print(esearch("RETURN", "(SAVE)", "SEEN"))
typ, data = m.fetch("$", "(UID)")
print(typ, [d.decode() for d in data])
print(m.store("$", "+FLAGS.SILENT", "(\\Flagged)")[0])
print(m.search(None, "FLAGGED"))
print(esearch("RETURN", "(COUNT)", "YOUNGER", "3600"))
print(esearch("RETURN", "(COUNT)", "OLDER", "3600"))
print(esearch("RETURN", "(COUNT)", "SAVEDSINCE", "1-Jan-2020"))
typ, data = m.fetch("1", "(EMAILID THREADID SAVEDATE)")
print(typ, data[0].decode().split(" SAVEDATE ")[0])
print(m.status("INBOX", "(MAILBOXID MESSAGES)")[1][0].decode().split(" MESSAGES ")[1])
try:
    m._simple_command("SEARCH", "RETURN", "(PARTIAL 1:5 ALL)", "ALL")
except imaplib.IMAP4.error as e:
    print("BAD", "ALL or PARTIAL" in str(e))
m.logout()
`;

Deno.test("Python imaplib: ESEARCH, SEARCHRES, PARTIAL, WITHIN, SAVEDATE and OBJECTID", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-esearch-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True");
  assert.equal(lines[1], "OK 6 True");
  assert.match(lines[2], /^\('OK', \['\(TAG "\w+"\) MIN 2 MAX 6 ALL 2,4,6 COUNT 3'\]\)$/);
  assert.match(lines[3], /^\('OK', \['\(TAG "\w+"\) UID PARTIAL \(-1:-2 5:6\)'\]\)$/);
  // SAVE alone: no ESEARCH response at all.
  assert.equal(lines[4], "('OK', [])");
  assert.equal(lines[5], "OK ['1 (UID 1)', '3 (UID 3)', '5 (UID 5)']");
  assert.equal(lines[6], "OK");
  assert.equal(lines[7], "('OK', [b'1 3 5'])");
  // Internal dates are from 2024: none younger than an hour, all older.
  assert.match(lines[8], /^\('OK', \['\(TAG "\w+"\) COUNT 0'\]\)$/);
  assert.match(lines[9], /^\('OK', \['\(TAG "\w+"\) COUNT 6'\]\)$/);
  assert.match(lines[10], /^\('OK', \['\(TAG "\w+"\) COUNT 6'\]\)$/);
  assert.match(lines[11], /^OK 1 \(EMAILID \(M[0-9a-f]{64}\) THREADID \(T[0-9a-f]{32}\)$/);
  assert.equal(lines[12], "6)");
  assert.equal(lines[13], "BAD True");
});
