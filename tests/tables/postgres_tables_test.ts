/**
 * sql_table and sql_query on PostgreSQL (driver = "postgres"): the
 * credentials table several nodes share. Ignored, with the reason printed,
 * where no PostgreSQL cluster can be started (tests/_support/postgres.ts).
 */
import assert from "node:assert/strict";
import { isMutableTable } from "../../lib/tables/build.ts";
import { contextOf, tableOf } from "../_support/modules.ts";
import { postgres } from "../_support/postgres.ts";

const cluster = await postgres();
const ignore = cluster === null;
const ctx = contextOf("/nonexistent");

Deno.test({
  name: "`buildTable()` sql_table on PostgreSQL is mutable and shared by two openers",
  ignore,
  async fn() {
    const dsn = await cluster!.createDatabase();
    const spec = { module: "sql_table", driver: "postgres", dsn, table_name: "passwords" };
    const a = await tableOf(spec, "auth.pass_table.local_authdb.table", ctx);
    const b = await tableOf({ ...spec, driver: "postgresql" }, "p", ctx);
    try {
      assert.ok(isMutableTable(a) && isMutableTable(b));
      await a.set("alice@example.org", "v1");
      await a.set("bob@example.org", "v2");
      await a.set("alice@example.org", "v3");
      // The other opener (another node) sees every change at once.
      assert.equal(await b.lookup("alice@example.org"), "v3");
      assert.deepEqual(await b.keys(), ["alice@example.org", "bob@example.org"]);
      await a.remove("bob@example.org");
      assert.equal(await b.lookup("bob@example.org"), null);
      assert.equal(
        await cluster!.psql(dsn.replace(/.*\//, ""), "select count(*) from passwords"),
        "1",
      );
    } finally {
      await a.close?.();
      await b.close?.();
    }
  },
});

Deno.test({
  name: "`buildTable()` sql_query on PostgreSQL binds $1 and :key",
  ignore,
  async fn() {
    const dsn = await cluster!.createDatabase();
    const init = [
      "CREATE TABLE IF NOT EXISTS aliases (address TEXT PRIMARY KEY, alias TEXT)",
      "INSERT INTO aliases VALUES ('a@x', 'b@x') ON CONFLICT DO NOTHING",
    ];
    const numbered = await tableOf(
      {
        module: "sql_query",
        driver: "postgres",
        dsn,
        init,
        named_args: false,
        lookup: "SELECT alias FROM aliases WHERE address = $1",
      },
      "p",
      ctx,
    );
    const named = await tableOf(
      {
        module: "sql_query",
        driver: "postgres",
        dsn,
        init,
        lookup: "SELECT alias FROM aliases WHERE address = :key",
        add: "INSERT INTO aliases VALUES (:key, :value)",
      },
      "p",
      ctx,
    );
    try {
      assert.equal(await numbered.lookup("a@x"), "b@x");
      assert.equal(await numbered.lookup("nobody@x"), null);
      assert.ok(isMutableTable(named));
      await named.set("c@x", "d@x");
      assert.equal(await numbered.lookup("c@x"), "d@x");
    } finally {
      await numbered.close?.();
      await named.close?.();
    }
  },
});

Deno.test({
  name: "`buildTable()` sql_table on an unreachable PostgreSQL is a config error at the key",
  ignore,
  async fn() {
    // A port nothing listens on (the cluster's, with a database that does not exist).
    const dsn = cluster!.dsn("no_such_database");
    await assert.rejects(
      () => tableOf({ module: "sql_table", driver: "postgres", dsn, table_name: "t" }, "p", ctx),
      /^ConfigError: p: PostgreSQL error: .*no_such_database/,
    );
  },
});
