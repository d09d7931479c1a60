import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../lib/config/errors.ts";
import { emailLocalpart, FileTable, isMutableTable } from "../../lib/tables/build.ts";
import { contextOf, tableOf } from "../_support/modules.ts";

const ctx = contextOf("/nonexistent");

Deno.test("`buildTable()` identity returns the key", async () => {
  const t = await tableOf("identity", "imap.auth_map", ctx);
  assert.equal(await t.lookup("Alice@x"), "Alice@x");
});

Deno.test("`buildTable()` email_localpart and the optional variant", async () => {
  const lp = await tableOf("email_localpart", "p", ctx);
  assert.equal(await lp.lookup("user@example.org"), "user");
  assert.equal(await lp.lookup("user"), null);
  const opt = await tableOf("email_localpart_optional", "p", ctx);
  assert.equal(await opt.lookup("user@example.com"), "user");
  assert.equal(await opt.lookup("user"), "user");
  assert.equal(emailLocalpart('"a b"@example.org'), "a b");
  assert.equal(emailLocalpart('"a\\"b"@x'), 'a"b');
  assert.equal(emailLocalpart("a@b@c"), null);
});

Deno.test("`buildTable()` email_with_domain needs domains and appends the first", async () => {
  await assert.rejects(() => tableOf("email_with_domain", "p", ctx), /at least one domain/);
  const t = await tableOf(
    { module: "email_with_domain", domains: ["example.org", "example.com"] },
    "p",
    ctx,
  );
  assert.equal(await t.lookup("user"), "user@example.org");
  assert.equal(await t.lookup("a b"), '"a b"@example.org');
});

Deno.test("`buildTable()` static entries", async () => {
  const t = await tableOf({ module: "static", entries: { "a@b": "c", x: "y" } }, "p", ctx);
  assert.equal(await t.lookup("a@b"), "c");
  assert.equal(await t.lookup("A@b"), null);
  await assert.rejects(
    () => tableOf({ module: "static", entries: { a: 1 } }, "imap.storage_map", ctx),
    (e: unknown) => e instanceof ConfigError && e.keyPath.startsWith("imap.storage_map.entries"),
  );
});

Deno.test("`buildTable()` regexp with placeholders, full match and case", async () => {
  const t = await tableOf(
    { module: "regexp", regexp: "(.+)\\+[^@]+@example\\.org", replacement: "$1@example.org" },
    "p",
    ctx,
  );
  assert.equal(await t.lookup("Alice+tag@EXAMPLE.org"), "Alice@example.org");
  assert.equal(await t.lookup("alice@example.org"), null);
  assert.equal(await t.lookup("x alice+t@example.org.evil"), null);
  const named = await tableOf(
    {
      module: "regexp",
      regexp: "(?P<user>[a-z]+)@(?P<dom>.+)",
      replacement: "${dom}/$user $$1 $1x",
    },
    "p",
    ctx,
  );
  assert.equal(await named.lookup("bob@x.org"), "x.org/bob $1 ");
  const check = await tableOf(
    { module: "regexp", regexp: "[a-z]+", case_insensitive: false },
    "p",
    ctx,
  );
  assert.equal(await check.lookup("abc"), "abc");
  assert.equal(await check.lookup("ABC"), null);
  const partial = await tableOf(
    { module: "regexp", regexp: "bad", replacement: "x", full_match: false },
    "p",
    ctx,
  );
  assert.equal(await partial.lookup("very bad day"), "x");
  await assert.rejects(
    () => tableOf({ module: "regexp", regexp: "(" }, "p.q", ctx),
    /p\.q\.regexp: invalid/,
  );
});

Deno.test("`buildTable()` resolves &refs to named table blocks", async () => {
  const c = contextOf("/nonexistent", {
    "table.static.aliases": { entries: { a: "b" } },
    "auth.pass_table.local_authdb": { table: "identity" },
  });
  const t = await tableOf("&aliases", "imap.auth_map", c);
  assert.equal(await t.lookup("a"), "b");
  await assert.rejects(() => tableOf("&local_authdb", "imap.auth_map", c), /not a table/);
  await assert.rejects(() => tableOf("&nope", "imap.auth_map", c), /unknown module reference/);
});

Deno.test("`buildTable()` rejects unknown modules and keys with the key path", async () => {
  await assert.rejects(
    () => tableOf("lowercase", "imap.storage_map", ctx),
    (e: unknown) =>
      e instanceof ConfigError && e.keyPath === "imap.storage_map" && /"lowercase"/.test(e.message),
  );
  await assert.rejects(
    () => tableOf({ module: "static", entry: {} }, "imap.storage_map", ctx),
    (e: unknown) => e instanceof ConfigError && e.keyPath === "imap.storage_map.entry",
  );
  await assert.rejects(() => tableOf(42, "imap.storage_map", ctx), /got number 42/);
});

Deno.test("`buildTable()` file table reads maddy's format and reloads on change", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "aliases");
    await Deno.writeTextFile(file, "# comment\n\n  a: b\nlonely\nc : d:e\na: second\n");
    const t = await tableOf({ module: "file", file: "aliases" }, "p", contextOf(dir));
    assert.equal(await t.lookup("a"), "b");
    assert.equal(await t.lookup("lonely"), "");
    assert.equal(await t.lookup("c"), "d:e");
    assert.equal(await t.lookup("zz"), null);

    const live = new FileTable(file, { checkIntervalMs: 0 });
    await live.load("p");
    await Deno.writeTextFile(file, "a: changed and longer\n");
    assert.equal(await live.lookup("a"), "changed and longer");
    // A broken file keeps the previous contents.
    await Deno.writeTextFile(file, ": no key here, longer than before\n");
    assert.equal(await live.lookup("a"), "changed and longer");
    await Deno.remove(file);
    assert.equal(await live.lookup("a"), null);
    await Deno.writeTextFile(file, ":\n");
    await assert.rejects(
      () => tableOf({ module: "file", file }, "x.y", contextOf(dir)),
      /x\.y: .*empty key/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`buildTable()` chain with step and optional_step", async () => {
  const t = await tableOf(
    {
      module: "chain",
      step: [
        { optional_step: { module: "static", entries: { "old@example.org": "new@example.org" } } },
        "email_localpart",
      ],
    },
    "p",
    ctx,
  );
  assert.equal(await t.lookup("old@example.org"), "new");
  assert.equal(await t.lookup("other@example.org"), "other");
  assert.equal(await t.lookup("nodomain"), null);
  await assert.rejects(
    () => tableOf({ module: "chain", step: [] }, "p", ctx),
    /non-empty array/,
  );
});

Deno.test("`buildTable()` sql_table is mutable and persists in the state dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = {
      module: "sql_table",
      driver: "libsql",
      dsn: "file:creds.db",
      table_name: "passwords",
    };
    const t = await tableOf(spec, "auth.pass_table.local_authdb.table", contextOf(dir));
    assert.ok(isMutableTable(t));
    await t.set("alice@example.org", "v1");
    await t.set("bob@example.org", "v2");
    await t.set("alice@example.org", "v3");
    assert.equal(await t.lookup("alice@example.org"), "v3");
    assert.deepEqual(await t.keys(), ["alice@example.org", "bob@example.org"]);
    await t.remove("bob@example.org");
    assert.equal(await t.lookup("bob@example.org"), null);
    await t.close?.();
    const again = await tableOf(spec, "p", contextOf(dir));
    assert.equal(await again.lookup("alice@example.org"), "v3");
    await again.close?.();
    await assert.rejects(
      () => tableOf({ ...spec, table_name: "x; DROP TABLE y" }, "p", contextOf(dir)),
      /invalid SQL identifier/,
    );
    await assert.rejects(
      () => tableOf({ ...spec, driver: "mysql" }, "p", contextOf(dir)),
      /p\.driver: unsupported/,
    );
    await assert.rejects(
      () => tableOf({ ...spec, driver: "postgres" }, "p", contextOf(dir)),
      /p\.dsn: driver "postgres" expects a postgres:\/\//,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`buildTable()` sql_query with numbered and named arguments", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const init = [
      "CREATE TABLE IF NOT EXISTS aliases (address TEXT PRIMARY KEY, alias TEXT)",
      "INSERT OR REPLACE INTO aliases VALUES ('a@x', 'b@x')",
    ];
    const numbered = await tableOf(
      {
        module: "sql_query",
        driver: "sqlite3",
        dsn: "aliases.db",
        init,
        named_args: false,
        lookup: "SELECT alias FROM aliases WHERE address = $1",
      },
      "p",
      contextOf(dir),
    );
    assert.equal(await numbered.lookup("a@x"), "b@x");
    assert.equal(await numbered.lookup("zz"), null);
    await numbered.close?.();
    const named = await tableOf(
      {
        module: "sql_query",
        driver: "libsql",
        dsn: "aliases.db",
        lookup: "SELECT alias FROM aliases WHERE address = :key",
      },
      "p",
      contextOf(dir),
    );
    assert.equal(await named.lookup("a@x"), "b@x");
    await named.close?.();
    await assert.rejects(
      () =>
        tableOf(
          { module: "sql_query", driver: "libsql", dsn: "aliases.db", lookup: "SELEKT" },
          "q",
          contextOf(dir),
        ),
      /q: SQL error/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
