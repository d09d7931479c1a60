/** Mailbox names as UTF-8 (RFC 6855 §3, after ENABLE UTF8=ACCEPT): Net-Unicode (RFC 5198). */
import assert from "node:assert/strict";
import { mailboxFromWire } from "../../lib/protocol/mailbox_name.ts";
import { ImapError } from "../../lib/protocol/errors.ts";

Deno.test("`mailboxFromWire()` with UTF-8 takes names as sent, in NFC", () => {
  assert.equal(mailboxFromWire("Über/日本", true), "Über/日本");
  assert.equal(mailboxFromWire("Cafe\u0301", true), "Caf\u00e9");
  // "&" is an ordinary character in UTF-8 names, not the start of modified UTF-7.
  assert.equal(mailboxFromWire("&ANw-ber", true), "&ANw-ber");
  assert.equal(mailboxFromWire("&ANw-ber", false), "Über");
});

Deno.test("`mailboxFromWire()` refuses C0 and C1 controls, DEL and U+2028/U+2029", () => {
  for (const name of ["a\u0001b", "a\u007fb", "a\u0085b", "a\u009fb", "a\u2028b", "a\u2029b"]) {
    assert.throws(
      () => mailboxFromWire(name, true),
      (e) => e instanceof ImapError && e.code === "CANNOT",
      JSON.stringify(name),
    );
  }
});
