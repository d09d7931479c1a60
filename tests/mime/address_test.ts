import assert from "node:assert/strict";
import { MISSING_DOMAIN, MISSING_MAILBOX, parseAddressList } from "../../lib/mime/address.ts";

function addr(name: string | null, mailbox: string | null, host: string | null, adl = null) {
  return { name, adl, mailbox, host };
}

Deno.test("`parseAddressList()` reads names, angle addresses and bare addr-specs", () => {
  assert.deepEqual(
    parseAddressList(
      '"Doe, John" <john@example.com>, jane@example.com, Mary Q. Smith <mary@x.org>',
    ),
    [
      addr("Doe, John", "john", "example.com"),
      addr(null, "jane", "example.com"),
      addr("Mary Q. Smith", "mary", "x.org"),
    ],
  );
});

Deno.test("`parseAddressList()` marks groups as RFC 3501 wants", () => {
  assert.deepEqual(parseAddressList("undisclosed-recipients:;"), [
    addr(null, "undisclosed-recipients", null),
    addr(null, null, null),
  ]);
  assert.deepEqual(parseAddressList("A Group: a@b, Chris <c@d>; e@f"), [
    addr(null, "A Group", null),
    addr(null, "a", "b"),
    addr("Chris", "c", "d"),
    addr(null, null, null),
    addr(null, "e", "f"),
  ]);
  // A group whose ";" never comes is closed at the end.
  assert.deepEqual(parseAddressList("Friends: x@y"), [
    addr(null, "Friends", null),
    addr(null, "x", "y"),
    addr(null, null, null),
  ]);
});

Deno.test("`parseAddressList()` unquotes local parts and names and keeps encoded words", () => {
  assert.deepEqual(parseAddressList('"john \\"j\\" doe"@example.com'), [
    addr(null, 'john "j" doe', "example.com"),
  ]);
  assert.deepEqual(parseAddressList("=?utf-8?q?J=C3=B6rg?= <j@x.de>"), [
    addr("=?utf-8?q?J=C3=B6rg?=", "j", "x.de"),
  ]);
});

Deno.test("`parseAddressList()` uses a comment as the name when there is none", () => {
  assert.deepEqual(parseAddressList("ann@example.com (Ann Smith)"), [
    addr("Ann Smith", "ann", "example.com"),
  ]);
  assert.deepEqual(
    parseAddressList("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>"),
    [
      addr("Pete", "pete", "silly.test"),
    ],
  );
});

Deno.test("`parseAddressList()` marks missing domains and local parts", () => {
  assert.deepEqual(parseAddressList("root"), [addr(null, "root", MISSING_DOMAIN)]);
  assert.deepEqual(parseAddressList("Admin <admin>"), [addr("Admin", "admin", MISSING_DOMAIN)]);
  assert.deepEqual(parseAddressList("Nobody <@example.com>"), [
    addr("Nobody", MISSING_MAILBOX, "example.com"),
  ]);
});

Deno.test("`parseAddressList()` keeps a source route and domain literals", () => {
  assert.deepEqual(parseAddressList("<@relay.a,@relay.b:user@host.c>"), [
    { name: null, adl: "@relay.a,@relay.b", mailbox: "user", host: "host.c" },
  ]);
  assert.deepEqual(parseAddressList("x@[192.0.2.1]"), [addr(null, "x", "[192.0.2.1]")]);
});

Deno.test("`parseAddressList()` returns null for an empty list and skips empty members", () => {
  assert.equal(parseAddressList(""), null);
  assert.equal(parseAddressList(" , ,"), null);
  assert.equal(parseAddressList("<>"), null);
  assert.deepEqual(parseAddressList("a@b,,c@d"), [addr(null, "a", "b"), addr(null, "c", "d")]);
});

Deno.test("`parseAddressList()` drops a stray closing parenthesis", () => {
  assert.deepEqual(parseAddressList("on)@example.com"), [addr(null, "on", "example.com")]);
});
