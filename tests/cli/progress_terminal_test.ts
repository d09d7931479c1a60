/**
 * Progress bars in a real process: `import` (mbox and Maildir), `backup`
 * and `restore` draw one on stderr when it is a terminal (a pty from
 * util-linux `script`), and write nothing there when it is not.
 */
import assert from "node:assert/strict";
import { baseConfig, ROOT, runMain } from "../_support/server.ts";

const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs main.ts with a pty as stdin, stdout and stderr; the terminal's text. */
async function onTerminal(args: string[]): Promise<{ code: number; output: string }> {
  const command = [Deno.execPath(), "run", "-A", `${ROOT}main.ts`, ...args].map(sh).join(" ");
  const out = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, output: new TextDecoder().decode(out.stdout) };
}

function mbox(count: number): string {
  let out = "";
  for (let i = 1; i <= count; i++) {
    out += `From a@example.org Mon Nov  3 10:00:00 2025\nSubject: m${i}\n\n${"x".repeat(200)}\n\n`;
  }
  return out;
}

/** The bar's last drawing: `LABEL  [===...]  100%  SIZE of SIZE  RATE  in M:SS ...`. */
function finalBar(label: string): RegExp {
  return new RegExp(
    `${label} {2}\\[=+\\] {2}100% {2}[\\d.]+ [KM]?B of [\\d.]+ [KM]?B {2}\\S+ .*in \\d+:\\d\\d`,
  );
}

Deno.test({
  name: "import, backup and restore draw a progress bar on a terminal and nothing without one",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "imapd-progress-" });
    try {
      const file = `${dir}/config.toml`;
      await Deno.writeTextFile(
        file,
        baseConfig(dir).replace(
          'dsn = "imapsql.db"',
          'dsn = "imapsql.db"\nmsg_store = ["fs", "messages"]',
        ),
      );
      const main = (...args: string[]) => runMain(["--config", file, ...args]);
      assert.equal((await main("imap-acct", "create", "alice")).code, 0);
      await Deno.writeTextFile(`${dir}/old.mbox`, mbox(40));
      await Deno.mkdir(`${dir}/Maildir/cur`, { recursive: true });
      for (let i = 0; i < 5; i++) {
        await Deno.writeTextFile(`${dir}/Maildir/cur/${1000 + i}.x:2,S`, `Subject: d${i}\n\nhi\n`);
      }

      const piped = await main("import", "alice", "Old", `${dir}/old.mbox`);
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stdout, 'Imported 40 messages into "Old"\n');
      assert.equal(piped.stderr, "", "no bar without a terminal");

      const mboxTerm = await onTerminal([
        "--config",
        file,
        "import",
        "alice",
        "Old2",
        `${dir}/old.mbox`,
      ]);
      assert.equal(mboxTerm.code, 0, mboxTerm.output);
      assert.match(mboxTerm.output, finalBar("import"));
      assert.match(mboxTerm.output, /40 messages\r?\n/);
      assert.match(mboxTerm.output, /Imported 40 messages into "Old2"/);

      const maildir = await onTerminal([
        "--config",
        file,
        "import",
        "alice",
        "Dir",
        `${dir}/Maildir`,
      ]);
      assert.equal(maildir.code, 0, maildir.output);
      assert.match(maildir.output, finalBar("import"));
      assert.match(maildir.output, /Imported 5 messages into "Dir"/);

      const backup = await onTerminal(["--config", file, "backup", `${dir}/backup`]);
      assert.equal(backup.code, 0, backup.output);
      assert.match(backup.output, /backup local_mailboxes: copying the database imapsql\.db \(/);
      assert.match(backup.output, finalBar("backup local_mailboxes"));
      const pipedBackup = await main("backup", `${dir}/backup2`);
      assert.equal(pipedBackup.code, 0, pipedBackup.stderr);
      assert.equal(pipedBackup.stderr, "");

      await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("/data", "/data2"));
      const restore = await onTerminal(["--config", file, "restore", `${dir}/backup`]);
      assert.equal(restore.code, 0, restore.output);
      assert.match(restore.output, /restored imapsql\.db \(integrity ok\)/);
      assert.match(restore.output, finalBar("restore"));
      const listed = await main("imap-msgs", "list", "alice", "Old2");
      assert.equal(listed.stdout.trim().split("\n").length, 40, "the restored store has the mail");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
