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

Deno.test("io_debug masks on the parsed command, and a refused literal's data never runs (issue 12, finding 6)", async () => {
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
    const port = portOf(srv.addresses[0]);
    const c = await TestClient.connect(port);
    // Two spaces, a TAB, no tag: none of these is a LOGIN the old regex recognised.
    await c.writeRaw("a1  LOGIN alice s3cret-pw\r\n");
    const r1 = await c.readLine();
    await c.writeRaw("a2\tLOGIN alice s3cret-pw\r\n");
    const r2 = await c.readLine();
    await c.writeRaw("LOGIN alice s3cret-pw\r\n");
    const r3 = await c.readLine();
    for (const r of [r1, r2, r3]) assert.doesNotMatch(r, /s3cret/);
    // A literal where a SASL response line belongs is refused, and the
    // connection ends: the data the client sends anyway never runs.
    await c.writeRaw("a4 AUTHENTICATE PLAIN\r\n");
    assert.match(await c.readLine(), /^\+/);
    await c.writeRaw("{12}\r\n");
    assert.match(await c.readLine(), /^a4 BAD/);
    assert.match(await c.readLine(), /^\* BYE /);
    await c.writeRaw("s3cret-pw xx\r\n").catch(() => {});
    assert.ok(await c.closedByServer());
    c.close();
    // With a tag: the same applies after a refused literal before login.
    const d = await TestClient.connect(port);
    await d.writeRaw(`b1 LOGIN alice {${1024 * 1024}}\r\n`);
    assert.match(await d.readLine(), /^b1 BAD \[TOOBIG\]/);
    assert.match(await d.readLine(), /^\* BYE /);
    d.close();
    await new Promise((r) => setTimeout(r, 300));
    const err = srv.stderr();
    assert.doesNotMatch(err, /s3cret/);
    assert.match(err, /C: \[not a known command/);
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
