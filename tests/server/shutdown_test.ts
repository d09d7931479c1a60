/** SIGTERM and SIGINT: BYE to open sessions, exit 0 (the server run as a user runs it). */
import assert from "node:assert/strict";
import { baseConfig, portOf, runMain, spawnServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal} says BYE to every session and exits 0`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "imapd-shutdown-" });
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
    const created = await runMain([
      "--config",
      file,
      "creds",
      "create",
      "--password",
      "pw",
      "alice",
    ]);
    assert.equal(created.code, 0, created.stderr);
    const srv = await spawnServer(file);
    try {
      const port = portOf(srv.addresses[0]);
      const idle = await TestClient.connect(port);
      const busy = await TestClient.connect(port);
      await busy.login("alice", "pw");
      await busy.command("SELECT INBOX");
      await busy.writeRaw("i1 IDLE\r\n");
      assert.match(await busy.readLine(), /^\+ idling/);
      const status = await srv.stop(signal);
      assert.equal(status.code, 0);
      assert.match(await idle.readLine(), /^\* BYE Server shutting down/);
      assert.match(await busy.readLine(), /^\* BYE Server shutting down/);
      assert.match(srv.stderr(), new RegExp(`received ${signal}, shutting down`));
      idle.close();
      busy.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
