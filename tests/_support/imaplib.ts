/**
 * Runs a Python imaplib script against the server started as a user starts
 * it (`main.ts --config FILE run`), with the account alice/pw created by
 * `creds create`. The script gets the IMAP port as argv[1]. The server is
 * stopped and its directory removed before this returns.
 */
import assert from "node:assert/strict";
import { baseConfig, portOf, runMain, spawnServer } from "./server.ts";

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runImaplibScript(
  script: string,
  prefix = "imapd-imaplib-",
): Promise<ScriptRun> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
    assert.equal(
      (await runMain(["--config", file, "creds", "create", "--password", "pw", "alice"])).code,
      0,
    );
    const srv = await spawnServer(file);
    try {
      const out = await new Deno.Command("python3", {
        args: ["-c", script, String(portOf(srv.addresses[0]))],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    } finally {
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
