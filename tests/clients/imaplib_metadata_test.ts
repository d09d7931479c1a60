/**
 * Python's imaplib driving METADATA (RFC 5464) as raw commands against the
 * server started as a user starts it: a binary value (NUL) that must come
 * back as literal8, the size and count limits with their response codes,
 * and entries that go with DELETE. imaplib keeps the untagged METADATA
 * responses in `untagged_responses`; `response()` takes them.
 */
import assert from "node:assert/strict";
import { runImaplibScript } from "../_support/imaplib.ts";

const SCRIPT = String.raw`
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
imaplib.Commands["GETMETADATA"] = ("AUTH", "SELECTED")
imaplib.Commands["SETMETADATA"] = ("AUTH", "SELECTED")
m.login("alice", "pw")
# A NO's [METADATA ...] code lands in the same list as the METADATA responses: the last is the response.
def meta():
    return m.response("METADATA")[1][-1]
print("METADATA" in m.capability()[1][0].decode().split())
# A value holding NUL, sent as a non-synchronizing literal8 (RFC 5464 §5, LITERAL+):
# written raw, imaplib has no literal8.
tag = m._new_tag()
m.tagged_commands[tag] = None
m.send(tag + b" SETMETADATA INBOX (/private/bin ~{3+}\r\na\x00b)\r\n")
print(m._command_complete("SETMETADATA", tag)[0])
typ, _ = m._simple_command("GETMETADATA", "INBOX", "/private/bin")
print(typ, m.response("METADATA")[1])
# Too long a value: refused whole, the other entry is not set either.
big = "x" * 20000
typ, data = m._simple_command("SETMETADATA", "INBOX", '(/private/small "s" /private/big "%s")' % big)
print(typ, data[0].decode().split("]")[0])
m._simple_command("GETMETADATA", "INBOX", "/private/small")
print(meta())
# 100 entries are allowed on one mailbox; the 101st is refused with TOOMANY.
m.create("Many")
pairs = " ".join('/shared/e%d "%d"' % (i, i) for i in range(99))
print(m._simple_command("SETMETADATA", "Many", "(" + pairs + ")")[0])
print(m._simple_command("SETMETADATA", "Many", '(/private/last "x")')[0])
typ, data = m._simple_command("SETMETADATA", "Many", '(/private/one-more "x")')
print(typ, data[0].decode().split("]")[0])
# Replacing an entry does not count twice.
print(m._simple_command("SETMETADATA", "Many", '(/private/last "y")')[0])
m._simple_command("GETMETADATA", "(DEPTH 1)", "Many", "/shared")
print(len(meta().split(b'" /shared/')))
print(m.delete("Many")[0])
m.create("Many")
m._simple_command("GETMETADATA", "(DEPTH infinity)", "Many", "/private")
print(meta())
m.logout()
`;

Deno.test("Python imaplib: METADATA values, limits and DELETE", async () => {
  const out = await runImaplibScript(SCRIPT, "imapd-imaplib-metadata-");
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr + text);
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "True");
  assert.equal(lines[1], "OK");
  // imaplib hands a literal back as a (head, data) tuple: the head ends in ~{3}.
  assert.equal(lines[2], "OK [(b'INBOX (/private/bin ~{3}', b'a\\x00b'), b')']");
  assert.equal(lines[3], "NO [METADATA MAXSIZE 16384");
  assert.equal(lines[4], "b'INBOX (/private/small NIL)'");
  assert.equal(lines[5], "OK");
  assert.equal(lines[6], "OK");
  assert.equal(lines[7], "NO [METADATA TOOMANY");
  assert.equal(lines[8], "OK");
  // 99 /shared entries: the response splits into 99 pieces.
  assert.equal(lines[9], "99");
  assert.equal(lines[10], "OK");
  assert.equal(lines[11], "b'Many (/private NIL)'");
});
