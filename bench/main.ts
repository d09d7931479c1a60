// `make bench`: our server and Dovecot side by side on the same workloads.
//
//   deno run -A bench/main.ts [--quick] [--only ours|dovecot] [--rounds N]
//       [--server PATH/main.ts] [--workloads login,big,...] [--keep] [--seed N] [--store]
//
// Both servers start from nothing in a temporary directory, get the same users
// and the same generated messages over IMAP APPEND, then every workload runs on
// both alternately for several rounds. The table gives median, spread and the
// cost ratio ours/Dovecot (>1: we are slower or use more); raw figures go to
// bench/results/<timestamp>.json.

import { parseArgs } from "node:util";
import { expectedSearches } from "./corpus.ts";
import { fairnessWorkload, imaplibAppendWorkload } from "./fairness.ts";
import { type BenchServer, ensureDovecot, startDovecot, startOurs } from "./servers.ts";
import { check, costRatio, fmt, median, spreadPercent, table } from "./stats.ts";
import { scalingWorkload } from "./scaling.ts";
import { qresyncWorkload } from "./qresync.ts";
import {
  allUsers,
  appendWorkload,
  bigMailboxWorkload,
  bodyFetchWorkload,
  closeSessions,
  dataset,
  FULL,
  growthWorkload,
  idleMemoryWorkload,
  loadCorpus,
  loginWorkload,
  type Measure,
  mixedWorkload,
  QUICK,
  searchWorkload,
  type Workload,
} from "./workloads.ts";

const here = new URL(".", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;

function log(s: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

interface Options {
  quick: boolean;
  only: string | undefined;
  rounds: number | undefined;
  server: string;
  workloads: string[] | undefined;
  keep: boolean;
  store: boolean;
  idleConnections: number | undefined;
  seed: number;
  backend: "libsql" | "postgres";
  pgDsn: string | undefined;
}

/** A database on a cluster started for this run (tests/_support/postgres.ts), removed at exit. */
async function throwAwayPostgres(): Promise<string> {
  const { postgres } = await import("../tests/_support/postgres.ts");
  const cluster = await postgres({ durable: true });
  if (!cluster) throw new Error("--backend postgres: no PostgreSQL cluster could be started");
  return await cluster.createDatabase();
}

function options(): Options {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      rounds: { type: "string" },
      server: { type: "string", default: `${root}main.ts` },
      workloads: { type: "string" },
      keep: { type: "boolean", default: false },
      store: { type: "boolean", default: false },
      "idle-connections": { type: "string" },
      seed: { type: "string", default: "20260707" },
      backend: { type: "string", default: "libsql" },
      "pg-dsn": { type: "string" },
    },
  });
  if (values.backend !== "libsql" && values.backend !== "postgres") {
    throw new Error(
      `--backend must be "libsql" or "postgres", not ${JSON.stringify(values.backend)}`,
    );
  }
  if (values.only && values.only !== "ours" && values.only !== "dovecot") {
    throw new Error(`--only must be "ours" or "dovecot", not ${JSON.stringify(values.only)}`);
  }
  return {
    quick: values.quick,
    only: values.only,
    rounds: values.rounds ? Number(values.rounds) : undefined,
    server: values.server,
    workloads: values.workloads?.split(","),
    keep: values.keep,
    store: values.store,
    idleConnections: values["idle-connections"] ? Number(values["idle-connections"]) : undefined,
    seed: Number(values.seed),
    backend: values.backend,
    pgDsn: values["pg-dsn"],
  };
}

interface Row {
  workload: string;
  metric: string;
  title: string;
  unit: string;
  higherIsBetter: boolean;
  runs: Record<string, Measure[]>;
}

async function main(): Promise<void> {
  const opts = options();
  const sizes = { ...(opts.quick ? QUICK : FULL) };
  if (opts.rounds) sizes.rounds = opts.rounds;
  if (opts.idleConnections) sizes.idleConnections = opts.idleConnections;
  const d = dataset(opts.seed, sizes);
  const started = Date.now();
  const tmp = await Deno.makeTempDir({ prefix: "imap-bench-" });
  // Dovecot's unprivileged processes (auth worker, mail as nobody) must traverse it.
  await Deno.chmod(tmp, 0o755);
  log(`${opts.quick ? "quick" : "full"} mode, temp dir ${tmp}`);
  const servers: BenchServer[] = [];
  const notes: string[] = [];
  // On Ctrl-C or a kill, stop the servers we started before leaving.
  const onSignal = async () => {
    log("interrupted: stopping servers");
    for (const s of servers) await s.stop();
    if (!opts.keep) await Deno.remove(tmp, { recursive: true }).catch(() => {});
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const users = allUsers(d);
    if (opts.only !== "dovecot") {
      if (await exists(opts.server)) {
        try {
          let pgDsn: string | undefined;
          if (opts.backend === "postgres") {
            // --pg-dsn: an existing (empty) database; else a throw-away cluster in a temp dir.
            pgDsn = opts.pgDsn ?? await throwAwayPostgres();
            notes.push("ours on PostgreSQL (mailboxes and credentials), over loopback TCP");
          }
          log(`starting ours (${opts.server}) and creating ${users.length} users`);
          servers.push(await startOurs(`${tmp}/ours`, users, opts.server, log, pgDsn));
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          notes.push(`ours did not start: ${msg.split("\n")[0]}`);
          log(`ours did not start: ${msg}`);
        }
      } else {
        notes.push(`ours not run: ${opts.server} does not exist yet`);
      }
    }
    if (opts.only !== "ours") {
      await ensureDovecot(log);
      log("starting Dovecot");
      servers.push(await startDovecot(`${tmp}/dovecot`, users, sizes.idleConnections));
    }
    if (servers.length === 0) throw new Error(`No server to measure: ${notes.join("; ")}`);

    const t0 = Date.now();
    log(
      `loading ${sizes.bigCount} + ${sizes.searchCount} + ${sizes.clientUsers}×${sizes.clientMessages} messages into ${
        servers.map((s) => s.name).join(" and ")
      }`,
    );
    const timed = async (what: string, f: () => Promise<void>) => {
      const t = Date.now();
      await f();
      log(`loaded ${what} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    };
    await Promise.all([
      // The big mailbox in four interleaved streams: its workloads check counts
      // only, so message order may differ, and fsync waits overlap.
      timed("big", async () => {
        const n = d.bigCorpus.count;
        const q = Math.ceil(n / 4);
        await Promise.all(
          [0, 1, 2, 3].map((k) =>
            loadCorpus(servers, d.big, d.bigCorpus, 64, k * q, Math.min(n, (k + 1) * q))
          ),
        );
      }),
      timed("search", () => loadCorpus(servers, d.search, d.searchCorpus)),
      timed("client mailboxes", async () => {
        for (let i = 0; i < d.clients.length; i++) {
          await loadCorpus(servers, d.clients[i], d.clientCorpus(i), 16);
        }
      }),
    ]);
    for (const s of servers) await s.finishLoading();
    const loadSeconds = (Date.now() - t0) / 1000;
    log(`loaded in ${loadSeconds.toFixed(1)} s`);

    const all: Workload[] = [
      loginWorkload(d),
      bigMailboxWorkload(d),
      scalingWorkload(d),
      qresyncWorkload(d),
      bodyFetchWorkload(d),
      searchWorkload(d, expectedSearches(d.searchCorpus)),
      appendWorkload(d),
      mixedWorkload(d),
      fairnessWorkload(d),
      imaplibAppendWorkload(d),
      idleMemoryWorkload(d),
      growthWorkload(d),
    ];
    const chosen = opts.workloads ? all.filter((w) => opts.workloads!.includes(w.id)) : all;
    const rows: Row[] = [];
    for (const w of chosen) {
      const byMetric = new Map<string, Row>();
      for (const m of w.metrics) {
        const row: Row = {
          workload: w.id,
          metric: m.id,
          title: m.title,
          unit: m.unit,
          higherIsBetter: m.higherIsBetter,
          runs: {},
        };
        for (const s of servers) row.runs[s.name] = [];
        byMetric.set(m.id, row);
        rows.push(row);
      }
      const rounds = w.rounds ?? sizes.rounds;
      for (let r = 0; r < rounds; r++) {
        // Alternate which server goes first, so neither always gets the warmer machine.
        const order = r % 2 ? [...servers].reverse() : servers;
        for (const s of order) {
          log(`${w.id} round ${r + 1}/${rounds} on ${s.name}`);
          try {
            const result = await w.run(s, r);
            for (const [id, m] of Object.entries(result)) byMetric.get(id)?.runs[s.name].push(m);
          } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            log(`${w.id} on ${s.name} failed: ${msg}`);
            for (const row of byMetric.values()) {
              row.runs[s.name].push({ value: NaN, errors: 1, answer: `failed: ${msg}` });
            }
          }
        }
      }
    }

    const minutes = ((Date.now() - started) / 60000).toFixed(1);
    const header = ["workload", "unit", "ours", "±%", "dovecot", "±%", "ours/dovecot", "check"];
    const body = rows.map((row) => {
      const med = (n: string) =>
        median((row.runs[n] ?? []).map((m) => m.value).filter(Number.isFinite));
      const spr = (n: string) =>
        row.runs[n]
          ? fmt(spreadPercent(row.runs[n].map((m) => m.value).filter(Number.isFinite)))
          : "—";
      const o = med("ours");
      const dv = med("dovecot");
      const verdict = check(row.runs);
      // A ratio over wrong answers or failed commands would mislead: bracket it.
      const ratio = fmt(costRatio(o, dv, row.higherIsBetter));
      const shown = verdict.startsWith("ok") || ratio === "—" ? ratio : `(${ratio})`;
      return [row.title, row.unit, fmt(o), spr("ours"), fmt(dv), spr("dovecot"), shown, verdict];
    });
    const machine = await machineNote();
    console.log(
      `\nmake bench ${
        opts.quick ? "QUICK=1" : "(full)"
      }: ${sizes.rounds} rounds, seed ${opts.seed}, ${minutes} min total, load ${
        loadSeconds.toFixed(0)
      } s`,
    );
    console.log(`machine: ${machine}`);
    console.log(
      "ratio = ours cost / Dovecot cost (time, memory, or 1/throughput): >1 means we are slower\n",
    );
    console.log(table(header, body));
    for (const n of notes) console.log(`note: ${n}`);

    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    await Deno.mkdir(`${here}results`, { recursive: true });
    const file = `${here}results/${stamp}.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify(
        {
          mode: opts.quick ? "quick" : "full",
          seed: opts.seed,
          sizes,
          machine,
          loadSeconds,
          notes,
          rows,
        },
        null,
        2,
      ),
    );
    console.log(`raw figures: ${file}`);
  } finally {
    for (const s of servers) {
      await closeSessions(s).catch(() => {});
      await s.stop();
      log(`stopped ${s.name}`);
    }
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (opts.keep) log(`kept ${tmp}`);
    else removeInBackground(tmp);
  }
  await storeBench(opts.quick, opts.store);
  if (!opts.workloads || opts.workloads.includes("lmtp")) await lmtpBench(opts.quick, opts.server);
}

/**
 * LMTP deliveries per second against Dovecot's LMTP (bench/lmtp_bench.ts):
 * its own servers, its own section of the report. `--workloads` without
 * "lmtp" leaves it out.
 */
async function lmtpBench(quick: boolean, server: string): Promise<void> {
  const path = `${here}lmtp_bench.ts`;
  if (!(await exists(path))) return;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, "--server", server, ...(quick ? ["--quick"] : [])],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) console.log(`lmtp bench exited with ${out.code}`);
}

/**
 * Removes the temporary directory with a detached `rm -rf`: tens of thousands
 * of small files take seconds on a busy disk, and nobody waits for them.
 */
function removeInBackground(dir: string): void {
  if (!(dir.split("/").pop() ?? "").startsWith("imap-bench-")) return;
  try {
    new Deno.Command("rm", { args: ["-rf", dir], stdin: "null", stdout: "null", stderr: "null" })
      .spawn().unref();
  } catch {
    // left for the OS to clean
  }
}

async function machineNote(): Promise<string> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
  const mem = (await Deno.readTextFile("/proc/meminfo")).match(/MemTotal:\s*(\d+)/)?.[1];
  const dv = await new Deno.Command("dovecot", { args: ["--version"] }).output()
    .then((o) => new TextDecoder().decode(o.stdout).trim()).catch(() => "?");
  return `${navigator.hardwareConcurrency} cores ${cpu}, ${
    mem ? Math.round(Number(mem) / 1048576) : "?"
  } GB, ${Deno.build.os}, Deno ${Deno.version.deno}, Dovecot ${dv}`;
}

/**
 * The store's own benchmark (bench/store_bench.ts, written by the store
 * engineer) runs after ours as a separate section in the full mode. Quick
 * mode skips it unless --store is given (then with --quick): its time is not
 * in the two-minute budget of the server comparison.
 */
async function storeBench(quick: boolean, force: boolean): Promise<void> {
  const path = `${here}store_bench.ts`;
  if (!(await exists(path))) {
    console.log("\nstore bench: bench/store_bench.ts not present; skipped");
    return;
  }
  if (quick && !force) {
    console.log("\nstore bench: skipped in quick mode (add --store to run it with --quick)");
    return;
  }
  console.log("\n== store bench (bench/store_bench.ts) ==");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, ...(quick ? ["--quick"] : [])],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) console.log(`store bench exited with ${out.code}`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
