import assert from "node:assert/strict";
import { runCredsCli } from "../../lib/cli/creds.ts";
import type { CliIo } from "../../lib/cli/io.ts";
import { verifyPassword } from "../../lib/auth/hash.ts";
import { PassTableProvider } from "../../lib/auth/providers.ts";
import type { MutableTable } from "../../lib/tables/table.ts";
import { contextOf, tableOf } from "../_support/modules.ts";

function captureIo(passwords: string[] = [], confirm?: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTerminal: false,
    readPassword: () => Promise.resolve(passwords.shift() ?? ""),
  };
  if (confirm !== undefined) io.confirm = () => Promise.resolve(confirm);
  return { io, out, err };
}

async function withTable(fn: (t: MutableTable, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const spec = {
    module: "sql_table",
    driver: "libsql",
    dsn: "file:creds.db",
    table_name: "passwords",
  };
  const table = await tableOf(spec, "t", contextOf(dir)) as MutableTable;
  try {
    await fn(table, dir);
  } finally {
    await table.close?.();
    await Deno.remove(dir, { recursive: true });
  }
}

const cheap = ["--argon2-memory", "1024"];

Deno.test("`runCredsCli()` creds create, list, password and remove", async () => {
  await withTable(async (table) => {
    let c = captureIo();
    assert.equal(
      await runCredsCli(
        "creds",
        ["create", "--password", "pass1", "Alice@Example.org"],
        table,
        c.io,
      ),
      0,
    );
    const stored = await table.lookup("alice@example.org");
    assert.match(stored ?? "", /^argon2:3:65536:1:/);
    assert.equal(
      await new PassTableProvider(table).authenticate("alice@example.org", "pass1"),
      "ok",
    );

    c = captureIo(["from-prompt"]);
    assert.equal(
      await runCredsCli(
        "creds",
        ["create", "--hash", "bcrypt", "--bcrypt-cost", "4", "bob"],
        table,
        c.io,
      ),
      0,
    );
    assert.equal(await verifyPassword("from-prompt", (await table.lookup("bob"))!), true);

    c = captureIo();
    assert.equal(await runCredsCli("creds", ["create", "-p", "x", "bob"], table, c.io), 1);
    assert.match(c.err.join(""), /credentials for bob already exist/);

    c = captureIo();
    assert.equal(await runCredsCli("creds", ["list"], table, c.io), 0);
    assert.equal(c.out.join(""), "alice@example.org\nbob\n");

    c = captureIo();
    assert.equal(await runCredsCli("creds", ["password", "-p", "pass2", "BOB"], table, c.io), 0);
    assert.equal(await verifyPassword("pass2", (await table.lookup("bob"))!), true);
    assert.equal(await runCredsCli("creds", ["password", "-p", "x", "carol"], table, c.io), 1);

    // No terminal to ask on and no --yes: refused, nothing removed.
    c = captureIo();
    assert.equal(await runCredsCli("creds", ["remove", "bob"], table, c.io), 1);
    assert.match(c.err.join(""), /not confirmed: .*bob.*not a terminal.*--yes/);
    assert.notEqual(await table.lookup("bob"), null);
    // A terminal: the question names the user; "no" keeps it, "yes" removes it.
    const asked: string[] = [];
    c = captureIo([], false);
    const no = c.io.confirm!;
    c.io.confirm = (q) => (asked.push(q), no(q));
    assert.equal(await runCredsCli("creds", ["remove", "bob"], table, c.io), 1);
    assert.match(c.err.join(""), /cancelled/);
    assert.deepEqual(asked, ["Delete the credentials of bob?"]);
    assert.notEqual(await table.lookup("bob"), null);
    c = captureIo([], true);
    assert.equal(await runCredsCli("creds", ["remove", "bob"], table, c.io), 0);
    assert.equal(await table.lookup("bob"), null);
    assert.equal(await runCredsCli("creds", ["remove", "--yes", "bob"], table, captureIo().io), 1);
    assert.equal(
      await runCredsCli("creds", ["remove", "-y", "alice@example.org"], table, captureIo().io),
      0,
    );

    c = captureIo();
    assert.equal(await runCredsCli("creds", ["list"], table, c.io), 0);
    assert.equal(c.err.join(""), "No users.\n");
  });
});

Deno.test("`runCredsCli()` exits 2 on usage errors", async () => {
  await withTable(async (table) => {
    const cases: string[][] = [
      [],
      ["frobnicate"],
      ["create"],
      ["create", "--nope", "a"],
      ["create", "--hash", "md5", "-p", "x", "a"],
      ["create", "-p", "x", "a b"],
      ["create", "-p", "x", "a", "extra"],
      ["list", "extra"],
      ["list", "--yes"],
    ];
    for (const args of cases) {
      const c = captureIo();
      assert.equal(await runCredsCli("creds", args, table, c.io), 2, args.join(" "));
      assert.match(c.err.join(""), /^Error: /);
    }
  });
});

Deno.test("`runCredsCli()` creds needs a mutable table", async () => {
  const c = captureIo();
  assert.equal(await runCredsCli("creds", ["list"], null, c.io), 1);
  assert.match(c.err.join(""), /not mutable/);
});

Deno.test("`runCredsCli()` hash prints a maddy-format hash", async () => {
  let c = captureIo();
  assert.equal(
    await runCredsCli("hash", ["--password", "pw", ...cheap, "--argon2-time", "1"], null, c.io),
    0,
  );
  const line = c.out.join("");
  assert.match(line, /^argon2:1:1024:1:\S+\n$/);
  assert.equal(await verifyPassword("pw", line.trim()), true);

  c = captureIo([" spaced "]);
  assert.equal(
    await runCredsCli("hash", ["--hash", "bcrypt", "--bcrypt-cost", "4"], null, c.io),
    0,
  );
  assert.match(c.out.join(""), /^bcrypt:\$2/);
  assert.match(c.err.join(""), /leading\/trailing whitespace/);
  assert.equal(
    await runCredsCli("hash", ["--bcrypt-cost", "99", "-p", "x"], null, captureIo().io),
    2,
  );
});
