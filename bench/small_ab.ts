// Small commands of two builds of our server, side by side on one loaded machine:
//
//   deno run -A bench/small_ab.ts [--messages N] [--rounds R] OLD/main.ts NEW/main.ts
//
// Both servers get the same mailbox (N messages, half \Seen, and 300 more
// mailboxes); then each round times, on each server in turn (the first one
// swaps every round): SELECT on a fresh session (as the scaling rows), 50
// SELECTs in one session, 50 NOOPs, and 100 NOOPs while a second client
// loops `LIST "" "*"`, then SEARCH TEXT. Alternating in short rounds is what makes two builds
// comparable when other jobs load the cores: each sees the same load. The
// table shows medians over every command of every round (ms).
import { parseArgs } from "node:util";
import { ImapClient, must } from "./client.ts";
import { type BenchServer, startOurs } from "./servers.ts";
import { quantile } from "./stats.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "10000" },
    rounds: { type: "string", default: "8" },
  },
  allowPositionals: true,
});
if (positionals.length !== 2) {
  throw new Error("usage: small_ab.ts [--messages N] [--rounds R] OLD/main.ts NEW/main.ts");
}
const count = Number(values.messages);
const rounds = Number(values.rounds);
const user = { name: "bench", password: "bench-pw" };
const log = (s: string) =>
  console.error(`[small_ab ${new Date().toISOString().slice(11, 19)}] ${s}`);

async function session(port: number, select = true): Promise<ImapClient> {
  const c = await ImapClient.connect(port);
  await must(c, `LOGIN ${user.name} ${user.password}`);
  if (select) await must(c, "SELECT INBOX");
  return c;
}

async function load(server: BenchServer): Promise<void> {
  const c = await session(server.port, false);
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    const sent: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(count, i + batch); k++) {
      const m = new TextEncoder().encode(
        `Subject: m${k}\r\nFrom: a@example.org\r\n\r\nbody ${k}\r\n`,
      );
      sent.push(c.append("INBOX", m, k % 2 ? "\\Seen" : ""));
    }
    await Promise.all(sent);
  }
  const created: Promise<unknown>[] = [];
  for (let k = 0; k < 300; k++) created.push(must(c, `CREATE box${k}`));
  await Promise.all(created);
  c.close();
}

const timings = new Map<string, number[]>();
function note(server: number, row: string, ms: number): void {
  const key = `${server}\t${row}`;
  timings.set(key, [...(timings.get(key) ?? []), ms]);
}

async function round(i: number, server: BenchServer): Promise<void> {
  for (let k = 0; k < 20; k++) {
    const c = await session(server.port, false);
    note(i, "SELECT, fresh session", (await must(c, "SELECT INBOX")).ms);
    await must(c, "LOGOUT");
    c.close();
  }
  const c = await session(server.port);
  for (let k = 0; k < 50; k++) note(i, "SELECT, same session", (await must(c, "SELECT INBOX")).ms);
  for (let k = 0; k < 50; k++) note(i, "NOOP", (await must(c, "NOOP")).ms);
  await beside(i, server, c, 'LIST "" "*"', false);
  await beside(i, server, c, 'SEARCH TEXT "body 77"', true);
  c.close();
}

/** 100 NOOPs on `c`, 5 ms apart, while another session loops `command`. */
async function beside(
  i: number,
  server: BenchServer,
  c: ImapClient,
  command: string,
  select: boolean,
): Promise<void> {
  const other = await session(server.port, select);
  let done = false;
  const looping = (async () => {
    while (!done) await must(other, command);
  })();
  for (let k = 0; k < 100; k++) {
    note(i, `NOOP beside ${command}`, (await must(c, "NOOP")).ms);
    await new Promise((r) => setTimeout(r, 5));
  }
  done = true;
  await looping;
  other.close();
}

const servers: BenchServer[] = [];
try {
  for (const [i, main] of positionals.entries()) {
    const dir = await Deno.makeTempDir({ prefix: `small-ab-${i}-` });
    log(`starting ${main}`);
    servers.push(await startOurs(dir, [user], main, log));
  }
  log(`loading ${count} messages into each`);
  await Promise.all(servers.map(load));
  for (const s of servers) await s.finishLoading();
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const i of order) await round(i, servers[i]);
    log(`round ${r + 1}/${rounds}`);
  }
  const rows = [...new Set([...timings.keys()].map((k) => k.split("\t")[1]))];
  console.log(
    `\n${count} messages, ${rounds} rounds, load ${
      Deno.loadavg().map((l) => l.toFixed(1)).join(" ")
    }`,
  );
  console.log(`row | p50 old | p50 new | p90 old | p90 new | p99 old | p99 new`);
  for (const row of rows) {
    const a = timings.get(`0\t${row}`)!;
    const b = timings.get(`1\t${row}`)!;
    const f = (v: number) => v.toFixed(3);
    console.log(
      `${row} | ${f(quantile(a, 0.5))} | ${f(quantile(b, 0.5))} | ${f(quantile(a, 0.9))} | ${
        f(quantile(b, 0.9))
      } | ${f(quantile(a, 0.99))} | ${f(quantile(b, 0.99))}`,
    );
  }
} finally {
  for (const s of servers) await s.stop();
  for (const s of servers) await Deno.remove(s.dir, { recursive: true }).catch(() => {});
}
