import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../lib/config/errors.ts";
import { hashPassword } from "../../lib/auth/hash.ts";
import { checkDomainAuth, PamProvider } from "../../lib/auth/providers.ts";
import { contextOf, credentialsOf, providerOf } from "../_support/modules.ts";

const cheap = { argon2Memory: 1024, argon2Time: 1 };

Deno.test("`buildAuthProvider()` pass_table over sql_table checks maddy hashes", async () => {
  const ctx = contextOf("/nonexistent", {
    "auth.pass_table.local_authdb": {
      table: { module: "sql_table", driver: "libsql", dsn: ":memory:", table_name: "passwords" },
    },
  });
  const table = await credentialsOf(ctx);
  assert.ok(table);
  // credentialsOf() opens its own connection: use one database file.
  await table.close?.();
  const dir = await Deno.makeTempDir();
  try {
    const fileCtx = contextOf(dir, {
      "auth.pass_table.local_authdb": {
        table: {
          module: "sql_table",
          driver: "libsql",
          dsn: "file:creds.db",
          table_name: "passwords",
        },
      },
    });
    const creds = (await credentialsOf(fileCtx))!;
    await creds.set("alice@example.org", await hashPassword("wonderland", "argon2", cheap));
    await creds.set("bob", "bcrypt:$2y$05$rqR.klBzXqwL1hYS8wYKN.NLSvYYgDMQkYNbvs2rMg2Gcb1MAPqnS");
    await creds.close?.();
    const p = await providerOf("&local_authdb", "imap.auth", fileCtx);
    assert.equal(await p.authenticate("alice@example.org", "wonderland"), "ok");
    // pass_table keys by PRECIS UsernameCaseMapped of the whole name.
    assert.equal(await p.authenticate("ALICE@Example.org", "wonderland"), "ok");
    assert.equal(await p.authenticate("alice@example.org", "Wonderland"), "failed");
    assert.equal(await p.authenticate("nobody@example.org", "wonderland"), "failed");
    assert.equal(await p.authenticate("a b", "wonderland"), "failed");
    assert.equal(await p.authenticate("bob", "correct horse"), "ok");
    await p.close?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`buildAuthProvider()` inline pass_table over a file table", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "passwd"),
      `carol: ${await hashPassword("pw1", "bcrypt", { bcryptCost: 4 })}\n`,
    );
    const p = await providerOf(
      { module: "pass_table", table: { module: "file", file: "passwd" } },
      "imap.auth",
      contextOf(dir),
    );
    assert.equal(await p.authenticate("Carol", "pw1"), "ok");
    assert.equal(await p.authenticate("carol", "pw2"), "failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`buildAuthProvider()` external helper protocol and exit codes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const helper = join(dir, "helper.sh");
    await Deno.writeTextFile(
      helper,
      `#!/bin/sh
read -r user
read -r pass
[ "$user" = "crash" ] && exit 2
[ "$user" = "dave" ] && [ "$pass" = "s3cret pw" ] && exit 0
exit 1
`,
    );
    await Deno.chmod(helper, 0o755);
    const p = await providerOf({ module: "external", helper }, "imap.auth", contextOf(dir));
    assert.equal(await p.authenticate("dave", "s3cret pw"), "ok");
    assert.equal(await p.authenticate("dave", "wrong"), "failed");
    assert.equal(await p.authenticate("crash", "x"), "unavailable");
    // Without "domains", a username with a domain is refused (maddy).
    assert.equal(await p.authenticate("dave@example.org", "s3cret pw"), "failed");
    const d = await providerOf(
      { module: "external", helper, domains: ["example.org"] },
      "imap.auth",
      contextOf(dir),
    );
    assert.equal(await d.authenticate("dave@EXAMPLE.org", "s3cret pw"), "ok");
    assert.equal(await d.authenticate("dave@example.com", "s3cret pw"), "failed");
    await assert.rejects(
      () =>
        providerOf(
          { module: "external", helper: join(dir, "missing") },
          "imap.auth",
          contextOf(dir),
        ),
      (e: unknown) => e instanceof ConfigError && e.keyPath === "imap.auth.helper",
    );
    await assert.rejects(
      () =>
        providerOf(
          { module: "external", helper, perdomain: true },
          "imap.auth",
          contextOf(dir),
        ),
      /"domains" must be set/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`checkDomainAuth()` follows maddy's perdomain rules", () => {
  assert.equal(checkDomainAuth("u", false, null), "u");
  assert.equal(checkDomainAuth("u@a.org", false, ["a.org"]), "u");
  assert.equal(checkDomainAuth("u@a.org", true, ["a.org"]), "u@a.org");
  assert.equal(checkDomainAuth("u", true, ["a.org"]), null);
  assert.equal(checkDomainAuth("u@b.org", true, ["a.org"]), null);
});

Deno.test("`buildAuthProvider()` a list is a chain tried in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "a"),
      `erin: ${await hashPassword("one", "argon2", cheap)}\n`,
    );
    await Deno.writeTextFile(
      join(dir, "b"),
      `erin: ${await hashPassword("two", "argon2", cheap)}\n`,
    );
    const p = await providerOf(
      [
        { module: "pass_table", table: { module: "file", file: "a" } },
        { module: "pass_table", table: { module: "file", file: "b" } },
      ],
      "imap.auth",
      contextOf(dir),
    );
    assert.equal(await p.authenticate("erin", "one"), "ok");
    assert.equal(await p.authenticate("erin", "two"), "ok");
    assert.equal(await p.authenticate("erin", "three"), "failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`buildAuthProvider()` rejects unknown modules, refs and keys", async () => {
  const ctx = contextOf("/nonexistent", { "table.static.t": {} });
  await assert.rejects(
    () => providerOf("ldap", "imap.auth", ctx),
    /unknown auth module "ldap"/,
  );
  await assert.rejects(() => providerOf("&t", "imap.auth", ctx), /not an auth module/);
  await assert.rejects(
    () => providerOf({ module: "pam", service: "x" }, "imap.auth", ctx),
    (e: unknown) => e instanceof ConfigError && e.keyPath === "imap.auth.service",
  );
  await assert.rejects(() => providerOf([], "imap.auth", ctx), /at least one/);
});

/** Whether libpam loads here (a machine without libpam0g skips the PAM tests). */
function pamAvailable(): { pam: boolean; confdir: boolean } {
  try {
    const lib = Deno.dlopen("libpam.so.0", {
      pam_start_confdir: {
        parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"],
        result: "i32",
        optional: true,
      },
    });
    const confdir = lib.symbols.pam_start_confdir !== null;
    lib.close();
    return { pam: true, confdir };
  } catch {
    return { pam: false, confdir: false };
  }
}
const PAM = pamAvailable();

Deno.test({
  name: "`buildAuthProvider()` pam is a clear start-up error or a working provider",
  ignore: PAM.pam,
  fn: async () => {
    await assert.rejects(
      () => providerOf("pam", "imap.auth", contextOf("/nonexistent")),
      /imap\.auth: Cannot load libpam\.so\.0/,
    );
  },
});

Deno.test(
  { name: "`PamProvider` fails cleanly for an unknown system user", ignore: !PAM.pam },
  async () => {
    const p = await providerOf("pam", "imap.auth", contextOf("/nonexistent"));
    assert.equal(await p.authenticate("no-such-user-imap-test", "pw"), "failed");
  },
);

Deno.test({
  name: "`PamProvider` runs the conversation with a private PAM config",
  ignore: !PAM.confdir,
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const check = join(dir, "check.sh");
    await Deno.writeTextFile(
      check,
      `#!/bin/sh\nread -r pw\n[ "$pw" = "open sesame" ] && [ "$PAM_USER" = "tester" ]\n`,
    );
    await Deno.chmod(check, 0o755);
    await Deno.writeTextFile(
      join(dir, "imaptest"),
      `auth required pam_exec.so expose_authtok quiet ${check}\n`,
    );
    await Deno.writeTextFile(join(dir, "denyall"), "auth required pam_deny.so\n");
    const p = new PamProvider({ service: "imaptest", confdir: dir });
    assert.equal(await p.authenticate("tester", "open sesame"), "ok");
    assert.notEqual(await p.authenticate("tester", "wrong"), "ok");
    const deny = new PamProvider({ service: "denyall", confdir: dir });
    assert.equal(await deny.authenticate("tester", "open sesame"), "failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`buildAuthProvider()` reads a credentials database made as maddy makes it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // maddy's table.sql_table DDL and `maddy creds create` row format.
    const { default: Database } = await import("libsql");
    const db = new Database(join(dir, "credentials.db"));
    db.exec(`CREATE TABLE IF NOT EXISTS passwords (
      key LONGTEXT PRIMARY KEY NOT NULL,
      value LONGTEXT NOT NULL
    )`);
    db.prepare("INSERT INTO passwords(key, value) VALUES(?, ?)").run([
      "alice@example.org",
      "bcrypt:$2y$05$rqR.klBzXqwL1hYS8wYKN.NLSvYYgDMQkYNbvs2rMg2Gcb1MAPqnS",
    ]);
    db.close();
    const ctx = contextOf(dir, {
      "auth.pass_table.local_authdb": {
        table: {
          module: "sql_table",
          driver: "sqlite3",
          dsn: "credentials.db",
          table_name: "passwords",
        },
      },
    });
    const p = await providerOf("&local_authdb", "imap.auth", ctx);
    assert.equal(await p.authenticate("alice@example.org", "correct horse"), "ok");
    assert.equal(await p.authenticate("alice@example.org", "wrong horse"), "failed");
    await p.close?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
