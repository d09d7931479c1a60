// Replays the twelve inputs of issue 12 against the worktree's server (child process).
import { runMain, spawnTestServer } from "/work/wt-harden/tests/_support/server.ts";
import { TestClient } from "/work/wt-harden/tests/_support/imap_client.ts";
import { makeCa, makeLeaf } from "/work/wt-harden/tests/_support/certs.ts";

const enc = new TextEncoder();
const out: string[] = [];
const say = (s: string) => {
  console.log(s);
  out.push(s);
};
const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function lines(c: TestClient, n = 5, ms = 5000): Promise<string[]> {
  const got: string[] = [];
  try {
    for (let i = 0; i < n; i++) got.push(await c.readLine(ms));
  } catch (e) {
    got.push(`<${(e as Error).message.slice(0, 60)}>`);
  }
  return got;
}

const srv = await spawnTestServer({
  imapExtra: 'io_debug = true\nlogin_timeout = "10s"',
  users: { alice: "alice-pw" },
  config: undefined,
});
const port = srv.port;
const pid = srv.process.pid;
try {
  // 1
  {
    const c = await TestClient.connect(port);
    await c.login("alice", "alice-pw");
    await c.command('CREATE "a/b/c/d"');
    const t0 = performance.now();
    const r = await c.command(`LIST "" "${"%".repeat(50)}"`, 20000);
    const ms = performance.now() - t0;
    const other = await TestClient.connect(port);
    say(
      `1. LIST "" "%×50" after CREATE "a/b/c/d": ${r.untagged.length} LIST lines, ${r.tagged} (${
        ms.toFixed(1)
      } ms); new client greeting: ${other.greeting.slice(0, 40)}`,
    );
    const r2 = await c.command(`LIST "" "${"%".repeat(25)}Archive!"`);
    say(`   LIST "" "%×25Archive!": ${r2.tagged}`);
    other.close();
    c.close();
  }
  // 2
  {
    const before = rss(pid);
    const c = await TestClient.connect(port);
    await c.writeRaw("M1 LOGIN");
    const mib = new Uint8Array(1048576).fill(0x61);
    let sent = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        await c.writeRaw(` SUBJECT {1048576+}\r\n`);
        await c.writeRaw(mib);
        sent++;
      }
    } catch (e) { /* closed by the server */ }
    const got = await lines(c, 2);
    await sleep(500);
    say(
      `2. M1 LOGIN + 1000 × SUBJECT {1048576+}: wrote ${sent} literals before the server closed; answers: ${
        JSON.stringify(got)
      }; RSS ${before.toFixed(0)} → ${rss(pid).toFixed(0)} MB`,
    );
    c.close();
  }
  // 3 connection limits
  {
    const conns: Deno.Conn[] = [];
    let refused = "";
    for (let i = 0; i < 520; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.push(conn);
    }
    const last = TestClient.wrap(conns[conns.length - 1]);
    refused = await last.readLine(5000).catch((e) => `<${e.message}>`);
    const extra = await TestClient.connect(port).catch(() => null);
    say(
      `3. 520 idle sockets from 127.0.0.1 (max_connections_per_ip default 500): the 520th got ${
        JSON.stringify(refused)
      }; RSS ${rss(pid).toFixed(0)} MB`,
    );
    for (const c of conns) {
      try {
        c.close();
      } catch { /* */ }
    }
    extra?.close();
    await sleep(500);
    // login_timeout as a deadline: one byte every 3 s, login_timeout 10s (one reader: no lost reads).
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const t0 = performance.now();
    let text = "";
    let closedAt = 0;
    const buf = new Uint8Array(4096);
    const reading = (async () => {
      for (;;) {
        const n = await conn.read(buf).catch(() => null);
        if (n === null) {
          closedAt = performance.now();
          return;
        }
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
    })();
    while (!closedAt && performance.now() - t0 < 30000) {
      await conn.write(enc.encode("x")).catch(() => {});
      await sleep(3000);
    }
    await reading;
    say(
      `   login_timeout = "10s", one byte every 3 s: ${
        JSON.stringify(text.split("\r\n")[1])
      }, closed after ${((closedAt - t0) / 1000).toFixed(1)} s`,
    );
    try {
      conn.close();
    } catch { /* */ }
  }
  // 4 SEARCH 50,000 OR SUBJECT keys as literals over 200 messages
  {
    const c = await TestClient.connect(port);
    await c.login("alice", "alice-pw");
    for (let i = 0; i < 200; i++) {
      const m = `Subject: m${i}\r\n\r\nbody ${i}\r\n`;
      await c.command(`APPEND INBOX {${m.length}+}\r\n${m}`);
    }
    await c.command("SELECT INBOX");
    const keys = " OR SUBJECT {1+}\r\na SUBJECT {1+}\r\nb".repeat(25000);
    const t0 = performance.now();
    const p = c.command("SEARCH" + keys, 60000);
    const other = await TestClient.connect(port);
    const t1 = performance.now();
    await other.login("alice", "alice-pw");
    const loginMs = performance.now() - t1;
    const r = await p;
    say(
      `4. SEARCH with 50,000 OR SUBJECT keys as literals over 200 messages: ${r.tagged} in ${
        (performance.now() - t0).toFixed(0)
      } ms; another client's LOGIN meanwhile ${loginMs.toFixed(0)} ms`,
    );
    other.close();
    c.close();
  }
  // 5 ID flood
  {
    const logBefore = srv.stderr().length;
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await TestClient.connect(port);
      await c.writeRaw(`i${i} ID ("x" {10485760+}\r\n`);
      const chunk = new Uint8Array(1 << 20).fill(0x79);
      try {
        for (let k = 0; k < 10; k++) await c.writeRaw(chunk);
        await c.writeRaw(")\r\n");
      } catch { /* closed */ }
      answers.push((await lines(c, 2)).join(" | "));
      c.close();
    }
    const c = await TestClient.connect(port);
    const ok = await c.command(`ID ("x" "${"v".repeat(2000)}")`);
    c.close();
    await sleep(300);
    say(
      `5. five ID ("x" {10485760+}...): ${JSON.stringify(answers[0])} (each of 5); log grew ${
        srv.stderr().length - logBefore
      } bytes (io_debug on); ID with a 2000-octet value: ${ok.tagged}`,
    );
  }
  // 6 io_debug masking
  {
    const before = srv.stderr().length;
    const c = await TestClient.connect(port);
    const replies: string[] = [];
    for (const l of ["a1  LOGIN user s3cretA", "a2\tLOGIN user s3cretB", "LOGIN user s3cretC"]) {
      await c.writeRaw(l + "\r\n");
      replies.push(await c.readLine());
    }
    await c.writeRaw("a4 AUTHENTICATE PLAIN\r\n");
    replies.push(await c.readLine());
    await c.writeRaw("{12}\r\n");
    replies.push(...await lines(c, 2));
    await c.writeRaw("s3cretD-pw12\r\n").catch(() => {});
    replies.push(...await lines(c, 1, 2000));
    c.close();
    await sleep(300);
    const log = srv.stderr().slice(before);
    say(
      `6. io_debug: replies ${JSON.stringify(replies)}; secrets in the log: ${
        /s3cret/.test(log) ? "YES" : "none"
      }; trace lines: ${JSON.stringify(log.split("\n").filter((l) => / C: /.test(l)))}`,
    );
  }
  // 7 literals inside quoted strings
  {
    const c = await TestClient.connect(port);
    await c.login("alice", "alice-pw");
    await c.writeRaw('a APPEND "box" "\\ {988}\r\n');
    const r1 = await c.readLine();
    await c.writeRaw('b APPEND "box" "x"{2147483647+}\r\n');
    const r2 = await c.readLine();
    const r3 = (await c.command("NOOP")).tagged;
    await c.writeRaw("d APPEND INBOX {2147483647+}\r\n");
    const r4 = await lines(c, 2);
    say(
      `7. a APPEND "box" "\\ {988} → ${r1}; "x"{2147483647+} → ${r2}; NOOP → ${r3}; APPEND INBOX {2147483647+} → ${
        JSON.stringify(r4)
      }`,
    );
    c.close();
  }
  // 8 control bytes
  {
    const before = srv.stderr().length;
    const c = await TestClient.connect(port);
    const evil = (await c.command('LOGIN "\x1b[31mEVIL" "x"')).tagged;
    await c.login("alice", "alice-pw");
    const r = (await c.command('LIST "" "\0*"')).tagged;
    const s = (await c.command('SELECT "\x1b[31mX"')).tagged;
    c.close();
    await sleep(300);
    const log = srv.stderr().slice(before).split("\n").filter((l) => /EVIL/.test(l));
    say(
      `8. LIST "" "\\0*" → ${r}; SELECT "ESC[31mX" → ${
        JSON.stringify(s)
      }; LOGIN "ESC[31mEVIL" → ${evil}; log: ${JSON.stringify(log)}`,
    );
  }
  // 9 file modes
  {
    const c = await TestClient.connect(port);
    await c.login("alice", "alice-pw");
    c.close();
    const ls = await new Deno.Command("sh", {
      args: ["-c", `cd ${srv.dir} && stat -c '%A %n' data data/*`],
      stdout: "piped",
    }).output();
    say(
      `9. file modes (umask ${Deno.umask().toString(8)}):\n${
        new TextDecoder().decode(ls.stdout).trim()
      }`,
    );
  }
  // 10 COMPRESS with invalid input
  {
    const before = srv.stderr().length;
    const py = `
import socket, sys, zlib, time
s = socket.create_connection(("127.0.0.1", ${port})); s.settimeout(30)
f = s.makefile("rb")
f.readline(); s.sendall(b"a1 LOGIN alice alice-pw\\r\\n")
while not f.readline().startswith(b"a1 "): pass
s.sendall(b"a2 COMPRESS DEFLATE\\r\\n"); print(f.readline().decode().strip())
t = time.time(); s.sendall(b"\\xff\\xfe garbage\\r\\n"); data = b""
while True:
    ch = s.recv(65536)
    if not ch: break
    data += ch
print(zlib.decompressobj(-15).decompress(data).decode().strip(), "| closed after %.2f s" % (time.time() - t))
`;
    const o = await new Deno.Command("python3", {
      args: ["-c", py],
      stdout: "piped",
      stderr: "piped",
    }).output();
    await sleep(200);
    const log = srv.stderr().slice(before).split("\n").filter((l) => /compressed/.test(l));
    say(
      `10. COMPRESS then invalid deflate: ${
        JSON.stringify(new TextDecoder().decode(o.stdout).trim())
      }; log: ${JSON.stringify(log)}`,
    );
  }
} finally {
  await srv.stop("SIGKILL");
}
// 11 mismatched certificate and key
{
  const dir = await Deno.makeTempDir();
  const ca = await makeCa(dir);
  const a = await makeLeaf(ca, "a.test");
  const b = await makeLeaf(ca, "b.test");
  await Deno.writeTextFile(
    `${dir}/config.toml`,
    `state_dir = "${dir}/data"
[imap]
listen = ["tls://127.0.0.1:0"]
auth = "&local_authdb"
storage = "&local_mailboxes"
[imap.tls]
cert = "${a.cert}"
key = "${b.key}"
[auth.pass_table.local_authdb]
table = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }
[storage.imapsql.local_mailboxes]
driver = "libsql"
dsn = "imapsql.db"
`,
  );
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "/work/wt-harden/main.ts", "--config", `${dir}/config.toml`, "run"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  say(
    `11. cert a.test with the key of b.test: exit ${r.code}; ${
      JSON.stringify(
        new TextDecoder().decode(r.stderr).trim().split("\n").slice(-2).join(" | ").replaceAll(
          dir,
          "$DIR",
        ),
      )
    }`,
  );
  await Deno.remove(dir, { recursive: true });
}
await Deno.writeTextFile("/tmp/replay/out.txt", out.join("\n") + "\n");
// 12 cross-process: imap-msgs add in another process while the server expunges the same content.
{
  const srv2 = await spawnTestServer({
    users: { alice: "alice-pw" },
    config: (dir) =>
      `state_dir = "${dir}/data"\nlog = "off"\n[imap]\nlisten = ["tcp://127.0.0.1:0"]\nauth = "&local_authdb"\nstorage = "&local_mailboxes"\n[auth.pass_table.local_authdb]\ntable = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }\n[storage.imapsql.local_mailboxes]\ndriver = "libsql"\ndsn = "imapsql.db"\nmsg_store = ["fs", "messages"]\n`,
  });
  try {
    const c = await TestClient.connect(srv2.port);
    await c.login("alice", "alice-pw");
    await c.command("SELECT INBOX");
    const file = `${srv2.dir}/msg.eml`;
    const rounds = 12;
    for (let i = 0; i < rounds; i++) {
      const m = `Subject: shared ${i}\r\n\r\nthe same content in two processes ${i}\r\n`;
      await Deno.writeTextFile(file, m);
      await c.command(`APPEND INBOX (\\Deleted) {${m.length}+}\r\n${m}`);
      const cli = runMain([
        "--config",
        srv2.configFile,
        "imap-msgs",
        "add",
        "--file",
        file,
        "alice",
        "INBOX",
      ]);
      await sleep(Math.floor(Math.random() * 1500));
      await c.command("EXPUNGE");
      const r = await cli;
      if (r.code !== 0) say(`   CLI add failed: ${r.stderr}`);
    }
    const f = await c.command("FETCH 1:* (BODY.PEEK[])", 30000);
    say(
      `12. ${rounds} rounds of 'imap-msgs add' (another process) racing an EXPUNGE of the same content: FETCH 1:* BODY[] → ${f.tagged}, ${
        f.untagged.filter((l) => l.includes("FETCH")).length
      } messages read back`,
    );
    c.close();
  } finally {
    await srv2.stop("SIGKILL");
  }
}
await Deno.writeTextFile("/tmp/replay/out.txt", out.join("\n") + "\n");
