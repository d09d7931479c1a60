import assert from "node:assert/strict";
import { createSaslMechanism } from "../../lib/auth/sasl.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("`createSaslMechanism()` PLAIN with an initial response finishes at once", () => {
  const m = createSaslMechanism("PLAIN");
  assert.deepEqual(m.step(enc("\0alice@example.org\0pw")), {
    kind: "done",
    authzid: "",
    username: "alice@example.org",
    password: "pw",
  });
  assert.equal(m.step(enc("\0a\0b")).kind, "error");
});

Deno.test("`createSaslMechanism()` PLAIN without initial response sends an empty challenge", () => {
  const m = createSaslMechanism("PLAIN");
  const first = m.step(null);
  assert.equal(first.kind, "challenge");
  assert.equal(first.kind === "challenge" && first.data.length, 0);
  const done = m.step(enc("admin\0alice\0pässwörd"));
  assert.deepEqual(done, {
    kind: "done",
    authzid: "admin",
    username: "alice",
    password: "pässwörd",
  });
});

Deno.test("`createSaslMechanism()` PLAIN treats an empty initial response as none", () => {
  const m = createSaslMechanism("PLAIN");
  assert.equal(m.step(new Uint8Array(0)).kind, "challenge");
  assert.equal(m.step(enc("\0bob\0x")).kind, "done");
});

Deno.test("`createSaslMechanism()` PLAIN rejects malformed messages", () => {
  const cases: [Uint8Array, RegExp][] = [
    [enc("alice\0pw"), /three/],
    [enc("\0alice\0pw\0extra"), /three/],
    [enc("\0\0pw"), /identity is empty/],
    [enc("\0alice\0"), /password is empty/],
    [new Uint8Array([0, 0xff, 0xfe, 0, 0x41]), /UTF-8/],
  ];
  for (const [input, re] of cases) {
    const r = createSaslMechanism("PLAIN").step(input);
    assert.equal(r.kind, "error");
    assert.match(r.kind === "error" ? r.message : "", re);
  }
  const m = createSaslMechanism("PLAIN");
  m.step(null);
  assert.equal(m.step(new Uint8Array(0)).kind, "error");
});

Deno.test("`createSaslMechanism()` LOGIN asks Username: then Password:", () => {
  const m = createSaslMechanism("LOGIN");
  const c1 = m.step(null);
  assert.equal(c1.kind === "challenge" && dec(c1.data), "Username:");
  const c2 = m.step(enc("alice"));
  assert.equal(c2.kind === "challenge" && dec(c2.data), "Password:");
  assert.deepEqual(m.step(enc("pw")), {
    kind: "done",
    authzid: "",
    username: "alice",
    password: "pw",
  });
  assert.equal(m.step(enc("more")).kind, "error");
});

Deno.test("`createSaslMechanism()` LOGIN takes an initial response as the username", () => {
  const m = createSaslMechanism("LOGIN");
  const c = m.step(enc("bob"));
  assert.equal(c.kind === "challenge" && dec(c.data), "Password:");
  const d = m.step(enc("secret"));
  assert.equal(d.kind === "done" && d.username, "bob");
});

Deno.test("`createSaslMechanism()` LOGIN rejects an empty password", () => {
  const m = createSaslMechanism("LOGIN");
  m.step(enc("bob"));
  assert.equal(m.step(new Uint8Array(0)).kind, "error");
});
