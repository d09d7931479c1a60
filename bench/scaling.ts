// The scaling rows of `make bench`: SELECT, UID FETCH 1:* (UID FLAGS) and
// SEARCH UNSEEN on mailboxes of a tenth of the big mailbox and of all of it
// (10,000 and 100,000 messages in a full run), so the cost curve of each
// server is visible. The mailboxes are copies of the big user's INBOX with
// the first half marked \Seen, made once per server by COPY and STORE (not
// timed). The 1,000,000-message point is ours alone, in bench/store_bench.ts.

import { countNumbered, lastExists, must, searchResults } from "./client.ts";
import type { BenchServer } from "./servers.ts";
import { type Dataset, login, type Measure, type Metric, type Workload } from "./workloads.ts";

/** The mailbox sizes measured: a tenth of the big mailbox, and all of it. */
export function scalingSizes(d: Dataset): number[] {
  return [Math.floor(d.sizes.bigCount / 10), d.sizes.bigCount];
}

const prepared = new WeakSet<BenchServer>();

/** Creates `scale-N` for every size (a copy of INBOX 1:N, 1:N/2 \Seen) unless it exists. */
async function prepare(server: BenchServer, d: Dataset): Promise<void> {
  if (prepared.has(server)) return;
  const c = await login(server, d.big);
  try {
    for (const n of scalingSizes(d)) {
      const name = `scale-${n}`;
      const st = await c.command(`STATUS ${name} (MESSAGES)`);
      if (st.status === "OK") continue;
      await must(c, `CREATE ${name}`);
      await must(c, "EXAMINE INBOX");
      await must(c, `COPY 1:${n} ${name}`);
      await must(c, `SELECT ${name}`);
      await must(c, `STORE 1:${Math.floor(n / 2)} +FLAGS.SILENT (\\Seen)`);
      await must(c, "CLOSE");
    }
  } finally {
    await c.command("LOGOUT").catch(() => {});
    c.close();
  }
  prepared.add(server);
}

export function scalingWorkload(d: Dataset): Workload {
  const sizes = scalingSizes(d);
  const metrics: Metric[] = sizes.flatMap((n) => [
    {
      id: `select_${n}`,
      title: `scaling: SELECT, ${n} messages`,
      unit: "ms",
      higherIsBetter: false,
    },
    {
      id: `uid_fetch_${n}`,
      title: `scaling: UID FETCH 1:* (UID FLAGS), ${n}`,
      unit: "ms",
      higherIsBetter: false,
    },
    {
      id: `unseen_${n}`,
      title: `scaling: SEARCH UNSEEN, ${n} (half unseen)`,
      unit: "ms",
      higherIsBetter: false,
    },
  ]);
  return {
    id: "scaling",
    metrics,
    async run(server) {
      await prepare(server, d);
      const out: Record<string, Measure> = {};
      // A fresh session each round: each SELECT is the first of its mailbox in the session.
      const c = await login(server, d.big);
      try {
        for (const n of sizes) {
          const s = await c.command(`SELECT scale-${n}`);
          out[`select_${n}`] = {
            value: s.ms,
            answer: `${lastExists(s.untagged) ?? -1} EXISTS`,
            expected: `${n} EXISTS`,
            errors: s.status === "OK" ? 0 : 1,
          };
          const f = await c.command("UID FETCH 1:* (UID FLAGS)");
          out[`uid_fetch_${n}`] = {
            value: f.ms,
            answer: `${countNumbered(f.untagged, "FETCH")} FETCH`,
            expected: `${n} FETCH`,
            errors: f.status === "OK" ? 0 : 1,
          };
          const u = await c.command("SEARCH UNSEEN");
          out[`unseen_${n}`] = {
            value: u.ms,
            answer: `${searchResults(u.untagged).length} found`,
            expected: `${n - Math.floor(n / 2)} found`,
            errors: u.status === "OK" ? 0 : 1,
          };
        }
      } finally {
        await c.command("LOGOUT").catch(() => {});
        c.close();
      }
      return out;
    },
  };
}
