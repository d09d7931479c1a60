/**
 * Destructive admin commands in a real process: on a terminal (a pty from
 * util-linux `script`) they ask and act on the answer; with standard input
 * not a terminal they refuse unless `--yes` is given.
 */
import assert from "node:assert/strict";
import { baseConfig, ROOT, runMain } from "../_support/server.ts";

const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs main.ts with a pty as its terminal, typing `typed`. */
async function onTerminal(args: string[], typed: string) {
  const command = [Deno.execPath(), "run", "-A", `${ROOT}main.ts`, ...args].map(sh).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(typed));
  await w.close();
  const out = await child.output();
  return { code: out.code, output: new TextDecoder().decode(out.stdout) };
}

Deno.test("creds remove and imap-acct remove ask on a terminal and refuse without one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imapd-confirm-" });
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, baseConfig(dir));
  const main = (...args: string[]) => runMain(["--config", file, ...args]);
  try {
    assert.equal((await main("creds", "create", "-p", "pw", "bob")).code, 0);
    assert.equal((await main("imap-acct", "create", "bob")).code, 0);

    const piped = await main("creds", "remove", "bob");
    assert.equal(piped.code, 1);
    assert.match(piped.stderr, /not confirmed: .*not a terminal.*--yes/);
    const pipedAcct = await main("imap-acct", "remove", "bob");
    assert.equal(pipedAcct.code, 1);
    assert.match(pipedAcct.stderr, /not confirmed/);

    const no = await onTerminal(["--config", file, "creds", "remove", "bob"], "n\n");
    assert.equal(no.code, 1, no.output);
    assert.match(no.output, /Delete the credentials of bob\? \[y\/N\]/);
    assert.match(no.output, /cancelled/);
    assert.equal((await main("creds", "list")).stdout, "bob\n");

    const yes = await onTerminal(["--config", file, "creds", "remove", "bob"], "y\n");
    assert.equal(yes.code, 0, yes.output);
    assert.equal((await main("creds", "list")).stdout, "");

    const acctNo = await onTerminal(["--config", file, "imap-acct", "remove", "bob"], "\n");
    assert.equal(acctNo.code, 1, acctNo.output);
    assert.match(acctNo.output, /Delete account "bob" with all its mailboxes and messages\?/);
    assert.equal((await main("imap-acct", "list")).stdout, "bob\n");
    const acctYes = await main("imap-acct", "remove", "--yes", "bob");
    assert.equal(acctYes.code, 0, acctYes.stderr);
    assert.equal((await main("imap-acct", "list")).stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
