/**
 * Store benchmark (called by `make bench` through bench/main.ts; `--quick`
 * or BENCH_QUICK=1 shrinks it). Prints:
 *   - durable APPEND throughput (file database, WAL, synchronous=FULL),
 *   - opening (select) a 100,000-message mailbox,
 *   - listing the UIDs and flags of all of them (fetch 1:* FLAGS),
 *   - RSS before and after one million store queries, with the count of
 *     statements prepared (flat RSS and a constant count mean no leak),
 *   - scaling: cold SELECT, FETCH 1:* (UID FLAGS) with the RSS it peaks at,
 *     and SEARCH UNSEEN at 10,000, 100,000 and (full run) 1,000,000
 *     messages, half of them \Seen.
 */
import { parseImapSqlConfig } from "../lib/config/storage.ts";
import { openSqlStore } from "../lib/store/imapsql.ts";

const quick = Deno.args.includes("--quick") || Deno.env.get("BENCH_QUICK") === "1";
const APPENDS = quick ? 300 : 2000;
const MAILBOX = 100_000;
const QUERIES = quick ? 100_000 : 1_000_000;

const enc = new TextEncoder();
function message(n: number): Uint8Array {
  return enc.encode(
    `From: Bench <bench@example.org>\r\nTo: user@example.org\r\nSubject: bench ${n}\r\n` +
      `Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <b${n}@example.org>\r\n\r\n` +
      `${"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n".repeat(30)}${n}\r\n`,
  );
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const dir = await Deno.makeTempDir({ prefix: "store-bench-" });
try {
  const options = parseImapSqlConfig({ dsn: "file:bench.db" }, "bench", { stateDir: dir });
  const store = await openSqlStore(options);
  const acct = (await store.openAccount("bench", { create: true }))!;
  const inbox = (await acct.getMailbox("INBOX"))!;

  // 1. Durable APPEND throughput, one message per transaction, sequential.
  let t0 = performance.now();
  for (let i = 1; i <= APPENDS; i++) await acct.append(inbox.id, { content: message(i) });
  let ms = performance.now() - t0;
  console.log(
    `append (durable, ${message(1).length} B, sequential): ${APPENDS} msgs in ${
      ms.toFixed(0)
    } ms = ${(APPENDS / ms * 1000).toFixed(0)} msgs/s`,
  );

  // 1b. The same from 8 concurrent sessions: appends that meet commit together.
  const sessions = await Promise.all(
    Array.from({ length: 8 }, () => store.openAccount("bench")),
  );
  t0 = performance.now();
  await Promise.all(sessions.map(async (session, k) => {
    for (let i = k; i < APPENDS; i += 8) {
      await session!.append(inbox.id, { content: message(APPENDS + i + 1) });
    }
  }));
  ms = performance.now() - t0;
  console.log(
    `append (durable, 8 concurrent sessions, group commit): ${APPENDS} msgs in ${
      ms.toFixed(0)
    } ms = ${(APPENDS / ms * 1000).toFixed(0)} msgs/s`,
  );

  // 2. Build a 100,000-message mailbox by COPY (bodies shared), then open it.
  const big = await acct.createMailbox("Big");
  t0 = performance.now();
  await acct.copy(inbox.id, [{ from: 1, to: 0xffffffff }], big.id);
  while ((await acct.status(big.id)).messages < MAILBOX) {
    const have = (await acct.status(big.id)).messages;
    await acct.copy(big.id, [{ from: 1, to: Math.min(have, MAILBOX - have) }], big.id);
  }
  await acct.storeFlags(big.id, [{ from: 1, to: 50_000 }], "add", ["\\Seen"]);
  console.log(`build ${MAILBOX} messages by copy: ${(performance.now() - t0).toFixed(0)} ms`);

  await store.close();
  const store2 = await openSqlStore(options);
  const acct2 = (await store2.openAccount("bench"))!;
  t0 = performance.now();
  const snap = await acct2.select(big.id);
  ms = performance.now() - t0;
  console.log(
    `select ${snap.uids.length}-message mailbox (cold process cache): ${ms.toFixed(0)} ms`,
  );
  t0 = performance.now();
  await acct2.select(big.id);
  console.log(`select again (warm): ${(performance.now() - t0).toFixed(0)} ms`);

  // 3. UIDs and flags of all.
  t0 = performance.now();
  let n = 0;
  for await (const r of acct2.fetch(big.id, [{ from: 1, to: 0xffffffff }], { flags: true })) {
    if (r.flags) n++;
  }
  console.log(`fetch 1:* (UID FLAGS) of ${n} messages: ${(performance.now() - t0).toFixed(0)} ms`);
  t0 = performance.now();
  let bytes = 0;
  for await (const r of acct2.fetch(big.id, [{ from: 1, to: 0xffffffff }], { header: true })) {
    bytes += r.header!.length;
  }
  console.log(
    `fetch 1:* (BODY.PEEK[HEADER]) of ${n} messages, ${mb(bytes)}: ${
      (performance.now() - t0).toFixed(0)
    } ms`,
  );
  t0 = performance.now();
  const unseen = await acct2.search(big.id, { type: "flag", flag: "\\Seen", present: false });
  console.log(
    `search UNSEEN over ${n}: ${unseen.length} hits in ${(performance.now() - t0).toFixed(0)} ms`,
  );

  // 4. RSS over many store queries: getMailbox() is 2 queries.
  const prepared = () => store2.options.preparedStatements?.() ?? NaN;
  const warm = 1000;
  for (let i = 0; i < warm; i++) await acct2.getMailbox(i % 2 ? "INBOX" : "Big");
  // deno-lint-ignore no-explicit-any
  (globalThis as any).gc?.();
  const rss0 = Deno.memoryUsage().rss;
  const prepared0 = prepared();
  t0 = performance.now();
  const marks: string[] = [];
  for (let q = 0; q < QUERIES; q += 2) {
    await acct2.getMailbox(q % 4 ? "INBOX" : "Big");
    if (q % (QUERIES / 4) === 0 && q > 0) marks.push(mb(Deno.memoryUsage().rss));
  }
  ms = performance.now() - t0;
  // deno-lint-ignore no-explicit-any
  (globalThis as any).gc?.();
  const rss1 = Deno.memoryUsage().rss;
  console.log(
    `${QUERIES} store queries in ${(ms / 1000).toFixed(1)} s (${
      (ms * 1000 / QUERIES).toFixed(1)
    } µs/query): ` +
      `RSS ${mb(rss0)} -> ${mb(rss1)} (along the way: ${
        marks.join(", ")
      }); statements prepared during: ${prepared() - prepared0}`,
  );
  // 5. Scaling: the same reads at 10,000, 100,000 and 1,000,000 messages (copies of Big).
  const scaleSizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const boxes: { size: number; id: number }[] = [];
  t0 = performance.now();
  for (const size of scaleSizes) {
    const box = await acct2.createMailbox(`Scale${size}`);
    for (let have = 0; have < size; have += MAILBOX) {
      await acct2.copy(big.id, [{ from: 1, to: Math.min(MAILBOX, size - have) }], box.id);
    }
    // The first half \Seen, the rest not, set in steps as a client would.
    const half = size / 2;
    for (const [lo, hi, mode] of [[1, half, "add"], [half + 1, size, "remove"]] as const) {
      for (let from = lo; from <= hi; from += MAILBOX) {
        const to = Math.min(from + MAILBOX - 1, hi);
        await acct2.storeFlags(box.id, [{ from, to }], mode, ["\\Seen"]);
      }
    }
    boxes.push({ size, id: box.id });
  }
  console.log(
    `build scaling mailboxes (${scaleSizes.join(", ")}): ${(performance.now() - t0).toFixed(0)} ms`,
  );
  await store2.close();
  const store3 = await openSqlStore(options);
  const acct3 = (await store3.openAccount("bench"))!;
  const rows: string[][] = [[
    "messages",
    "SELECT cold ms",
    "FETCH FLAGS ms",
    "peak RSS",
    "UNSEEN ms",
  ]];
  for (const { size, id } of boxes) {
    t0 = performance.now();
    const s = await acct3.select(id);
    const selectMs = performance.now() - t0;
    // deno-lint-ignore no-explicit-any
    (globalThis as any).gc?.();
    let peak = Deno.memoryUsage().rss;
    t0 = performance.now();
    let count = 0;
    for await (const r of acct3.fetch(id, [{ from: 1, to: 0xffffffff }], { flags: true })) {
      if (r.flags && ++count % 10_000 === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
    }
    const fetchMs = performance.now() - t0;
    t0 = performance.now();
    const hits = await acct3.search(id, { type: "flag", flag: "\\Seen", present: false });
    const searchMs = performance.now() - t0;
    if (s.uids.length !== size || count !== size || hits.length !== size / 2) {
      throw new Error(
        `Scaling ${size}: ${s.uids.length} UIDs, ${count} fetched, ${hits.length} unseen`,
      );
    }
    rows.push([
      String(size),
      selectMs.toFixed(1),
      fetchMs.toFixed(0),
      mb(peak),
      searchMs.toFixed(1),
    ]);
  }
  for (const r of rows) console.log(r.map((c, i) => i ? c.padStart(16) : c.padEnd(10)).join(""));
  await store3.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
