/**
 * Python's imaplib against the server started as a user starts it:
 * list, select, fetch envelope and bodystructure, search, append, flags,
 * copy + expunge as a move, UID commands.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys, time
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
print(m.login("alice", "pw")[0])
typ, boxes = m.list()
print(typ, sorted(b.decode().split(' "/" ')[1] for b in boxes))
msg = b"From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: =?utf-8?q?Caf=C3=A9?= plans\r\nDate: Tue, 4 Nov 2025 08:00:00 +0100\r\n\r\nMeet at the caf\xc3\xa9?\r\n"
for i in range(3):
    typ, data = m.append("INBOX", "(\\Seen)" if i == 0 else None, imaplib.Time2Internaldate(time.time()), msg)
    print(typ, data[0].decode().split("]")[0])
typ, data = m.select("INBOX")
print(typ, data[0].decode())
typ, data = m.fetch("1", "(ENVELOPE)")
print(typ, data[0].decode())
typ, data = m.fetch("2", "(BODYSTRUCTURE)")
print(typ, data[0].decode())
print(m.search(None, "SUBJECT", "Café".encode("utf-8").decode("latin-1")) if False else m.search("UTF-8", "BODY", b"caf\xc3\xa9"))
print(m.search(None, "UNSEEN"))
print(m.store("2", "+FLAGS", "(\\Flagged)"))
print(m.uid("SEARCH", None, "FLAGGED"))
print(m.copy("3", "Trash"))
print(m.store("3", "+FLAGS", "(\\Deleted)"))
print(m.expunge())
typ, data = m.fetch("1:*", "(UID FLAGS)")
print(typ, [d.decode() for d in data])
print(m.status("Trash", "(MESSAGES)"))
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print(typ, data[0][1].decode().strip())
print(m.logout()[0])
`;

Deno.test("Python imaplib: list, append, select, fetch, search, store, copy + expunge", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "OK");
  assert.equal(lines[1], "OK ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']");
  assert.match(lines[2], /^OK \[APPENDUID \d+ 1$/);
  assert.match(lines[4], /^OK \[APPENDUID \d+ 3$/);
  assert.equal(lines[5], "OK 3");
  assert.equal(
    lines[6],
    'OK 1 (ENVELOPE ("Tue, 4 Nov 2025 08:00:00 +0100" "=?utf-8?q?Caf=C3=A9?= plans" (("Bob" NIL "bob" "example.org")) (("Bob" NIL "bob" "example.org")) (("Bob" NIL "bob" "example.org")) ((NIL NIL "alice" "example.org")) NIL NIL NIL NIL))',
  );
  assert.match(
    lines[7],
    /^OK 2 \(BODYSTRUCTURE \("TEXT" "PLAIN" \("charset" "us-ascii"\) NIL NIL "7BIT" \d+ 1 NIL NIL NIL NIL\)\)$/,
  );
  assert.equal(lines[8], "('OK', [b'1 2 3'])");
  assert.equal(lines[9], "('OK', [b'2 3'])");
  // The three messages are \\Recent in this session, the first to select INBOX.
  assert.match(lines[10], /^\('OK', \[b'2 \(FLAGS \(\\\\Flagged \\\\Recent\)\)'\]\)$/);
  assert.equal(lines[11], "('OK', [b'2'])");
  assert.match(lines[12], /^\('OK', \[b'\[COPYUID \d+ 3 1\] COPY completed'\]\)$/);
  assert.equal(lines[14], "('OK', [b'3'])");
  assert.equal(
    lines[15],
    "OK ['1 (UID 1 FLAGS (\\\\Seen \\\\Recent))', '2 (UID 2 FLAGS (\\\\Flagged \\\\Recent))']",
  );
  assert.equal(lines[16], "('OK', [b'Trash (MESSAGES 1)'])");
  assert.equal(lines[17], "OK Subject: =?utf-8?q?Caf=C3=A9?= plans");
  assert.equal(lines[18], "BYE");
});

const LIST_STATUS_SCRIPT = String.raw`
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice", "pw")
caps = m.capability()[1][0].decode().split()
print("LIST-STATUS" in caps, "STATUS=SIZE" in caps)
m.create("Lists/Deno")
m.append("INBOX", None, None, b"Subject: a\r\n\r\nhello\r\n")
m.append("INBOX", "(\\Seen)", None, b"Subject: b\r\n\r\nhi\r\n")
m.append("Lists/Deno", None, None, b"Subject: c\r\n\r\nx\r\n")
# RFC 5819: one command answers LIST and STATUS for every mailbox listed.
typ, data = m._simple_command("LIST", '""', '"*"', "RETURN", "(STATUS (MESSAGES UNSEEN SIZE))")
print(typ)
for line in m.untagged_responses.pop("LIST"):
    print("LIST", line.decode())
for line in m.untagged_responses.pop("STATUS"):
    print("STATUS", line.decode())
typ, data = m._simple_command("LIST", '""', '"*"', "RETURN", "(STATUS (BOGUS))")
print(typ)
m.logout()
`;

Deno.test("Python imaplib: LIST ... RETURN (STATUS ...) (LIST-STATUS)", async () => {
  const out = await runImaplibScript(LIST_STATUS_SCRIPT, "imapd-imaplib-");
  const text = out.stdout;
  const err = out.stderr;
  // The refused RETURN option raises imaplib's error for BAD: the script stops there.
  assert.match(err, /BAD/);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True True");
  assert.equal(lines[1], "OK");
  const lists = lines.filter((l) => l.startsWith("LIST "));
  const statuses = lines.filter((l) => l.startsWith("STATUS "));
  assert.deepEqual(lists, [
    'LIST (\\HasNoChildren) "/" INBOX',
    'LIST (\\HasNoChildren \\Archive) "/" Archive',
    'LIST (\\HasNoChildren \\Drafts) "/" Drafts',
    'LIST (\\HasNoChildren \\Junk) "/" Junk',
    'LIST (\\HasChildren) "/" Lists',
    'LIST (\\HasNoChildren) "/" Lists/Deno',
    'LIST (\\HasNoChildren \\Sent) "/" Sent',
    'LIST (\\HasNoChildren \\Trash) "/" Trash',
  ]);
  // Sizes: 21 + 18 octets in INBOX, 17 in Lists/Deno.
  assert.deepEqual(statuses, [
    "STATUS INBOX (MESSAGES 2 UNSEEN 1 SIZE 39)",
    "STATUS Archive (MESSAGES 0 UNSEEN 0 SIZE 0)",
    "STATUS Drafts (MESSAGES 0 UNSEEN 0 SIZE 0)",
    "STATUS Junk (MESSAGES 0 UNSEEN 0 SIZE 0)",
    "STATUS Lists (MESSAGES 0 UNSEEN 0 SIZE 0)",
    "STATUS Lists/Deno (MESSAGES 1 UNSEEN 1 SIZE 17)",
    "STATUS Sent (MESSAGES 0 UNSEEN 0 SIZE 0)",
    "STATUS Trash (MESSAGES 0 UNSEEN 0 SIZE 0)",
  ]);
});
