/** io_debug: every command and response on stderr, with credentials masked. */
import assert from "node:assert/strict";
import { baseConfig, portOf, runMain, spawnServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

Deno.test("io_debug traces both directions and masks LOGIN and AUTHENTICATE secrets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-iodebug-" });
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(
    file,
    baseConfig(dir, "io_debug = true").replace('log = "off"', 'log = "stderr"'),
  );
  assert.equal(
    (await runMain(["--config", file, "creds", "create", "--password", "s3cret-pw", "alice"])).code,
    0,
  );
  const srv = await spawnServer(file);
  try {
    const c = await TestClient.connect(portOf(srv.addresses[0]));
    await c.login("alice", "s3cret-pw");
    await c.command("LOGOUT");
    const c2 = await TestClient.connect(portOf(srv.addresses[0]));
    // PLAIN with an initial response: "\0alice\0s3cret-pw"
    await c2.command(`AUTHENTICATE PLAIN ${btoa("\0alice\0s3cret-pw")}`);
    c2.close();
    c.close();
    await new Promise((r) => setTimeout(r, 300));
    const err = srv.stderr();
    assert.match(err, /C: t1 LOGIN \*\*\*/);
    assert.match(err, /S: t1 OK \[CAPABILITY /);
    assert.match(err, /C: t1 AUTHENTICATE PLAIN \*\*\*/);
    assert.doesNotMatch(err, /s3cret/);
    assert.doesNotMatch(err, new RegExp(btoa("\0alice\0s3cret-pw").slice(0, 12)));
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
