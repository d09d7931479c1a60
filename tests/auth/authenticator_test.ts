import assert from "node:assert/strict";
import {
  Authenticator,
  createAuthenticator,
  FailureLimiter,
} from "../../lib/auth/authenticator.ts";
import { hashPassword } from "../../lib/auth/hash.ts";
import { getNormalizer } from "../../lib/auth/normalize.ts";
import { PassTableProvider } from "../../lib/auth/providers.ts";
import type { MutableTable } from "../../lib/tables/table.ts";
import { contextOf, tableOf } from "../_support/modules.ts";
import { parseConfig } from "../../lib/config/config.ts";

const cheap = { argon2Memory: 1024, argon2Time: 1 };

async function setup(
  maps: { authMap?: unknown; storageMap?: unknown } = {},
  limiter = new FailureLimiter(),
) {
  const ctx = contextOf("/nonexistent", {
    "table.sql_table.creds": { driver: "libsql", dsn: ":memory:", table_name: "passwords" },
  });
  const creds = await tableOf("&creds", "t", ctx) as MutableTable;
  await creds.set("user@example.org", await hashPassword("pw-org", "argon2", cheap));
  await creds.set("user@example.com", await hashPassword("pw-com", "argon2", cheap));
  await creds.set("other", await hashPassword("pw-other", "argon2", cheap));
  const providers = new PassTableProvider(creds);
  return new Authenticator({
    providers,
    authMap: await tableOf(maps.authMap ?? "identity", "imap.auth_map", ctx),
    authNormalize: getNormalizer("auto"),
    storageMap: await tableOf(maps.storageMap ?? "identity", "imap.storage_map", ctx),
    storageNormalize: getNormalizer("auto"),
    limiter,
  });
}

Deno.test("`Authenticator.login()` maps two addresses to one storage account", async () => {
  const auth = await setup({ storageMap: "email_localpart" });
  const a = await auth.login("user@example.org", "pw-org", "192.0.2.1");
  const b = await auth.login("User@Example.COM", "pw-com", "192.0.2.1");
  assert.deepEqual(a, { ok: true, authName: "user@example.org", storageAccount: "user" });
  assert.deepEqual(b, { ok: true, authName: "user@example.com", storageAccount: "user" });
  // storage_map does not change the name the provider checks.
  const wrong = await auth.login("user@example.com", "pw-org", "192.0.2.1");
  assert.equal(wrong.ok, false);
});

Deno.test("`Authenticator.login()` a storage_map miss refuses the login", async () => {
  const auth = await setup({ storageMap: "email_localpart" });
  const r = await auth.login("other", "pw-other", "192.0.2.2");
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, "failed");
});

Deno.test("`Authenticator.login()` auth_map changes the provider's name only", async () => {
  const auth = await setup({
    authMap: { module: "static", entries: { "alias@example.net": "user@example.org" } },
  });
  const r = await auth.login("Alias@example.net", "pw-org", "192.0.2.3");
  assert.deepEqual(r, {
    ok: true,
    authName: "user@example.org",
    storageAccount: "alias@example.net",
  });
  // An auth_map miss refuses (maddy's usernameForAuth).
  const miss = await auth.login("user@example.org", "pw-org", "192.0.2.3");
  assert.equal(miss.ok, false);
});

Deno.test("`Authenticator.login()` accepts authzid only for the same user", async () => {
  const auth = await setup();
  assert.equal((await auth.login("user@example.org", "pw-org", "a", "USER@example.org")).ok, true);
  assert.equal((await auth.login("user@example.org", "pw-org", "a", "other")).ok, false);
});

Deno.test("`Authenticator.login()` gives unknown users the same answer and delay", async () => {
  const auth = await setup({}, new FailureLimiter({ baseDelayMs: 100 }, () => 0));
  const unknown = await auth.login("ghost@example.org", "pw", "198.51.100.1");
  const wrong = await auth.login("user@example.org", "nope", "198.51.100.2");
  assert.deepEqual(unknown, { ok: false, reason: "failed", delayMs: 100 });
  assert.deepEqual(wrong, { ok: false, reason: "failed", delayMs: 100 });
});

Deno.test("`Authenticator.login()` grows the delay per address and per username", async () => {
  const auth = await setup({}, new FailureLimiter({ baseDelayMs: 100, maxDelayMs: 1000 }, () => 0));
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await auth.login(`ghost${i}@example.org`, "pw", "198.51.100.7");
    delays.push(r.ok ? -1 : r.delayMs);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  // The same username from a fresh address is delayed too.
  await auth.login("user@example.org", "bad", "203.0.113.1");
  const r = await auth.login("user@example.org", "bad", "203.0.113.2");
  assert.equal(!r.ok && r.delayMs, 200);
});

Deno.test("`FailureLimiter` forgets old failures and stays bounded", () => {
  let now = 0;
  const l = new FailureLimiter({ baseDelayMs: 10, forgetAfterMs: 1000, maxEntries: 4 }, () => now);
  l.recordFailure("1.1.1.1", "u");
  l.recordFailure("1.1.1.1", "u");
  assert.equal(l.delayFor("1.1.1.1", "u"), 20);
  now = 2000;
  assert.equal(l.delayFor("1.1.1.1", "u"), 0);
  for (let i = 0; i < 10; i++) l.recordFailure(`10.0.0.${i}`, `user${i}`);
  assert.equal(l.size, 4);
  assert.equal(l.delayFor("10.0.0.9", "nobody"), 10);
  assert.equal(l.delayFor("10.0.0.0", "nobody"), 0);
  l.recordSuccess("10.0.0.9", "user9");
  assert.equal(l.delayFor("10.0.0.1", "user9"), 0);
});

Deno.test("`createAuthenticator()` builds from a translated endpoint with maddy defaults", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const creds = await tableOf(
      { module: "sql_table", driver: "libsql", dsn: "file:creds.db", table_name: "passwords" },
      "t",
      contextOf(dir),
    ) as MutableTable;
    await creds.set("user@example.org", await hashPassword("pw", "argon2", cheap));
    await creds.close?.();
    const toml = (imap: string) =>
      `state_dir = "${dir}"
[imap]
listen = "tcp://127.0.0.1:0"
storage = "&mail"
${imap}
[auth.pass_table.local_authdb]
table = { module = "sql_table", driver = "libsql", dsn = "file:creds.db", table_name = "passwords" }
[storage.imapsql.mail]
dsn = ":memory:"
`;
    const config = parseConfig(
      toml(`auth = "&local_authdb"\nstorage_map = "email_localpart"`),
      `${dir}/imapd.toml`,
    );
    const auth = await createAuthenticator(config.endpoints[0]);
    assert.deepEqual(await auth.login("USER@example.org", "pw", "127.0.0.1"), {
      ok: true,
      authName: "user@example.org",
      storageAccount: "user",
    });
    await auth.close();
    assert.throws(() => parseConfig(toml(""), "imapd.toml"), /imap\.auth: missing/);
    assert.throws(
      () =>
        parseConfig(
          toml(`auth = "&local_authdb"\nstorage_map_normalize = "upper"`),
          "imapd.toml",
        ),
      /imap\.storage_map_normalize: unknown normalization function "upper"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
