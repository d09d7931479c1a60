/**
 * A throw-away PostgreSQL cluster for tests, from Debian's `postgresql`
 * package: `initdb` into a temp dir, `pg_ctl start` on a free loopback port
 * (its socket in the same dir), one cluster per test process, started at the
 * first `await postgres()` and stopped (dir removed) when the process ends.
 * As root, the cluster runs as the unprivileged `postgres` user (else
 * `nobody`), which owns the temp dir: initdb refuses to run as root.
 *
 * When PostgreSQL is missing or does not start, `postgres()` returns null
 * and prints why once; tests pass `pgIgnore` as their `ignore:` so they are
 * reported as ignored, never silently passed.
 */

export interface PgCluster {
  /** `postgres://…` DSN of `database` on this cluster. */
  dsn(database: string): string;
  /**
   * A new database, empty or a copy of `template` (which nobody may be
   * connected to); its DSN.
   */
  createDatabase(template?: string): Promise<string>;
  /** A new database with the store's schema already migrated (a copy of one migrated once). */
  createMigratedDatabase(): Promise<string>;
  /** Runs SQL as the superuser (psql -c), for tests that need to look inside. */
  psql(database: string, sql: string): Promise<string>;
  /** Stops the cluster (pg_ctl stop -m fast), for tests of an unreachable database. */
  pause(): Promise<void>;
  /** Starts it again on the same port after pause(). */
  resume(): Promise<void>;
}

import { parseImapSqlConfig } from "../../lib/config/storage.ts";
import { openSqlStore } from "../../lib/store/imapsql.ts";

const USER = "imapd_test";
let started: Promise<PgCluster | null> | null = null;
let counter = 0;

function findBin(): string | null {
  if (Deno.build.os !== "linux") return null;
  const override = Deno.env.get("IMAPD_TEST_PG_BIN");
  const candidates: string[] = override ? [override] : [];
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((e) => e.name).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // no Debian package
  }
  for (const dir of candidates) {
    try {
      Deno.statSync(`${dir}/initdb`);
      Deno.statSync(`${dir}/pg_ctl`);
      return dir;
    } catch {
      // try the next
    }
  }
  return null;
}

/** The unprivileged account to run as when we are root, with its uid/gid. */
function runAs(): { user: string; uid: number; gid: number } | null {
  if (Deno.uid() !== 0) return null;
  const passwd = Deno.readTextFileSync("/etc/passwd").split("\n");
  for (const user of ["postgres", "nobody"]) {
    const line = passwd.find((l) => l.startsWith(`${user}:`));
    if (!line) continue;
    const f = line.split(":");
    return { user, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

async function run(
  argv: string[],
  as: { user: string } | null,
): Promise<{ ok: boolean; out: string }> {
  const full = as ? ["runuser", "-u", as.user, "--", ...argv] : argv;
  const out = await new Deno.Command(full[0], {
    args: full.slice(1),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success, out: text };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function start(durable: boolean): Promise<PgCluster | null> {
  const bin = findBin();
  if (!bin) {
    throw new Skip("no initdb/pg_ctl under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
  }
  const as = runAs();
  if (Deno.uid() === 0 && !as) throw new Skip("running as root and no postgres/nobody user");
  const dir = await Deno.makeTempDir({ prefix: "imapd-pg-" });
  const data = `${dir}/data`;
  await Deno.mkdir(data, { mode: 0o700 });
  if (as) {
    await Deno.chown(dir, as.uid, as.gid);
    await Deno.chown(data, as.uid, as.gid);
  }
  const stop = () => {
    try {
      new Deno.Command(as ? "runuser" : `${bin}/pg_ctl`, {
        args: [
          ...(as ? ["-u", as.user, "--", `${bin}/pg_ctl`] : []),
          "stop",
          "-D",
          data,
          "-m",
          "immediate",
          "-w",
        ],
        stdout: "null",
        stderr: "null",
      }).outputSync();
    } catch {
      // already gone
    }
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // nothing to remove
    }
  };
  globalThis.addEventListener("unload", stop);
  const init = await run(
    [`${bin}/initdb`, "-D", data, "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8"],
    as,
  );
  if (!init.ok) {
    stop();
    throw new Skip(`initdb failed: ${init.out.trim().split("\n").slice(-3).join(" / ")}`);
  }
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const opts = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-k ${dir}`,
      // Tests need no durability; a benchmark does (its figures beside Dovecot's fsyncs).
      ...(durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
      "-c max_connections=200",
      "-c shared_buffers=32MB",
    ].join(" ");
    const r = await run(
      [`${bin}/pg_ctl`, "start", "-D", data, "-w", "-t", "30", "-l", `${dir}/log`, "-o", opts],
      as,
    );
    if (r.ok) {
      const host = "127.0.0.1";
      let migrated: Promise<string> | null = null;
      const cluster: PgCluster = {
        dsn: (db) => `postgres://${USER}@${host}:${port}/${db}`,
        async createDatabase(template) {
          const name = `t${Deno.pid}_${++counter}`;
          const sql = `create database ${name}` + (template ? ` template ${template}` : "");
          for (let attempt = 0;; attempt++) {
            const c = await run(
              [
                `${bin}/psql`,
                "-h",
                host,
                "-p",
                `${port}`,
                "-U",
                USER,
                "-d",
                "postgres",
                "-qc",
                sql,
              ],
              null,
            );
            if (c.ok) return cluster.dsn(name);
            // A template's last connection may still be closing.
            if (!/being accessed by other users/.test(c.out) || attempt >= 50) {
              throw new Error(`create database: ${c.out}`);
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        },
        createMigratedDatabase() {
          migrated ??= (async () => {
            const dsn = await cluster.createDatabase();
            const options = parseImapSqlConfig({ driver: "postgres", dsn }, "storage.imapsql.t", {
              stateDir: dir,
            });
            await (await openSqlStore(options)).close();
            return dsn.replace(/.*\//, "");
          })();
          return migrated.then((template) => cluster.createDatabase(template));
        },
        async psql(database, sql) {
          const c = await run(
            [`${bin}/psql`, "-h", host, "-p", `${port}`, "-U", USER, "-d", database, "-Atqc", sql],
            null,
          );
          if (!c.ok) throw new Error(`psql: ${c.out}`);
          return c.out.trim();
        },
        async pause() {
          const c = await run([`${bin}/pg_ctl`, "stop", "-D", data, "-m", "fast", "-w"], as);
          if (!c.ok) throw new Error(`pg_ctl stop: ${c.out}`);
        },
        async resume() {
          const c = await run(
            [
              `${bin}/pg_ctl`,
              "start",
              "-D",
              data,
              "-w",
              "-t",
              "30",
              "-l",
              `${dir}/log`,
              "-o",
              opts,
            ],
            as,
          );
          if (!c.ok) throw new Error(`pg_ctl start: ${c.out}`);
        },
      };
      return cluster;
    }
    lastError = r.out;
    try {
      lastError += Deno.readTextFileSync(`${dir}/log`);
    } catch {
      // no log
    }
  }
  stop();
  throw new Skip(`pg_ctl start failed: ${lastError.trim().split("\n").slice(-3).join(" / ")}`);
}

class Skip extends Error {}

/**
 * The cluster of this test process, started on first use; null (reason
 * printed) without one. `durable` (the first call decides): PostgreSQL's
 * shipped fsync settings instead of fsync off.
 */
export function postgres(options: { durable?: boolean } = {}): Promise<PgCluster | null> {
  started ??= start(options.durable ?? false).catch((e) => {
    const why = e instanceof Skip ? e.message : String(e);
    console.error(`PostgreSQL tests SKIPPED: ${why}`);
    return null;
  });
  return started;
}

/**
 * Whether this process's PostgreSQL tests are to be ignored: awaited at the
 * top of a test file (`ignore: await pgIgnore()`), so it starts the cluster.
 */
export async function pgIgnore(): Promise<boolean> {
  return (await postgres()) === null;
}
