/**
 * Start-up errors say where (issue 16, finding 6): each names the config
 * file, the line and the key, and the address, file or database at fault,
 * not only the operating system's words.
 */
import assert from "node:assert/strict";
import { baseConfig, ROOT } from "../_support/server.ts";

/** Runs `imapd --config FILE ARGS` that must fail; returns its stderr. */
async function failure(file: string, args: string[] = ["run"]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "--config", file, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Only a guard against a start that wrongly succeeds (`run` would not end).
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1, stderr);
  return stderr;
}

/** The 1-based line of the first line of `text` that starts with `start`. */
function lineOf(text: string, start: string): number {
  const i = text.split("\n").findIndex((l) => l.startsWith(start));
  assert.ok(i >= 0, `no line starts with ${start}`);
  return i + 1;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "imapd-startup-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function busyPort(): { port: number; close(): void } {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return { port: (l.addr as Deno.NetAddr).port, close: () => l.close() };
}

Deno.test("a listen address in use names the address, imap.listen and its line", async () => {
  await withDir(async (dir) => {
    const busy = busyPort();
    try {
      const file = `${dir}/config.toml`;
      const text = baseConfig(dir).replace("tcp://127.0.0.1:0", `tcp://127.0.0.1:${busy.port}`);
      await Deno.writeTextFile(file, text);
      const err = await failure(file);
      assert.match(
        err,
        new RegExp(
          `config\\.toml:${lineOf(text, "listen")}: imap\\.listen: cannot listen on ` +
            `tcp://127\\.0\\.0\\.1:${busy.port}: Address already in use\\n`,
        ),
      );
    } finally {
      busy.close();
    }
  });
});

Deno.test("an [lmtp] or [openmetrics] address in use names its own key and line", async () => {
  await withDir(async (dir) => {
    const busy = busyPort();
    try {
      const file = `${dir}/config.toml`;
      const lmtp = `${baseConfig(dir)}\n[lmtp]\nlisten = ["tcp://127.0.0.1:${busy.port}"]\n` +
        `deliver_to = "&local_mailboxes"\n`;
      await Deno.writeTextFile(file, lmtp);
      assert.match(
        await failure(file),
        new RegExp(
          `config\\.toml:${lineOf(lmtp, `listen = ["tcp://127.0.0.1:${busy.port}`)}: ` +
            `lmtp\\.listen: cannot listen on tcp://127\\.0\\.0\\.1:${busy.port}: Address already in use`,
        ),
      );
      const metrics = baseConfig(
        dir,
        "",
        `[openmetrics]\nlisten = ["tcp://127.0.0.1:${busy.port}"]`,
      );
      await Deno.writeTextFile(file, metrics);
      assert.match(
        await failure(file),
        new RegExp(
          `config\\.toml:${lineOf(metrics, `listen = ["tcp://127.0.0.1:${busy.port}`)}: ` +
            `openmetrics\\.listen: cannot listen on tcp://127\\.0\\.0\\.1:${busy.port}: .*in use`,
        ),
      );
    } finally {
      busy.close();
    }
  });
});

Deno.test("a missing TLS certificate or key file names imap.tls.cert or .key, the file and the line", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/config.toml`;
    const text = baseConfig(dir, `tls = { cert = "nope.pem", key = "nope.key" }`)
      .replace("tcp://127.0.0.1:0", "tls://127.0.0.1:0");
    await Deno.writeTextFile(file, text);
    assert.match(
      await failure(file),
      new RegExp(
        `config\\.toml:${lineOf(text, "tls =")}: imap\\.tls\\.cert: cannot read the certificate ` +
          `file "${escape(dir)}/nope\\.pem": No such file or directory\\n`,
      ),
    );
    await Deno.writeTextFile(`${dir}/nope.pem`, "not read this far\n");
    assert.match(
      await failure(file),
      new RegExp(
        `imap\\.tls\\.key: cannot read the key file "${escape(dir)}/nope\\.key": No such file`,
      ),
    );
  });
});

Deno.test("a state_dir that is a file, or under one, names state_dir", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(`${dir}/plain`, "");
    const under = baseConfig(dir).replace(`"${dir}/data"`, `"${dir}/plain/data"`);
    await Deno.writeTextFile(file, under);
    assert.match(
      await failure(file),
      new RegExp(
        `config\\.toml:1: state_dir: cannot create "${escape(dir)}/plain/data": Not a directory\\n`,
      ),
    );
    await Deno.writeTextFile(file, baseConfig(dir).replace(`"${dir}/data"`, `"${dir}/plain"`));
    for (const args of [["run"], ["imap-acct", "list"], ["creds", "list"]]) {
      assert.match(
        await failure(file, args),
        new RegExp(
          `config\\.toml:1: state_dir: "${escape(dir)}/plain" exists and is not a directory`,
        ),
        args.join(" "),
      );
    }
  });
});

Deno.test("an unknown key in a quoted, spaced table header is reported with its line", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/config.toml`;
    const text = baseConfig(dir).replace(
      "[storage.imapsql.local_mailboxes]",
      '[ storage.imapsql."local_mailboxes" ]\ncompresion = "zstd"',
    );
    await Deno.writeTextFile(file, text);
    assert.match(
      await failure(file),
      new RegExp(
        `config\\.toml:${lineOf(text, "compresion")}: ` +
          "storage\\.imapsql\\.local_mailboxes\\.compresion: unknown key",
      ),
    );
  });
});

Deno.test("a remote DSN that cannot be reached is named without its password, with the reason", async () => {
  await withDir(async (dir) => {
    const closed = busyPort();
    closed.close(); // nothing listens there now: the connection is refused
    const file = `${dir}/config.toml`;
    const text = baseConfig(dir).replace(
      'dsn = "imapsql.db"',
      `dsn = "http://admin:s3cret@127.0.0.1:${closed.port}"`,
    );
    await Deno.writeTextFile(file, text);
    for (const args of [["run"], ["imap-acct", "list"]]) {
      const err = await failure(file, args);
      assert.match(
        err,
        new RegExp(
          `config\\.toml:${
            lineOf(text, 'dsn = "http')
          }: storage\\.imapsql\\.local_mailboxes\\.dsn: ` +
            `cannot reach the database http://admin:\\*\\*\\*@127\\.0\\.0\\.1:${closed.port}/: ` +
            ".*Connection refused",
        ),
        args.join(" "),
      );
      assert.doesNotMatch(err, /s3cret/);
    }
  });
});

Deno.test("a PostgreSQL DSN that cannot be reached is named without its password, with the reason", async () => {
  await withDir(async (dir) => {
    const closed = busyPort();
    closed.close(); // nothing listens there now: the connection is refused
    const file = `${dir}/config.toml`;
    const text = baseConfig(dir).replace(
      'driver = "libsql"\ndsn = "imapsql.db"',
      `driver = "postgres"\ndsn = "postgres://imapd:s3cret@127.0.0.1:${closed.port}/mail"`,
    );
    await Deno.writeTextFile(file, text);
    for (const args of [["run"], ["imap-acct", "list"]]) {
      const err = await failure(file, args);
      assert.match(
        err,
        new RegExp(
          `config\\.toml:${
            lineOf(text, 'dsn = "postgres')
          }: storage\\.imapsql\\.local_mailboxes\\.dsn: ` +
            `cannot reach the database postgres://imapd:\\*\\*\\*@127\\.0\\.0\\.1:${closed.port}/mail: ` +
            ".*ECONNREFUSED",
        ),
        args.join(" "),
      );
      assert.doesNotMatch(err, /s3cret/);
    }
  });
});

Deno.test("an sql_table database that cannot be created names the table's dsn and the file", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(`${dir}/plain`, "");
    const text = baseConfig(dir).replace('dsn = "credentials.db"', `dsn = "${dir}/plain/c.db"`);
    await Deno.writeTextFile(file, text);
    assert.match(
      await failure(file),
      new RegExp(
        `config\\.toml:${
          lineOf(text, "table =")
        }: auth\\.pass_table\\.local_authdb\\.table\\.dsn: ` +
          `cannot open "${escape(dir)}/plain/c\\.db": Not a directory\\n`,
      ),
    );
  });
});

Deno.test("a log file that cannot be opened names log, the file and the line", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/config.toml`;
    const text = baseConfig(dir).replace('log = "off"', `log = "${dir}/missing/imapd.log"`);
    await Deno.writeTextFile(file, text);
    assert.match(
      await failure(file),
      new RegExp(
        `config\\.toml:${lineOf(text, "log =")}: log: cannot open the log file ` +
          `"${escape(dir)}/missing/imapd\\.log": No such file or directory\\n`,
      ),
    );
  });
});
