/**
 * The README's quick start on a clean copy of the repository, as CI runs it
 * and as a newcomer types it: the committed tree (`git archive HEAD`, so
 * nothing git ignores: no node_modules, no .tools, no data) in a temp
 * directory, then each command of the quick start's ```sh blocks as
 * written, with `make run` serving while the admin commands run, and a real
 * IMAP login to the address the README names.
 *
 * Skipped, and why:
 * - `make test`: it is this suite; running it inside itself would recurse.
 * - Installing Deno from the npm registry when `deno` is not on PATH needs a
 *   connected machine: the test puts the running Deno on PATH, so `make`
 *   and `bin/imapd` take the branch that uses it (the packages come from
 *   Deno's cache, which this test run has filled).
 * - The whole test is skipped when the checkout is not a git repository or
 *   git is missing (nothing to clone from).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO_DIR = Deno.execPath().replace(/\/[^/]*$/, "");

function gitAvailable(): boolean {
  try {
    const out = new Deno.Command("git", {
      args: ["-C", ROOT, "rev-parse", "--is-inside-work-tree"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success;
  } catch {
    return false;
  }
}

/** The lines of the quick start's ```sh blocks, in order (up to the next "## " heading). */
function quickStartCommands(readme: string): string[] {
  const start = readme.indexOf("## Quick start");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const out: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1].split("\n")) {
      const command = line.replace(/\s+#.*$/, "").trim();
      if (command !== "") out.push(command);
    }
  }
  return out;
}

/** Every descendant of `pid` (Linux /proc), deepest last. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      if (text) children = children.concat(text.split(/\s+/).map(Number));
    }
  } catch { /* gone */ }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

async function imapSession(port: number, user: string, password: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const dec = new TextDecoder();
  let text = "";
  const buf = new Uint8Array(16384);
  const until = async (re: RegExp) => {
    while (!re.test(text)) {
      const n = await conn.read(buf);
      if (n === null) throw new Error(`connection closed; got: ${text}`);
      text += dec.decode(buf.subarray(0, n));
    }
  };
  const send = (line: string) => conn.write(new TextEncoder().encode(`${line}\r\n`));
  try {
    await until(/^\* OK .*\r\n/m);
    await send(`a LOGIN ${user} ${password}`);
    await until(/^a (OK|NO|BAD)/m);
    await send('b LIST "" "*"');
    await until(/^b (OK|NO|BAD)/m);
    await send("c LOGOUT");
    await until(/^c (OK|NO|BAD)/m);
  } finally {
    conn.close();
  }
  return text;
}

Deno.test({
  name: "the README's quick start works command by command on a clean copy of the repository",
  ignore: Deno.build.os !== "linux" || !gitAvailable(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "imapd-quick-start-" });
    const env = { PATH: `${DENO_DIR}:${Deno.env.get("PATH")}` };
    let server: Deno.ChildProcess | null = null;
    try {
      // The committed tree, as `git clone` gives it (without the history).
      const archive = new Deno.Command("sh", {
        args: ["-c", `git -C '${ROOT}' archive --format=tar HEAD | tar -x -C '${dir}'`],
        stderr: "piped",
      });
      const unpacked = await archive.output();
      assert.ok(unpacked.success, new TextDecoder().decode(unpacked.stderr));

      const commands = quickStartCommands(await Deno.readTextFile(`${dir}/README.md`));
      assert.equal(commands[0], "make run", "the quick start begins with make run");
      assert.equal(commands[1], "make test");
      const admin = commands.slice(2);
      assert.ok(
        admin.length >= 4 && admin.every((c) => c.startsWith("bin/imapd ")),
        admin.join("|"),
      );

      // make run, as written; it serves until stopped.
      const port = 1143;
      // What the README promises is what the shipped config says.
      assert.match(await Deno.readTextFile(`${dir}/README.md`), /127\.0\.0\.1:1143/);
      assert.match(
        await Deno.readTextFile(`${dir}/config.toml`),
        /^listen = \["tcp:\/\/127\.0\.0\.1:1143"\]/m,
      );
      let log = "";
      const start = async (command: string) => {
        log = "";
        const child = new Deno.Command("sh", {
          args: ["-c", command],
          cwd: dir,
          env,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const dec = new TextDecoder();
        const read = async (s: ReadableStream<Uint8Array>) => {
          for await (const chunk of s) log += dec.decode(chunk);
        };
        const reading = Promise.all([read(child.stdout), read(child.stderr)]);
        let exited = false;
        child.status.then(() => (exited = true));
        // Started, or stopped trying (the log then says why).
        for (;;) {
          if (/listening on tcp:\/\/127\.0\.0\.1:\d+/.test(log)) return child;
          if (exited) {
            await reading;
            return null;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      let started = await start("make run");
      let imapPort = port;
      if (
        !started &&
        /imap\.listen: cannot listen on tcp:\/\/127\.0\.0\.1:1143: Address already in use/.test(log)
      ) {
        // Another process (a parallel test run) holds 1143: the same config on a free port.
        const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        imapPort = (l.addr as Deno.NetAddr).port;
        l.close();
        const text = await Deno.readTextFile(`${dir}/config.toml`);
        await Deno.writeTextFile(`${dir}/other.toml`, text.replace(":1143", `:${imapPort}`));
        started = await start("make run CONFIG=other.toml");
      }
      assert.ok(started, `make run did not start:\n${log}`);
      server = started;
      assert.match(log, new RegExp(`listening on tcp://127\\.0\\.0\\.1:${imapPort}`));

      // The admin commands, as written, while the server runs.
      const said: string[] = [];
      for (const line of admin) {
        const out = await new Deno.Command("sh", {
          // Verbatim in every case: other.toml differs only in the port, the state is the same.
          args: ["-c", line],
          cwd: dir,
          env,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, `${line}\n${text}`);
        said.push(text);
      }
      assert.match(said.join("\n"), /^alice@example\.org$/m, "creds list shows the new user");
      assert.match(said.join("\n"), /^INBOX$/m, "imap-mboxes list shows INBOX");

      // "Then point a mail client at 127.0.0.1 port 1143": log in as the user just made.
      const create = admin.find((c) => c.includes("creds create"))!;
      const password = /--password (\S+)/.exec(create)![1];
      const session = await imapSession(imapPort, "alice@example.org", password);
      assert.match(session, /^a OK/m, session);
      assert.match(session, /^\* LIST \([^)]*\) "[^"]*" "?INBOX"?\r$/m, session);

      // Nothing was needed from outside the copy: the state is in its data/.
      assert.ok((await Deno.stat(`${dir}/data/imapsql.db`)).isFile);
    } finally {
      if (server) {
        for (const pid of [...descendants(server.pid), server.pid]) {
          try {
            Deno.kill(pid, "SIGTERM");
          } catch { /* already gone */ }
        }
        await server.status;
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});
