// LMTP deliveries per second, ours against Dovecot's LMTP (Debian's
// dovecot-lmtpd), 10 connections at once, each delivering realistic messages
// (bench/corpus.ts) one transaction after another to its own recipient.
//
//   deno run -A bench/lmtp_bench.ts [--quick] [--rounds N] [--server PATH/main.ts] [--keep]
//
// `make bench` runs it after the IMAP comparison. Each server starts from
// nothing in a temp directory, as a user would start it: ours with an
// `[lmtp]` section and the recipients made with `imap-acct create`; Dovecot
// with `protocols = lmtp`, passwd-file users and sdbox, fsync as shipped.
// Every reply must be 250 and every INBOX must end with as many messages as
// were delivered to it (checked over IMAP), else the check column says so.

import { parseArgs } from "node:util";
import { generateMessage } from "./corpus.ts";
import { ImapClient, lastExists } from "./client.ts";
import { sparePort } from "./servers.ts";
import { check, costRatio, fmt, median, spreadPercent, table } from "./stats.ts";

const root = new URL("..", import.meta.url).pathname;
const CONNECTIONS = 10;
const PASSWORD = "bench-Secret-1";
const enc = new TextEncoder();
const dec = new TextDecoder();

function log(s: string): void {
  console.error(`[lmtp bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text}`);
  return text;
}

interface Server {
  name: "ours" | "dovecot";
  lmtpPort: number;
  imapPort: number;
  stop(): Promise<void>;
}

function spawn(cmd: string, args: string[], logFile: string) {
  const file = Deno.openSync(logFile, { write: true, create: true, append: true });
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  const w = file.writable.getWriter();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) await w.write(chunk);
  };
  Promise.all([pump(child.stdout), pump(child.stderr)]).finally(() => w.close().catch(() => {}));
  let exited = false;
  child.status.then(() => (exited = true));
  return {
    child,
    get exited() {
      return exited;
    },
    async stop() {
      if (exited) return;
      try {
        child.kill("SIGTERM");
      } catch {
        return;
      }
      await child.status;
    },
  };
}

/** Waits until `port` answers with a line starting "220 " (LMTP's greeting). */
async function waitForLmtp(port: number, isDead: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 60_000;
  let last = "";
  while (Date.now() < until && !isDead()) {
    try {
      const c = await LmtpClient.connect(port);
      c.close();
      return;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not greet on LMTP port ${port}: ${isDead() ? "exited" : last}`);
}

function recipients(): string[] {
  return Array.from({ length: CONNECTIONS }, (_, i) => `rcpt${i + 1}@bench.example`);
}

async function startOurs(dir: string, mainTs: string): Promise<Server> {
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const lmtpPort = sparePort();
  const imapPort = sparePort();
  const config = `${dir}/config.toml`;
  await Deno.writeTextFile(
    config,
    `# Written by the LMTP bench
state_dir = "${dir}/data"
log = "off"

[imap]
listen = ["tcp://127.0.0.1:${imapPort}"]
insecure_auth = true
auth = "&local_authdb"
storage = "&local_mailboxes"

[lmtp]
listen = ["tcp://127.0.0.1:${lmtpPort}"]
deliver_to = "&local_mailboxes"

[auth.pass_table.local_authdb]
table = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }

[storage.imapsql.local_mailboxes]
driver = "libsql"
dsn = "imapsql.db"
`,
  );
  const cli = (args: string[]) =>
    run(Deno.execPath(), ["run", "-A", mainTs, "--config", config, ...args]);
  for (const r of recipients()) {
    await cli(["imap-acct", "create", r]);
    await cli(["creds", "create", "--password", PASSWORD, r]);
  }
  const p = spawn(
    Deno.execPath(),
    ["run", "-A", mainTs, "--config", config, "run"],
    `${dir}/server.log`,
  );
  await waitForLmtp(lmtpPort, () => p.exited, "ours").catch(async (e) => {
    await p.stop();
    throw e;
  });
  return { name: "ours", lmtpPort, imapPort, stop: () => p.stop() };
}

async function startDovecot(dir: string): Promise<Server> {
  const lmtpPort = sparePort();
  const imapPort = sparePort();
  for (const d of ["run", "state", "home"]) await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  await Deno.chmod(dir, 0o755);
  await run("chown", ["nobody:nogroup", `${dir}/home`]);
  // Plain passwords: LMTP delivery never verifies one, and the IMAP check logs in once per user.
  await Deno.writeTextFile(
    `${dir}/passwd`,
    recipients().map((r) => `${r}:{PLAIN}${PASSWORD}::::::\n`).join(""),
  );
  const version = (await run("dovecot", ["--version"])).trim();
  const is24 = version.startsWith("2.4");
  await Deno.writeTextFile(
    `${dir}/dovecot.conf`,
    `# Written by the LMTP bench; self-contained. Dovecot ${version}
${
      is24
        ? "dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n"
        : ""
    }protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = /dev/null
ssl = no
${is24 ? "auth_allow_cleartext = yes" : "disable_plaintext_auth = no"}
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = sdbox:~/mail
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = ${dir}/passwd
  default_fields = uid=nobody gid=nogroup home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
  unix_listener lmtp {
    mode = 0600
  }
}
`,
  );
  const p = spawn("dovecot", ["-F", "-c", `${dir}/dovecot.conf`], `${dir}/dovecot.stderr.log`);
  await waitForLmtp(lmtpPort, () => p.exited, "dovecot").catch(async (e) => {
    await p.stop();
    throw e;
  });
  return { name: "dovecot", lmtpPort, imapPort, stop: () => p.stop() };
}

/** A small LMTP client: LHLO once, then pipelined MAIL/RCPT/DATA per message. */
class LmtpClient {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async connect(port: number): Promise<LmtpClient> {
    const c = new LmtpClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    try {
      const greeting = await c.reply();
      if (!greeting.startsWith("220")) throw new Error(`greeting: ${greeting}`);
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    for (let off = 0; off < bytes.length;) off += await this.#conn.write(bytes.subarray(off));
  }

  /** One reply, multi-line replies joined; its first line's code decides. */
  async reply(): Promise<string> {
    const lines: string[] = [];
    for (;;) {
      const i = this.#buf.indexOf(10);
      if (i < 0) {
        const chunk = new Uint8Array(65536);
        const n = await this.#conn.read(chunk);
        if (n === null) throw new Error("connection closed");
        const next = new Uint8Array(this.#buf.length + n);
        next.set(this.#buf);
        next.set(chunk.subarray(0, n), this.#buf.length);
        this.#buf = next;
        continue;
      }
      const line = dec.decode(this.#buf.subarray(0, i)).replace(/\r$/, "");
      this.#buf = this.#buf.slice(i + 1);
      lines.push(line);
      if (line[3] !== "-") return lines.join("\n");
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // closed
    }
  }
}

/** Dot-stuffs a CRLF message and adds the final ".". */
function dataOf(message: Uint8Array): Uint8Array {
  let text = dec.decode(message);
  if (!text.endsWith("\r\n")) text += "\r\n";
  text = text.replace(/^\./gm, "..");
  return enc.encode(text + ".\r\n");
}

/** One connection delivering `count` messages to `rcpt`; returns the 250 replies. */
async function deliverMany(
  port: number,
  rcpt: string,
  messages: readonly Uint8Array[],
): Promise<{ ok: number; errors: string[] }> {
  const c = await LmtpClient.connect(port);
  const errors: string[] = [];
  let ok = 0;
  try {
    await c.write("LHLO bench.example\r\n");
    const lhlo = await c.reply();
    if (!lhlo.startsWith("250")) throw new Error(`LHLO: ${lhlo}`);
    for (const m of messages) {
      // RFC 2920: MAIL, RCPT and DATA go in one write; the text follows the 354.
      await c.write(`MAIL FROM:<sender@bench.example>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
      const replies = [await c.reply(), await c.reply(), await c.reply()];
      if (
        !replies[0].startsWith("250") || !replies[1].startsWith("250") ||
        !replies[2].startsWith("354")
      ) {
        errors.push(replies.join(" | "));
        await c.write("RSET\r\n");
        await c.reply();
        continue;
      }
      await c.write(m);
      const final = await c.reply();
      if (final.startsWith("250")) ok++;
      else errors.push(final);
    }
    await c.write("QUIT\r\n");
    await c.reply().catch(() => "");
  } finally {
    c.close();
  }
  return { ok, errors };
}

/** Messages in each recipient's INBOX, over IMAP. */
async function inboxCounts(server: Server): Promise<number[]> {
  const out: number[] = [];
  for (const r of recipients()) {
    const c = await ImapClient.connect(server.imapPort);
    try {
      const l = await c.command(`LOGIN "${r}" "${PASSWORD}"`);
      if (l.status !== "OK") throw new Error(`LOGIN ${r}: ${l.text}`);
      const s = await c.command("EXAMINE INBOX");
      out.push(lastExists(s.untagged) ?? NaN);
    } finally {
      c.close();
    }
  }
  return out;
}

interface Round {
  value: number;
  errors: number;
  answer: string;
  expected: string;
}

async function measure(server: Server, messages: readonly Uint8Array[], before: number[]) {
  const t0 = performance.now();
  const results = await Promise.all(
    recipients().map((r) => deliverMany(server.lmtpPort, r, messages)),
  );
  const seconds = (performance.now() - t0) / 1000;
  const ok = results.reduce((a, r) => a + r.ok, 0);
  const errors = results.flatMap((r) => r.errors);
  if (errors.length) log(`${server.name}: ${errors.length} failed deliveries, first: ${errors[0]}`);
  const after = await inboxCounts(server);
  const stored = after.reduce((a, n, i) => a + n - before[i], 0);
  const round: Round = {
    value: ok / seconds,
    errors: errors.length,
    answer: `${stored} stored`,
    expected: `${CONNECTIONS * messages.length} stored`,
  };
  return { round, after };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      server: { type: "string", default: `${root}main.ts` },
      keep: { type: "boolean", default: false },
    },
  });
  const perConnection = values.quick ? 40 : 200;
  const rounds = values.rounds ? Number(values.rounds) : values.quick ? 2 : 3;
  const corpus = {
    seed: 20260707,
    mailbox: "lmtp",
    count: perConnection,
    profile: "realistic" as const,
    maxAttachment: 200_000,
  };
  const messages = Array.from(
    { length: perConnection },
    (_, i) => dataOf(generateMessage(corpus, i).bytes),
  );
  const bytes = messages.reduce((a, m) => a + m.length, 0);
  log(
    `${CONNECTIONS} connections × ${perConnection} messages (${
      (bytes / perConnection / 1024).toFixed(1)
    } KB average), ${rounds} rounds`,
  );
  const tmp = await Deno.makeTempDir({ prefix: "imap-bench-lmtp-" });
  await Deno.chmod(tmp, 0o755);
  const servers: Server[] = [];
  const notes: string[] = [];
  try {
    try {
      servers.push(await startOurs(`${tmp}/ours`, values.server));
    } catch (e) {
      notes.push(`ours did not start: ${(e as Error).message.split("\n")[0]}`);
    }
    try {
      servers.push(await startDovecot(`${tmp}/dovecot`));
    } catch (e) {
      notes.push(
        `dovecot did not start (is dovecot-lmtpd installed?): ${
          (e as Error).message.split("\n")[0]
        }`,
      );
    }
    const runs: Record<string, Round[]> = {};
    const counts = new Map<string, number[]>();
    for (const s of servers) {
      runs[s.name] = [];
      counts.set(s.name, recipients().map(() => 0));
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        log(`round ${r + 1}/${rounds} on ${s.name}`);
        const { round, after } = await measure(s, messages, counts.get(s.name)!);
        counts.set(s.name, after);
        runs[s.name].push(round);
      }
    }
    const med = (n: string) => median((runs[n] ?? []).map((m) => m.value));
    const spr = (n: string) => runs[n] ? fmt(spreadPercent(runs[n].map((m) => m.value))) : "—";
    const o = med("ours");
    const dv = med("dovecot");
    const verdict = check(runs);
    const ratio = fmt(costRatio(o, dv, true));
    console.log(
      `\n== LMTP delivery (bench/lmtp_bench.ts): ${CONNECTIONS} connections × ${perConnection} messages, ${rounds} rounds ==`,
    );
    console.log(table(
      ["workload", "unit", "ours", "±%", "dovecot", "±%", "ours/dovecot", "check"],
      [[
        `LMTP deliveries, ${CONNECTIONS} connections`,
        "msg/s",
        fmt(o),
        spr("ours"),
        fmt(dv),
        spr("dovecot"),
        verdict.startsWith("ok") || ratio === "—" ? ratio : `(${ratio})`,
        verdict,
      ]],
    ));
    for (const n of notes) console.log(`note: ${n}`);
  } finally {
    for (const s of servers) await s.stop();
    if (values.keep) log(`kept ${tmp}`);
    else await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    console.error(`lmtp bench failed: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
