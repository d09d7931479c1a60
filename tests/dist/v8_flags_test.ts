import assert from "node:assert/strict";
import { OURS_V8_FLAGS } from "../../bench/servers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The Makefile's `V8_FLAGS := ...`: the flags the server runs with. */
async function makefileFlags(): Promise<string> {
  const text = await Deno.readTextFile(`${ROOT}Makefile`);
  const m = /^V8_FLAGS := (.+)$/m.exec(text);
  assert.ok(m, "the Makefile has no V8_FLAGS line");
  return m[1].trim();
}

/** Runs `dir/main.ts` with the V8 flags; its standard output, trimmed. */
async function runWithFlags(dir: string, flags: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--v8-flags=${flags}`, `${dir}/main.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno run --v8-flags=${flags} failed: ${err}`);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("the server's V8 flags are the same in the Makefile, bin/imapd, deno.json and the bench", async () => {
  const flags = await makefileFlags();
  const makefile = await Deno.readTextFile(`${ROOT}Makefile`);
  // Both ways a user starts the server from the Makefile pass them.
  for (const verb of ["run", "compile"]) {
    assert.match(
      makefile,
      new RegExp(`\\$\\(DENO\\) ${verb} -A --v8-flags=\\$\\(V8_FLAGS\\) `),
      `make's deno ${verb} line lacks --v8-flags=$(V8_FLAGS)`,
    );
  }
  const wanted = `--v8-flags=${flags}`;
  const script = await Deno.readTextFile(`${ROOT}bin/imapd`);
  const exec = script.split("\n").find((l) => l.startsWith("exec "));
  assert.ok(exec?.includes(` ${wanted} `), `bin/imapd runs ${JSON.stringify(exec)}`);
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  assert.ok(tasks.run.includes(` ${wanted} `), `the run task is ${JSON.stringify(tasks.run)}`);
  assert.equal(OURS_V8_FLAGS, flags);
});

Deno.test("the V8 flags are accepted and bound a worker's young generation", async () => {
  const flags = await makefileFlags();
  const semi = /--max-semi-space-size=(\d+)/.exec(flags);
  assert.ok(semi, `no --max-semi-space-size in ${flags}`);
  // A worker that allocates fast and keeps the last 20,000 objects: without the
  // flag its new space grew to 64 MB; with it, it stays within a few semi-spaces.
  const dir = await Deno.makeTempDir({ prefix: "imapd-v8-" });
  try {
    await Deno.writeTextFile(
      `${dir}/worker.ts`,
      `import v8 from "node:v8";
let largest = 0;
const keep: unknown[] = [];
for (let i = 0; i < 1000; i++) {
  for (let j = 0; j < 2000; j++) keep[(i * 2000 + j) % 20000] = { i, j, s: "x".repeat(64) + j };
  const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  largest = Math.max(largest, ns?.space_size ?? 0);
}
self.postMessage(largest);
`,
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `const w = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
w.onmessage = (e) => { console.log(e.data); w.terminate(); };
`,
    );
    const largest = Number(await runWithFlags(dir, flags));
    assert.ok(largest > 0, "no new space figure came back");
    // V8 reports new space as four semi-spaces (32 MB at --max-semi-space-size=8): allow five.
    const bound = 5 * Number(semi[1]) * 1024 * 1024;
    assert.ok(largest <= bound, `the worker's new space reached ${largest} bytes (> ${bound})`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with the V8 flags, a worker that ends gives its heap back to the system", async () => {
  // A store thread that stops when idle (worker_store.ts) saves memory only if
  // its isolate's pages are returned: by default V8 keeps them for other
  // isolates, and a worker that had reached 40 MB left 30 MB behind.
  const flags = await makefileFlags();
  const dir = await Deno.makeTempDir({ prefix: "imapd-v8-" });
  try {
    await Deno.writeTextFile(
      `${dir}/worker.ts`,
      `const keep: unknown[] = [];
for (let i = 0; i < 300000; i++) keep.push({ i, s: "x" + i });
self.postMessage(keep.length);
`,
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `const anon = () => Number(/Anonymous:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/smaps_rollup"))![1]) * 1024;
const before = anon();
const w = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
await new Promise((r) => (w.onmessage = r));
const up = anon();
w.terminate();
let after = anon();
// The isolate goes when its thread has ended: wait for that, not for a time.
for (let i = 0; i < 100 && after - before > (up - before) / 2; i++) {
  await new Promise((r) => setTimeout(r, 100));
  after = anon();
}
console.log(JSON.stringify({ before, up, after }));
`,
    );
    const { before, up, after } = JSON.parse(await runWithFlags(dir, flags));
    assert.ok(up - before > 20e6, `the worker's heap grew by ${up - before} bytes only`);
    assert.ok(
      after - before < (up - before) / 2,
      `after the worker ended, ${after - before} of its ${up - before} bytes stayed`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
