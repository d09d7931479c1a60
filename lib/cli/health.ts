/**
 * `imapd health`: for container and systemd checks. Exit 0 when the config
 * loads, every storage opens and answers a query, and every configured
 * listener accepts a connection and greets; else 1, with one line per check.
 * Listeners on port 0 (chosen at start) cannot be reached from here and
 * are skipped.
 */
import type { Config, ListenAddress, StorageOptions } from "../config/types.ts";
import type { MailStore } from "../store/mail_store.ts";
import type { CliIo } from "./io.ts";

const TIMEOUT_MS = 5000;

export interface HealthDeps {
  /** Opens a storage in this process (the admin commands' way). */
  openStore(storage: StorageOptions): Promise<MailStore>;
}

interface Check {
  what: string;
  run(): Promise<string>;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)),
        TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer)).catch((err) => {
    throw new Error(`${what}: ${(err as Error).message}`);
  });
}

/** Where a client on this machine reaches a listen address. */
function connectOptions(
  a: ListenAddress,
): Deno.ConnectOptions | Deno.UnixConnectOptions {
  if (a.scheme === "unix") return { transport: "unix", path: a.path };
  const hostname = a.hostname === "0.0.0.0" || a.hostname === ""
    ? "127.0.0.1"
    : a.hostname === "::"
    ? "::1"
    : a.hostname;
  return { hostname, port: a.port, transport: "tcp" };
}

/** Connects and reads the first line (the greeting). */
async function greeting(a: ListenAddress): Promise<string> {
  const conn = await Deno.connect(connectOptions(a) as Deno.ConnectOptions);
  try {
    const buf = new Uint8Array(512);
    let text = "";
    while (!text.includes("\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text.split(/\r?\n/)[0];
  } finally {
    conn.close();
  }
}

function listenerChecks(
  kind: string,
  addresses: readonly ListenAddress[],
  expect: RegExp,
): Check[] {
  return addresses.filter((a) => a.scheme === "unix" || a.port !== 0).map((a) => ({
    what: `${kind} ${a.text}`,
    async run() {
      if (a.scheme === "tls") {
        // The handshake needs a client certificate store; accepting is what we check.
        const conn = await Deno.connect(connectOptions(a) as Deno.ConnectOptions);
        conn.close();
        return "accepts connections";
      }
      const line = await greeting(a);
      if (!expect.test(line)) throw new Error(`unexpected greeting ${JSON.stringify(line)}`);
      return "greets";
    },
  }));
}

export async function runHealth(config: Config, deps: HealthDeps, io: CliIo): Promise<number> {
  const checks: Check[] = [];
  // The storages the endpoints use, each once.
  const storages = new Map<string, StorageOptions>();
  for (const ep of config.endpoints) storages.set(ep.storage.key, ep.storage);
  for (const ep of config.lmtp) storages.set(ep.deliverTo.key, ep.deliverTo);
  for (const [key, storage] of storages) {
    checks.push({
      what: `storage ${key}`,
      async run() {
        const store = await deps.openStore(storage);
        try {
          const accounts = await store.listAccounts();
          return `opens and answers (${accounts.length} accounts)`;
        } finally {
          await store.close();
        }
      },
    });
  }
  for (const ep of config.endpoints) {
    checks.push(...listenerChecks(ep.path, ep.listen, /^\* (OK|PREAUTH|BYE)\b/));
  }
  for (const ep of config.lmtp) checks.push(...listenerChecks(ep.path, ep.listen, /^220[ -]/));
  if (config.openmetrics) {
    for (const a of config.openmetrics.listen.filter((a) => a.port !== 0)) {
      checks.push({
        what: `openmetrics ${a.text}`,
        async run() {
          const host = connectOptions({ scheme: "tcp", ...a }) as Deno.ConnectOptions;
          const res = await fetch(`http://${host.hostname}:${a.port}/metrics`);
          await res.body?.cancel();
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
          return "serves /metrics";
        },
      });
    }
  }

  let failed = 0;
  io.stdout(`ok   config ${config.file}\n`);
  for (const check of checks) {
    try {
      const said = await withTimeout(check.run(), check.what);
      io.stdout(`ok   ${check.what}: ${said}\n`);
    } catch (err) {
      failed++;
      io.stdout(
        `FAIL ${(err as Error).message.startsWith(check.what) ? "" : `${check.what}: `}${
          (err as Error).message
        }\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}
