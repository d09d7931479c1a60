import assert from "node:assert/strict";
import { SUBCOMMANDS } from "../../lib/cli/args.ts";
import { HELP, helpFor } from "../../lib/cli/help.ts";
import { runCredsCli } from "../../lib/cli/creds.ts";
import { runMain } from "../_support/server.ts";

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
