/**
 * Test servers, started the way users start them: from a TOML config
 * through the same composition root as main.ts (in-process), or as a child
 * process running main.ts. Real libSQL files in a temp directory; loopback
 * on port 0.
 */
import { parseConfig } from "../../lib/config/config.ts";
import { Logger, openAdminCredentials, type RunningServer, startServer } from "../../lib/app.ts";
import { hashPassword } from "../../lib/auth/hash.ts";
import type { MailStore } from "../../lib/store/mail_store.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** A minimal config: one plain listener on port 0, pass_table and imapsql in state_dir. */
export function baseConfig(dir: string, imapExtra = "", topExtra = ""): string {
  return `state_dir = "${dir}/data"
log = "off"
${topExtra}
[imap]
listen = ["tcp://127.0.0.1:0"]
auth = "&local_authdb"
storage = "&local_mailboxes"
${imapExtra}

[auth.pass_table.local_authdb]
table = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }

[storage.imapsql.local_mailboxes]
driver = "libsql"
dsn = "imapsql.db"
`;
}

/**
 * `config` with its mailboxes and its credentials table moved to the
 * PostgreSQL database `dsn` (driver = "postgres"): the same server, on the
 * store that several nodes can share.
 */
export function onPostgres(config: string, dsn: string): string {
  const out = config
    .replace(
      `table = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }`,
      `table = { module = "sql_table", driver = "postgres", dsn = "${dsn}", table_name = "passwords" }`,
    )
    .replace(`driver = "libsql"\ndsn = "imapsql.db"`, `driver = "postgres"\ndsn = "${dsn}"`);
  if (!out.includes(`driver = "postgres"\ndsn`)) throw new Error("no libsql storage to move");
  return out;
}

export interface TestServer {
  dir: string;
  port: number;
  running: RunningServer;
  store: MailStore;
  close(): Promise<void>;
}

export const DEFAULT_USERS: Record<string, string> = { alice: "alice-pw", bob: "bob-pw" };

/**
 * Starts a server in this process. `config` is the TOML text (default:
 * baseConfig); `users` get credentials (hashing is slow: keep it to a few).
 */
export interface TestServerOptions {
  config?: (dir: string) => string;
  users?: Record<string, string>;
  debug?: boolean;
  /** Receives every log line the server writes (as a file target would). */
  logSink?: (line: string) => void;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "imapd-test-" });
  try {
    return await startIn(dir, options);
  } catch (err) {
    // A server that fails to start (a test of a bad config) leaves nothing behind.
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}

async function startIn(
  dir: string,
  options: TestServerOptions,
): Promise<TestServer> {
  const text = (options.config ?? baseConfig)(dir);
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, text);
  const config = parseConfig(text, file);
  const users = options.users ?? DEFAULT_USERS;
  if (Object.keys(users).length > 0) {
    const table = await openAdminCredentials(config);
    if (!table) throw new Error("The test config has no mutable credentials table");
    for (const [name, pw] of Object.entries(users)) {
      await table.set(name, await hashPassword(pw, "bcrypt", { bcryptCost: 4 }));
    }
    await table.close?.();
  }
  const log = options.logSink
    ? new Logger([options.logSink], false)
    : options.debug || Deno.env.get("IMAPD_TEST_DEBUG")
    ? Logger.open([{ kind: "stderr" }], true)
    : new Logger([], false);
  const running = await startServer(config, log);
  const port = Number(/:(\d+)$/.exec(running.addresses[0])![1]);
  return {
    dir,
    port,
    running,
    store: [...running.stores.values()][0],
    async close() {
      await running.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

export interface ChildServer {
  process: Deno.ChildProcess;
  /** Bound addresses the server logged, port 0 resolved. */
  addresses: string[];
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Runs `deno run -A main.ts ARGS` and returns its output (admin commands). */
export async function runMain(
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    cwd: ROOT,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/**
 * Starts `deno run -A main.ts --config FILE run` as a child process and
 * waits until it logs every listening address (or exits).
 */
export async function spawnServer(configFile: string, expectListeners = 1): Promise<ChildServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "--config", configFile, "run"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const addresses: string[] = [];
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
    }
  })();
  child.stdout.cancel();
  const deadline = Date.now() + 30_000;
  while (addresses.length < expectListeners) {
    for (const m of text.matchAll(/listening on (\S+)/g)) {
      if (!addresses.includes(m[1])) addresses.push(m[1]);
    }
    if (addresses.length >= expectListeners) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Server did not start; stderr:\n${text}`);
    }
    const status = await Promise.race([
      child.status,
      new Promise((r) => setTimeout(() => r(null), 50)),
    ]);
    if (status) throw new Error(`Server exited at start; stderr:\n${text}`);
  }
  return {
    process: child,
    addresses,
    stderr: () => text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await pump;
      return status;
    },
  };
}

export function portOf(address: string): number {
  return Number(/:(\d+)$/.exec(address)![1]);
}

/**
 * A server in a child process, for inputs that could freeze the event loop
 * (a test in the same process would freeze with it): temp dir, config with
 * `imapExtra` in [imap], log to stderr, `users` created through the CLI.
 * `stop()` kills it (SIGKILL if SIGTERM is ignored) and removes the dir.
 */
export async function spawnTestServer(options: {
  imapExtra?: string;
  users?: Record<string, string>;
  config?: (dir: string) => string;
} = {}): Promise<ChildServer & { dir: string; port: number; configFile: string }> {
  const dir = await Deno.makeTempDir({ prefix: "imapd-child-" });
  const file = `${dir}/config.toml`;
  const text = options.config?.(dir) ?? baseConfig(dir, options.imapExtra ?? "");
  await Deno.writeTextFile(file, text.replace('log = "off"', 'log = "stderr"'));
  try {
    for (const [name, pw] of Object.entries(options.users ?? { alice: "alice-pw" })) {
      const r = await runMain(["--config", file, "creds", "create", "--password", pw, name]);
      if (r.code !== 0) throw new Error(`creds create failed: ${r.stderr}`);
    }
    const srv = await spawnServer(file);
    return {
      ...srv,
      dir,
      configFile: file,
      port: portOf(srv.addresses[0]),
      async stop(signal: Deno.Signal = "SIGTERM") {
        const timer = setTimeout(() => {
          try {
            srv.process.kill("SIGKILL");
          } catch { /* gone */ }
        }, 10_000);
        try {
          return await srv.stop(signal);
        } finally {
          clearTimeout(timer);
          await Deno.remove(dir, { recursive: true }).catch(() => {});
        }
      },
    };
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}
