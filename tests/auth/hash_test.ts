import assert from "node:assert/strict";
import { hashPassword, isKnownHashFormat, verifyPassword } from "../../lib/auth/hash.ts";

// Vectors made outside this code base: the reference `argon2` CLI
// (argon2id, t=2, m=1024 KiB, p=1, 64-byte key, as `maddy hash --hash argon2`
// writes), `htpasswd -B` ($2y$), and Python's hashlib for sha256.
const MADDY_ARGON2 = "argon2:2:1024:1:c29tZXNhbHQxNmJ5dGVzIQ==:" +
  "RUn8VhYyjcwP3CgWBfu6Rl8XJ36xq0Cimf0NmNlInVElQNgqzzkDq8YebpEmNUXSnJuHXpLElm+V7v9gh76z/g==";
const HTPASSWD_BCRYPT = "bcrypt:$2y$05$rqR.klBzXqwL1hYS8wYKN.NLSvYYgDMQkYNbvs2rMg2Gcb1MAPqnS";
const MADDY_SHA256 = "sha256:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=:" +
  "+pDcXwfOj0Yffwat2q7p/MRtnmWrlQi0nz5A09i6dGM=";

Deno.test("`verifyPassword()` accepts a maddy-format argon2 hash", async () => {
  assert.equal(await verifyPassword("correct horse", MADDY_ARGON2), true);
  assert.equal(await verifyPassword("correct horsE", MADDY_ARGON2), false);
});

Deno.test("`verifyPassword()` accepts a $2y$ bcrypt hash", async () => {
  assert.equal(await verifyPassword("correct horse", HTPASSWD_BCRYPT), true);
  assert.equal(await verifyPassword("wrong", HTPASSWD_BCRYPT), false);
});

Deno.test("`verifyPassword()` accepts maddy's legacy sha256 format", async () => {
  assert.equal(await verifyPassword("correct horse", MADDY_SHA256), true);
  assert.equal(await verifyPassword("correct horse ", MADDY_SHA256), false);
});

Deno.test("`verifyPassword()` says false for malformed or unknown values", async () => {
  for (
    const bad of [
      "",
      "nocolon",
      "md5:abc",
      "argon2:2:1024:1:c29tZXNhbHQ=",
      "argon2:x:1024:1:c29tZXNhbHQxNmJ5dGVzIQ==:AAAA",
      "bcrypt:$2y$05$short",
      "sha256:!!:??",
    ]
  ) {
    assert.equal(await verifyPassword("correct horse", bad), false, bad);
  }
  assert.equal(isKnownHashFormat("md5:abc"), false);
  assert.equal(isKnownHashFormat(MADDY_ARGON2), true);
});

Deno.test("`hashPassword()` writes argon2id in maddy's format and verifies", async () => {
  const stored = await hashPassword("s3cret", "argon2", { argon2Memory: 1024, argon2Time: 1 });
  assert.match(stored, /^argon2:1:1024:1:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/]{86}==$/);
  assert.equal(await verifyPassword("s3cret", stored), true);
  assert.equal(await verifyPassword("s3cret!", stored), false);
});

Deno.test("`hashPassword()` defaults to argon2id with 64 MiB and 3 passes", async () => {
  const stored = await hashPassword("pw");
  assert.match(stored, /^argon2:3:65536:1:/);
  assert.equal(await verifyPassword("pw", stored), true);
});

Deno.test("`hashPassword()` writes bcrypt with the bcrypt: prefix", async () => {
  const stored = await hashPassword("s3cret", "bcrypt", { bcryptCost: 4 });
  assert.match(stored, /^bcrypt:\$2[aby]\$04\$/);
  assert.equal(await verifyPassword("s3cret", stored), true);
  await assert.rejects(() => hashPassword("x", "bcrypt", { bcryptCost: 3 }), /outside 4\.\.31/);
});
