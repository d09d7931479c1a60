/**
 * Python's imaplib driving NOTIFY (RFC 5465) as raw commands against the
 * server started as a user starts it: session A watches a mailbox it has
 * not selected; session B appends, flags and expunges there. A reads the
 * STATUS notifications as they are pushed, between commands (no NOOP), with
 * a socket timeout so a missing one fails rather than hangs. Then A selects
 * INBOX with a "selected" group and sees B's append there as EXISTS and the
 * FETCH it asked for.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, re, sys
imaplib.Commands["NOTIFY"] = ("AUTH", "SELECTED")
port = int(sys.argv[1])
a = imaplib.IMAP4("127.0.0.1", port)
a.login("alice", "pw")
b = imaplib.IMAP4("127.0.0.1", port)
b.login("alice", "pw")
print("NOTIFY" in a.capability()[1][0].decode().split())
b.create("Work")
typ, _ = a._simple_command("NOTIFY", "SET", "STATUS", "(subtree Work (MessageNew MessageExpunge FlagChange))")
print(typ, [s.decode().split(" UIDVALIDITY")[0] for s in a.response("STATUS")[1]])
a.sock.settimeout(10)
def pushed():
    return re.sub(r"UIDVALIDITY \d+", "UIDVALIDITY v", a.readline().decode().strip())
b.append("Work", None, None, b"Subject: one\r\n\r\nbody\r\n")
print(pushed())
b.select("Work")
b.store("1", "+FLAGS.SILENT", "(\\Seen)")
print(pushed())
b.store("1", "+FLAGS.SILENT", "(\\Deleted)")
print(pushed())
b.expunge()
print(pushed())
# The selected mailbox: EXISTS and the FETCH asked for, pushed.
a.select("INBOX")
typ, _ = a._simple_command("NOTIFY", "SET", "(selected (MessageNew (UID RFC822.SIZE) MessageExpunge))")
print(typ)
b.append("INBOX", None, None, b"Subject: two\r\n\r\nbody\r\n")
print([a.readline().decode().strip() for _ in range(3)])
# NOTIFY NONE: B's next append in Work is not told (NOOP finds nothing).
print(a._simple_command("NOTIFY", "NONE")[0])
b.append("Work", None, None, b"Subject: three\r\n\r\nbody\r\n")
a.noop()
print(a.response("STATUS"))
a.logout()
b.logout()
`;

Deno.test("Python imaplib: NOTIFY pushes another session's changes between commands", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-notify-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True");
  assert.equal(lines[1], "OK ['Work (MESSAGES 0 UIDNEXT 1']");
  // FlagChange asked for: STATUS carries UNSEEN.
  assert.equal(lines[2], "* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY v UNSEEN 1)");
  assert.equal(lines[3], "* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY v UNSEEN 0)");
  assert.equal(lines[4], "* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY v UNSEEN 0)");
  assert.equal(lines[5], "* STATUS Work (MESSAGES 0 UIDNEXT 2 UIDVALIDITY v UNSEEN 0)");
  assert.equal(lines[6], "OK");
  assert.equal(lines[7], "['* 1 EXISTS', '* 1 RECENT', '* 1 FETCH (UID 1 RFC822.SIZE 22)']");
  assert.equal(lines[8], "OK");
  assert.equal(lines[9], "('STATUS', [None])");
});
