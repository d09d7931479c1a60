/**
 * maddy's `--cfg-block NAME`: `creds` acts on the `[auth.pass_table.NAME]`
 * it names, the store commands on the `[storage.imapsql.NAME]`; a name
 * that is no such block is refused, listing the blocks there are.
 */
import assert from "node:assert/strict";
import { takeCfgBlock } from "../../lib/cli/args.ts";
import { baseConfig, runMain } from "../_support/server.ts";

Deno.test("`takeCfgBlock()` takes the option anywhere before --", () => {
  assert.deepEqual(takeCfgBlock(["list", "--cfg-block", "b"]), { block: "b", args: ["list"] });
  assert.deepEqual(takeCfgBlock(["--cfg-block=b", "create", "x"]), {
    block: "b",
    args: ["create", "x"],
  });
  assert.deepEqual(takeCfgBlock(["add", "--", "--cfg-block", "b"]), {
    block: undefined,
    args: ["add", "--", "--cfg-block", "b"],
  });
  assert.deepEqual(takeCfgBlock(["list", "--cfg-block"]), {
    error: "--cfg-block needs a block name",
  });
});

Deno.test("--cfg-block picks the credentials table and the storage by block name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-cfg-block-" });
  try {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(
      file,
      baseConfig(dir) + `
[auth.pass_table.other_authdb]
table = { module = "sql_table", driver = "libsql", dsn = "other.db", table_name = "passwords" }

[storage.imapsql.archive]
dsn = "archive.db"
`,
    );
    const main = (...args: string[]) => runMain(["--config", file, ...args]);
    const made = await main("creds", "create", "--cfg-block", "other_authdb", "-p", "pw", "carol");
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await main("creds", "list", "--cfg-block=other_authdb")).stdout, "carol\n");
    assert.equal((await main("creds", "list", "-q")).stdout, "", "the default table is another");
    assert.equal((await main("creds", "--cfg-block", "local_authdb", "list", "-q")).stdout, "");

    assert.equal((await main("imap-acct", "create", "--cfg-block", "archive", "dave")).code, 0);
    assert.equal((await main("imap-acct", "list", "--cfg-block", "archive")).stdout, "dave\n");
    assert.equal((await main("imap-acct", "list")).stdout, "", "the endpoint's storage is another");
    const boxes = await main("imap-mboxes", "list", "--cfg-block", "archive", "dave");
    assert.match(boxes.stdout, /^INBOX$/m);

    const wrong = await main("creds", "list", "--cfg-block", "archive");
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /--cfg-block "archive": the config has no \[auth\.pass_table\.archive\] block \(auth\.pass_table blocks: local_authdb, other_authdb\)/,
    );
    const none = await main("imap-acct", "list", "--cfg-block", "nothing");
    assert.equal(none.code, 1);
    assert.match(none.stderr, /storage\.imapsql blocks: local_mailboxes, archive/);
    const bare = await main("imap-acct", "list", "--cfg-block");
    assert.equal(bare.code, 2);
    assert.match(
      bare.stderr,
      /--cfg-block needs a block name\nUsage: imapd \[--config FILE\] imap-acct /,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
