import assert from "node:assert/strict";
import { SUBCOMMANDS } from "../../lib/cli/args.ts";
import { HELP, helpFor, USAGE, usageLine, usageOf } from "../../lib/cli/help.ts";
import { runCredsCli } from "../../lib/cli/creds.ts";
import { baseConfig, runMain } from "../_support/server.ts";

Deno.test("`helpFor()` has usage for every command and subcommand", () => {
  for (const command of SUBCOMMANDS) {
    const top = helpFor(command, ["--help"]);
    assert.ok(top?.startsWith(`Usage: imapd [--config FILE] ${command}`), command);
    assert.equal(helpFor(command, ["-h"]), top);
    for (const sub of Object.keys(HELP[command].subcommands ?? {})) {
      assert.match(top!, new RegExp(`^  ${sub}\\b`, "m"), `${command} lists ${sub}`);
      const own = helpFor(command, [sub, "--help"]);
      assert.ok(own?.startsWith(`Usage: imapd [--config FILE] ${command} ${sub}`), sub);
      assert.equal(helpFor(command, [sub, "x", "-h"]), own);
    }
  }
  assert.equal(helpFor("creds", ["create", "alice"]), null);
  assert.equal(helpFor("imap-msgs", ["add", "alice", "INBOX", "--", "--help"]), null);
  // Unknown subcommand: the command's help.
  assert.equal(helpFor("creds", ["frob", "--help"]), helpFor("creds", ["--help"]));
});

Deno.test("`--help` at every level prints usage and exits 0 in a real process, without a config", async () => {
  const cases = [
    ["hash", "--help"],
    ["creds", "--help"],
    ["creds", "create", "--help"],
    ["creds", "remove", "-h"],
    ["imap-acct", "--help"],
    ["imap-mboxes", "remove", "--help"],
    ["imap-msgs", "move", "--help"],
    ["import", "--help"],
    ["deliver", "--help"],
    ["backup", "--help"],
  ];
  for (const args of cases) {
    const r = await runMain(["--config", "/nonexistent/imapd.toml", ...args]);
    const words = args.filter((a) => !a.startsWith("-")).join(" ");
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`Usage: imapd [--config FILE] ${words}`), r.stdout);
    assert.equal(r.stderr, "");
  }
  const top = await runMain(["--help"]);
  assert.match(top.stdout, /imapd COMMAND --help/);
});

Deno.test("an unknown option is named plainly, with the help to read", async () => {
  const err: string[] = [];
  const io = {
    stdout: () => {},
    stderr: (s: string) => void err.push(s),
    isTerminal: false,
    readPassword: () => Promise.resolve(""),
  };
  assert.equal(await runCredsCli("hash", ["--frob"], null, io), 2);
  assert.equal(err.join(""), 'Error: unknown option --frob (see "imapd hash --help")\n');
});

Deno.test("usage texts have one source: errors print the usage of HELP", async () => {
  for (const [command, sub] of [["imap-acct", "create"], ["imap-msgs", "move"]] as const) {
    assert.equal(
      usageOf(command, sub),
      `${command} ${sub} ${HELP[command].subcommands![sub].usage}`,
    );
  }
  assert.equal(usageOf("import"), `import ${HELP.import.usage}`);
  assert.equal(usageLine("restore"), "Usage: imapd [--config FILE] restore DIR\n");
  for (const command of SUBCOMMANDS) {
    assert.ok(USAGE.includes(`\n  ${command} `), `imapd --help lists ${command}`);
  }
  // No other module of lib/cli spells a usage line of its own.
  for await (const e of Deno.readDir(new URL("../../lib/cli/", import.meta.url))) {
    if (e.name === "help.ts") continue;
    const text = await Deno.readTextFile(new URL(`../../lib/cli/${e.name}`, import.meta.url));
    assert.doesNotMatch(text, /["'`](Usage|usage): (imapd |creds |imap-|import )/, e.name);
  }
});

Deno.test("a store command's usage error prints the usage from HELP", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-usage-" });
  try {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(file, baseConfig(dir));
    const r = await runMain(["--config", file, "imap-acct", "create"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `imap-acct: usage: ${usageOf("imap-acct", "create")} (see "imapd imap-acct create --help")\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
