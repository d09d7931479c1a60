// The fixed cost of a store request: a loop of tiny requests in-process,
// then through the store thread (the server's way), then to a bare echo
// worker (the floor a message there and back costs). docs/performance.md,
// "Small commands: what one store request costs".
//
//   deno run -A bench/store_rtt.ts [N]        (N requests per row, default 10,000)
import { parseImapSqlConfig } from "../lib/config/storage.ts";
import { openImapSqlStore } from "../lib/store/imapsql.ts";

const N = Number(Deno.args[0] ?? 10_000);

async function time(label: string, f: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await f();
  const t: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const a = performance.now();
    await f();
    t.push(performance.now() - a);
  }
  const all = performance.now() - t0;
  t.sort((a, b) => a - b);
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(
    `  ${label}: mean ${us(all / N)}, p50 ${us(t[N >> 1])}, p99 ${us(t[Math.floor(N * 0.99)])}`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "store-rtt-" });
try {
  const options = parseImapSqlConfig({ dsn: "file:mail.db" }, "storage.imapsql.bench", {
    stateDir: dir,
  });
  for (const thread of [false, true]) {
    const store = await openImapSqlStore(options, { thread });
    try {
      const acct = (await store.openAccount("a", { create: true }))!;
      const inbox = (await acct.getMailbox("INBOX"))!;
      console.log(thread ? "through the store thread:" : "in-process:");
      await time("getMailbox (one row)", () => acct.getMailbox("INBOX"));
      await time(
        "selectByName from an index (poll, row, keywords)",
        () => acct.selectByName("INBOX", { indexed: [inbox.id] }),
      );
      await time("listMailboxesSince, unchanged", () => acct.listMailboxesSince(null));
    } finally {
      await store.close();
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

const src = `self.onmessage = (e) => self.postMessage({ t: "ok", id: e.data.id, value: null });`;
const worker = new Worker(
  URL.createObjectURL(new Blob([src], { type: "text/javascript" })),
  { type: "module" },
);
let next = 0;
const pending = new Map<number, () => void>();
worker.onmessage = (e: MessageEvent<{ id: number }>) => {
  pending.get(e.data.id)?.();
  pending.delete(e.data.id);
};
console.log("a bare worker:");
await time("echo", () =>
  new Promise<void>((resolve) => {
    const id = next++;
    pending.set(id, resolve);
    worker.postMessage({ t: "call", id, method: "x", args: [] });
  }));
worker.terminate();
