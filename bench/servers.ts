// The two servers under test, each started from nothing in its own temporary
// directory on a spare loopback port, and stopped by its process id.

import { ImapClient } from "./client.ts";

export interface User {
  name: string;
  password: string;
}

/**
 * Memory of a server as the bench reports it. Both servers are counted the
 * same way: `bytes` is the sum of PSS (proportional set size) over the
 * server's process tree, so a page shared by several processes counts once
 * in all, split between them. RSS would count Dovecot's shared pages once per
 * process (its 1,000 IDLE sessions are 1,000 processes), and count all of our
 * Deno binary's mapped code (about 46 MB, shared with every other Deno
 * process on the machine) against us. `rss` is kept for the raw figures.
 */
export interface MemoryFigure {
  bytes: number;
  /** The sum of RSS over the same processes (shared pages counted once per process). */
  rss: number;
  /** How the figure was taken, for the report. */
  how: string;
  processes: number;
}

/**
 * CPU time used so far by a server's process tree (user + system, every
 * thread, and the children each process has reaped), and the busiest threads
 * by name. Two readings a known wall time apart give the cores the server kept
 * busy in between.
 */
export interface CpuFigure {
  seconds: number;
  /** Per thread ("comm" from /proc, thread id), highest first. */
  threads: { name: string; tid: number; seconds: number }[];
}

export interface BenchServer {
  readonly name: "ours" | "dovecot";
  readonly port: number;
  readonly dir: string;
  memory(): Promise<MemoryFigure>;
  cpu(): CpuFigure;
  /** Called once the corpora are loaded, before any measurement. */
  finishLoading(): Promise<void>;
  /** Stops and starts the server on its measured config (kept sessions must be closed first). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port the kernel just gave us and took back; good enough on a quiet loopback. */
export function sparePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Waits until the port greets an IMAP client, or the process exits, or time runs out. */
async function waitForGreeting(
  port: number,
  exited: { done: boolean },
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    if (exited.done) break;
    try {
      const c = await ImapClient.connect(port);
      c.close();
      return;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let tail = "";
  try {
    tail = (await Deno.readTextFile(logFile)).split("\n").slice(-15).join("\n");
  } catch {
    // no log written
  }
  throw new Error(
    `Server on port ${port} did not greet (${exited.done ? "process exited" : last})\n${tail}`,
  );
}

async function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: opts.cwd, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text}`);
  return text;
}

function spawnLogged(
  cmd: string,
  args: string[],
  logFile: string,
): { child: Deno.ChildProcess; exited: { done: boolean } } {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  const file = Deno.openSync(logFile, { write: true, create: true, append: true });
  const w = file.writable.getWriter();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) await w.write(chunk);
  };
  Promise.all([pump(child.stdout), pump(child.stderr)]).finally(() => w.close().catch(() => {}));
  const exited = { done: false };
  child.status.then(() => exited.done = true);
  return { child, exited };
}

async function stopChild(child: Deno.ChildProcess, exited: { done: boolean }): Promise<void> {
  if (exited.done) return;
  try {
    child.kill("SIGTERM");
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone meanwhile
    }
  }, 10_000);
  await child.status;
  clearTimeout(t);
}

// ---------------------------------------------------------------------------
// Memory from /proc

function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** The process and all its descendants, from /proc/<pid>/stat parent links. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const stat = readProc(`/proc/${e.name}/stat`);
    if (!stat) continue;
    // The command name may hold spaces and parentheses: fields resume after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(e.name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** A field in kB from a /proc file such as status ("VmRSS:") or smaps_rollup ("Pss:"), in bytes. */
export function procKb(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

function rssOf(pid: number): number {
  return procKb(readProc(`/proc/${pid}/status`) ?? "", "VmRSS");
}

function pssOf(pid: number): number {
  return procKb(readProc(`/proc/${pid}/smaps_rollup`) ?? "", "Pss");
}

/** PSS and RSS summed over a process and its descendants (see `MemoryFigure`). */
function treeMemory(root: number): MemoryFigure {
  const pids = processTree(root);
  let bytes = 0;
  let rss = 0;
  for (const p of pids) {
    bytes += pssOf(p);
    rss += rssOf(p);
  }
  return { bytes, rss, how: "sum of PSS over the process tree", processes: pids.length };
}

const CLOCK_TICKS = 100; // USER_HZ: /proc reports times in 1/100 s on Linux (sysconf(_SC_CLK_TCK))

/** Fields of a /proc stat line after the command name (which may hold spaces and parentheses). */
function statFields(stat: string): { name: string; fields: string[] } {
  const close = stat.lastIndexOf(")");
  return {
    name: stat.slice(stat.indexOf("(") + 1, close),
    fields: stat.slice(close + 2).split(" "),
  };
}

/** The CPU seconds of a process tree, process by process and thread by thread (see `CpuFigure`). */
export function treeCpu(root: number): CpuFigure {
  let seconds = 0;
  const threads: CpuFigure["threads"] = [];
  for (const pid of processTree(root)) {
    const own = readProc(`/proc/${pid}/stat`);
    if (!own) continue;
    // Fields after the name start at field 3 (state): utime 14, stime 15, cutime 16, cstime 17.
    const f = statFields(own).fields;
    seconds += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
    let tasks: Deno.DirEntry[] = [];
    try {
      tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch {
      continue; // exited meanwhile
    }
    for (const t of tasks) {
      const stat = readProc(`/proc/${pid}/task/${t.name}/stat`);
      if (!stat) continue;
      const { name, fields } = statFields(stat);
      threads.push({
        name,
        tid: Number(t.name),
        seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
      });
    }
  }
  threads.sort((a, b) => b.seconds - a.seconds);
  return { seconds, threads };
}

// ---------------------------------------------------------------------------
// Dovecot

/** Installs dovecot-imapd with apt-get when the dovecot binary is missing. */
export async function ensureDovecot(log: (s: string) => void): Promise<void> {
  try {
    await run("dovecot", ["--version"]);
    return;
  } catch {
    log("dovecot is missing: installing dovecot-imapd with apt-get");
  }
  await run("apt-get", ["update"]);
  await run("apt-get", ["install", "-y", "dovecot-imapd"]);
  // Debian's postinst may start a system instance; ours runs apart, but a
  // system one competes for the cores, so stop it by its pid.
  const pid = readProc("/run/dovecot/master.pid")?.trim();
  if (pid && /^\d+$/.test(pid)) {
    try {
      Deno.kill(Number(pid), "SIGTERM");
      log(`stopped the system Dovecot the package started (pid ${pid})`);
    } catch {
      // not running
    }
  }
}

/**
 * Starts Dovecot with a self-contained config: loopback only, no TLS, plaintext
 * auth, users in a passwd-file hashed as ours hashes them (argon2id, 64 MiB,
 * t=3), mail in sdbox, every directory in `dir`. Tuned only where the bench
 * would otherwise hit a default limit (process and per-user connection counts).
 */
export async function startDovecot(
  dir: string,
  users: User[],
  maxConnections: number,
): Promise<BenchServer> {
  const version = (await run("dovecot", ["--version"])).trim();
  const port = sparePort();
  for (const d of ["run", "state", "home"]) await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  await Deno.chmod(dir, 0o755);
  // Mail processes run as nobody: Dovecot refuses uid 0 for mail access.
  await run("chown", ["nobody:nogroup", `${dir}/home`]);
  // One hash per distinct password: every LOGIN still verifies argon2id, as ours does.
  const hashes = new Map<string, string>();
  for (const u of users) {
    if (!hashes.has(u.password)) {
      hashes.set(
        u.password,
        (await run("doveadm", ["pw", "-s", "ARGON2ID", "-p", u.password])).trim(),
      );
    }
  }
  await Deno.writeTextFile(
    `${dir}/passwd`,
    users.map((u) => `${u.name}:${hashes.get(u.password)}::::::\n`).join(""),
  );
  // Room for the IDLE workload's connections plus the sessions the harness
  // keeps open (one per client user) and the login processes in between.
  const limit = Math.max(200, maxConnections + 300);
  const is24 = version.startsWith("2.4");
  const conf = `# Written by make bench; self-contained (no includes). Dovecot ${version}
${is24 ? "dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n" : ""}protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = /dev/null
ssl = no
${is24 ? "auth_allow_cleartext = yes" : "disable_plaintext_auth = no"}
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = sdbox:~/mail
mail_max_userip_connections = ${limit}
default_process_limit = ${limit}
default_client_limit = ${limit * 3}
default_vsz_limit = 1G
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
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  client_limit = ${limit * 6}
}
`;
  await Deno.writeTextFile(`${dir}/dovecot.conf`, conf);
  // Loading runs with mail_fsync = never: the load is not measured, and on a
  // slow disk Dovecot's per-APPEND fsyncs would take most of the bench's time.
  // finishLoading() restarts Dovecot on the measured config, fsync as shipped.
  await Deno.writeTextFile(`${dir}/dovecot-load.conf`, conf + "mail_fsync = never\n");
  const logFile = `${dir}/dovecot.stderr.log`;
  const start = async (file: string) => {
    const p = spawnLogged("dovecot", ["-F", "-c", `${dir}/${file}`], logFile);
    try {
      await waitForGreeting(port, p.exited, logFile, 20_000);
    } catch (e) {
      await stopChild(p.child, p.exited);
      throw e;
    }
    return p;
  };
  let current = await start("dovecot-load.conf");
  return {
    name: "dovecot",
    port,
    dir,
    async finishLoading() {
      await stopChild(current.child, current.exited);
      current = await start("dovecot.conf");
    },
    async restart() {
      await stopChild(current.child, current.exited);
      current = await start("dovecot.conf");
    },
    memory: () => Promise.resolve(treeMemory(current.child.pid)),
    cpu: () => treeCpu(current.child.pid),
    stop: () => stopChild(current.child, current.exited),
  };
}

// ---------------------------------------------------------------------------
// Ours

/**
 * The V8 flags our server runs with as a user runs it (`make run`, `bin/imapd`,
 * the compiled binary): the Makefile's `V8_FLAGS`, kept equal by
 * tests/dist/v8_flags_test.ts.
 */
export const OURS_V8_FLAGS = "--max-semi-space-size=8,--no-memory-pool-share-memory-on-teardown";

/**
 * Starts our server as a user would: `deno run -A main.ts --config CONFIG run`,
 * after creating the users with `creds create`. `mainTs` is the server's entry.
 */
export async function startOurs(
  dir: string,
  users: User[],
  mainTs: string,
  log: (s: string) => void,
  /** A `postgres://` DSN: mailboxes and credentials on PostgreSQL instead of libSQL files. */
  postgresDsn?: string,
): Promise<BenchServer> {
  const port = sparePort();
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const config = `${dir}/config.toml`;
  await Deno.writeTextFile(
    config,
    `# Written by make bench
state_dir = "${dir}/data"
log = "off"

[imap]
listen = ["tcp://127.0.0.1:${port}"]
insecure_auth = true
# Every bench client comes from 127.0.0.1 (1,000 idle sessions in full mode).
max_connections_per_ip = 5000
auth = "&local_authdb"
storage = "&local_mailboxes"

[auth.pass_table.local_authdb]
${
      postgresDsn
        ? `table = { module = "sql_table", driver = "postgres", dsn = "${postgresDsn}", table_name = "passwords" }`
        : `table = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }`
    }

[storage.imapsql.local_mailboxes]
${
      postgresDsn
        ? `driver = "postgres"\ndsn = "${postgresDsn}"`
        : `driver = "libsql"\ndsn = "imapsql.db"`
    }
`,
  );
  const deno = Deno.execPath();
  const cli = (args: string[]) => run(deno, ["run", "-A", mainTs, "--config", config, ...args]);
  // Two at a time: each run starts a Deno and hashes one password.
  const queue = [...users];
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) {
      await cli(["creds", "create", "--password", u.password, u.name]);
    }
  };
  await Promise.all([worker(), worker()]);
  const logFile = `${dir}/server.log`;
  const start = async () => {
    // BENCH_OURS_FLAGS: extra `deno run` flags for our server, e.g. "--cpu-prof --cpu-prof-dir=DIR";
    // a --v8-flags there replaces the server's own (OURS_V8_FLAGS).
    const flags = (Deno.env.get("BENCH_OURS_FLAGS") ?? "").split(" ").filter((f) => f);
    const v8 = flags.some((f) => f.startsWith("--v8-flags")) ? [] : [`--v8-flags=${OURS_V8_FLAGS}`];
    const p = spawnLogged(
      deno,
      ["run", "-A", ...v8, ...flags, mainTs, "--config", config, "run"],
      logFile,
    );
    try {
      await waitForGreeting(port, p.exited, logFile, 60_000);
    } catch (e) {
      await stopChild(p.child, p.exited);
      throw e;
    }
    return p;
  };
  let current = await start();
  const { child, exited } = current;
  // maddy wants `imap-acct create` besides `creds create` unless the storage
  // creates accounts on first login: try the first user, create accounts if needed.
  if (users.length > 0 && !(await canSelect(port, users[0]))) {
    log("ours: SELECT INBOX failed after creds create; running imap-acct create for each user");
    for (const u of users) await cli(["imap-acct", "create", u.name]);
    if (!(await canSelect(port, users[0]))) {
      await stopChild(child, exited);
      throw new Error(`Our server cannot SELECT INBOX for ${JSON.stringify(users[0].name)}`);
    }
  }
  return {
    name: "ours",
    port,
    dir,
    // Restarted after loading, as Dovecot is: the figures are those of a server
    // that starts on a full store, not one still holding what the load left in its heap.
    async finishLoading() {
      await stopChild(current.child, current.exited);
      current = await start();
    },
    async restart() {
      await stopChild(current.child, current.exited);
      current = await start();
    },
    // The server is the Deno process itself (the deno on PATH is the binary, not a wrapper).
    memory: () => Promise.resolve(treeMemory(current.child.pid)),
    cpu: () => treeCpu(current.child.pid),
    stop: () => stopChild(current.child, current.exited),
  };
}

async function canSelect(port: number, user: User): Promise<boolean> {
  const c = await ImapClient.connect(port);
  try {
    const l = await c.command(`LOGIN "${user.name}" "${user.password}"`);
    if (l.status !== "OK") throw new Error(`LOGIN ${user.name} failed: ${l.text}`);
    return (await c.command("SELECT INBOX")).status === "OK";
  } finally {
    c.close();
  }
}
