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
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `--v8-flags=${flags}`, `${dir}/main.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `deno run --v8-flags=${flags} failed: ${err}`);
    const largest = Number(new TextDecoder().decode(out.stdout).trim());
    assert.ok(largest > 0, "no new space figure came back");
    // V8 reports new space as four semi-spaces (32 MB at --max-semi-space-size=8): allow five.
    const bound = 5 * Number(semi[1]) * 1024 * 1024;
    assert.ok(largest <= bound, `the worker's new space reached ${largest} bytes (> ${bound})`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
