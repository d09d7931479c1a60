import assert from "node:assert/strict";
import { baseConfig, ROOT } from "../_support/server.ts";

async function records(path: string): Promise<Record<string, unknown>[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch { /* not yet */ }
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("log_format = json writes one JSON object per line; SIGHUP reopens a rotated log file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-log-" });
  const logFile = `${dir}/imapd.log`;
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(
    file,
    baseConfig(dir).replace(`log = "off"`, `log = "${logFile}"\nlog_format = "json"`),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "--config", file, "run"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const listening = await waitFor(
      "the listening record",
      async () => (await records(logFile)).find((r) => String(r.msg).startsWith("listening on")),
    );
    assert.equal(listening.level, "info");
    assert.equal(typeof listening.time, "string");
    assert.equal(listening.endpoint, "imap");

    // A client's control bytes stay escaped in the JSON text.
    const port = Number(/:(\d+)$/.exec(String(listening.msg))![1]);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("a1 LOGIN \x1b[31mEVIL pw\r\na2 LOGOUT\r\n"));
    const buf = new Uint8Array(4096);
    while ((await conn.read(buf)) !== null) { /* until the server closes */ }
    conn.close();

    await Deno.rename(logFile, `${logFile}.1`);
    child.kill("SIGHUP");
    const reopened = await waitFor(
      "the SIGHUP record in the new file",
      async () =>
        (await records(logFile)).find((r) => r.msg === "received SIGHUP: log files reopened"),
    );
    assert.equal(reopened.level, "info");
    const old = await Deno.readTextFile(`${logFile}.1`);
    assert.ok(!old.includes("\x1b"), "no raw ESC in the log");
    assert.ok(!old.includes("received SIGHUP"), "the rotated file got nothing after SIGHUP");
    assert.equal((await Deno.stat(logFile)).mode! & 0o777, 0o600);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
