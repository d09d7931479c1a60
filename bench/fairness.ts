// Rows of `make bench` about sessions not waiting on each other, and about a
// real client library that writes a literal and its CRLF in two segments.
//
// - fairness: one client sends NOOP every 20 ms and records each latency
//   while another client loops SEARCH TEXT over the big mailbox, then while
//   a third loops `LIST "" "*"` over 1,000 mailboxes.
// - imaplib: Python's imaplib (Nagle on, as it ships) APPENDs small
//   messages one at a time, each waiting for its tagged reply.

import { type CommandResult, countNumbered, ImapClient, must, quote } from "./client.ts";
import { generateMessage, SEARCH_WORD } from "./corpus.ts";
import type { BenchServer } from "./servers.ts";
import { quantile } from "./stats.ts";
import { type Dataset, type Measure, session, type Workload } from "./workloads.ts";

/** Mailboxes the LIST client's account holds (created once, on the first round). */
const LIST_MAILBOXES = 1_000;
const NOOP_EVERY_MS = 20;

function quickMode(d: Dataset): boolean {
  return d.sizes.bigCount < 100_000;
}

/** A logged-in connection with INBOX selected, ready before any load starts. */
async function prober(port: number, user: { name: string; password: string }) {
  const c = await ImapClient.connect(port);
  await must(c, `LOGIN ${quote(user.name)} ${quote(user.password)}`);
  await must(c, "SELECT INBOX");
  return c;
}

/** Sends NOOP every NOOP_EVERY_MS on `c` until `busy` settles; returns every latency (ms). */
async function probe(c: ImapClient, busy: Promise<void>) {
  const latencies: number[] = [];
  let done = false;
  let errors = 0;
  busy.finally(() => (done = true));
  while (!done) {
    const r = await c.command("NOOP");
    latencies.push(r.ms);
    if (r.status !== "OK") errors++;
    await new Promise((res) => setTimeout(res, NOOP_EVERY_MS));
  }
  return { latencies, errors };
}

/** Runs `command` on `client` over and over for at least `ms`, and at least once. */
async function loop(client: ImapClient, command: string, ms: number) {
  const until = performance.now() + ms;
  const results: CommandResult[] = [];
  do {
    results.push(await client.command(command));
  } while (performance.now() < until);
  return results;
}

export function fairnessWorkload(d: Dataset): Workload {
  const seconds = quickMode(d) ? 3 : 10;
  const n = d.sizes.bigCount;
  const proberUser = d.clients[d.clients.length - 1];
  const lister = d.clients[1];
  return {
    id: "fairness",
    metrics: [
      {
        id: "fair_search_p50",
        title: `NOOP p50 while another client loops SEARCH TEXT, ${n}`,
        unit: "ms",
        higherIsBetter: false,
      },
      {
        id: "fair_search_p99",
        title: `NOOP p99 while another client loops SEARCH TEXT, ${n}`,
        unit: "ms",
        higherIsBetter: false,
      },
      {
        id: "fair_list_p50",
        title: `NOOP p50 while another client loops LIST "" "*", ${LIST_MAILBOXES}`,
        unit: "ms",
        higherIsBetter: false,
      },
      {
        id: "fair_list_p99",
        title: `NOOP p99 while another client loops LIST "" "*", ${LIST_MAILBOXES}`,
        unit: "ms",
        higherIsBetter: false,
      },
    ],
    async run(server: BenchServer) {
      const out: Record<string, Measure> = {};
      const p = await prober(server.port, proberUser);
      // SEARCH TEXT over the big mailbox.
      const searcher = await session(server, d.big);
      await must(searcher, "SELECT INBOX");
      let searches: CommandResult[] = [];
      const searching = loop(searcher, `SEARCH TEXT ${quote(SEARCH_WORD)}`, seconds * 1000)
        .then((r) => void (searches = r));
      const s = await probe(p, searching);
      await searching;
      const searchErrors = s.errors + searches.filter((r) => r.status !== "OK").length;
      out.fair_search_p50 = {
        value: quantile(s.latencies, 0.5),
        errors: searchErrors,
        extra: { noops: s.latencies.length, searches: searches.length },
      };
      out.fair_search_p99 = { value: quantile(s.latencies, 0.99), errors: searchErrors };

      // LIST "" "*" over LIST_MAILBOXES mailboxes.
      const lc = await session(server, lister);
      const have = await must(lc, `LIST "" "fair/*"`);
      if (countNumbered(have.untagged, "LIST") === 0 && have.untagged.length < LIST_MAILBOXES) {
        const names = Array.from(
          { length: LIST_MAILBOXES },
          (_, i) => `CREATE "fair/${String(i).padStart(4, "0")}"`,
        );
        for (let i = 0; i < names.length; i += 100) await lc.pipeline(names.slice(i, i + 100));
      }
      let lists: CommandResult[] = [];
      const listing = loop(lc, `LIST "" "*"`, seconds * 1000).then((r) => void (lists = r));
      const l = await probe(p, listing);
      await p.command("LOGOUT").catch(() => {});
      p.close();
      await listing;
      const listed = lists[0]?.untagged.length ?? 0;
      const listErrors = l.errors + lists.filter((r) => r.status !== "OK").length;
      out.fair_list_p50 = {
        value: quantile(l.latencies, 0.5),
        errors: listErrors,
        answer: `${listed >= LIST_MAILBOXES ? "≥" + LIST_MAILBOXES : listed} listed`,
        extra: { noops: l.latencies.length, lists: lists.length },
      };
      out.fair_list_p99 = { value: quantile(l.latencies, 0.99), errors: listErrors };
      return out;
    },
  };
}

const IMAPLIB_SCRIPT = `
import imaplib, sys, time
port, user, password, box, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
msgs = [m.encode() for m in sys.stdin.read().split("\\0") if m]
c = imaplib.IMAP4("127.0.0.1", port)
c.login(user, password)
c.create(box)
t0 = time.perf_counter()
for i in range(count):
    typ, _ = c.append(box, None, None, msgs[i % len(msgs)])
    if typ != "OK":
        print("append failed", file=sys.stderr); sys.exit(1)
ms = (time.perf_counter() - t0) * 1000
typ, data = c.select(box)
n = int(data[0])
c.close()
c.delete(box)
c.logout()
print(ms, n)
`;

export function imaplibAppendWorkload(d: Dataset): Workload {
  const count = quickMode(d) ? 100 : 500;
  const user = d.clients[2];
  const corpus = { seed: d.seed, mailbox: "imaplib", count: 50, profile: "small" as const };
  const messages = Array.from(
    { length: corpus.count },
    (_, i) => new TextDecoder().decode(generateMessage({ ...corpus, maxAttachment: 0 }, i).bytes),
  ).join("\0");
  return {
    id: "imaplib",
    metrics: [{
      id: "imaplib_append",
      title: `imaplib APPEND of ${count} small messages, one at a time`,
      unit: "ms/msg",
      higherIsBetter: false,
    }],
    async run(server: BenchServer) {
      const child = new Deno.Command("python3", {
        args: [
          "-c",
          IMAPLIB_SCRIPT,
          String(server.port),
          user.name,
          user.password,
          "imaplib",
          String(count),
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(messages));
      await w.close();
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout).trim();
      if (!out.success) {
        throw new Error(
          `imaplib: ${new TextDecoder().decode(out.stderr).trim().split("\n").pop()}`,
        );
      }
      const [ms, n] = text.split(" ").map(Number);
      return {
        imaplib_append: {
          value: ms / count,
          answer: `${n} appended`,
          expected: `${count} appended`,
          extra: { total_ms: ms },
        },
      };
    },
  };
}
