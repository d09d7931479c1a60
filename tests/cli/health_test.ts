import assert from "node:assert/strict";
import { baseConfig, runMain, spawnServer } from "../_support/server.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("`imapd health` exits 0 while the server runs and 1, naming the listener, when it does not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-health-" });
  try {
    const port = freePort();
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(
      file,
      baseConfig(dir).replace("tcp://127.0.0.1:0", `tcp://127.0.0.1:${port}`)
        .replace(`log = "off"`, `log = "stderr"`),
    );
    const srv = await spawnServer(file);
    try {
      const up = await runMain(["--config", file, "health"]);
      assert.equal(up.code, 0, up.stdout + up.stderr);
      assert.match(up.stdout, /^ok {3}storage local_mailboxes: opens and answers \(0 accounts\)$/m);
      assert.match(
        up.stdout,
        new RegExp(`^ok {3}imap tcp://127\\.0\\.0\\.1:${port}: greets$`, "m"),
      );
    } finally {
      await srv.stop();
    }
    const down = await runMain(["--config", file, "health"]);
    assert.equal(down.code, 1, down.stdout + down.stderr);
    assert.match(
      down.stdout,
      new RegExp(`^FAIL imap tcp://127\\.0\\.0\\.1:${port}: .*refused`, "mi"),
    );
    // The database still opens without the server.
    assert.match(down.stdout, /^ok {3}storage local_mailboxes/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
