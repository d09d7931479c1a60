import assert from "node:assert/strict";
import {
  formatBytes,
  formatDuration,
  Progress,
  renderProgress,
  thousands,
} from "../../lib/cli/progress.ts";

Deno.test("`renderProgress()` shows bytes done of the total, the rate and the time left", () => {
  const line = renderProgress({
    label: "import",
    unit: "bytes",
    done: 25 * 1024 * 1024,
    total: 100 * 1024 * 1024,
    seconds: 5,
    note: `${thousands(1200)} messages`,
  });
  assert.equal(
    line,
    "import  [======>                 ]   25%  25.0 MB of 100.0 MB  5.0 MB/s  ETA 0:15  1,200 messages",
  );
});

Deno.test("`renderProgress()` without a total, at the start and at the end", () => {
  assert.equal(
    renderProgress({ label: "restore", unit: "files", done: 40, total: 0, seconds: 2 }),
    "restore  40 files  20 files/s",
  );
  assert.equal(
    renderProgress({ label: "backup", unit: "bytes", done: 0, total: 2048, seconds: 0 }),
    "backup  [>                       ]    0%  0 B of 2.0 KB  --/s  ETA --:--",
  );
  assert.equal(
    renderProgress({ label: "backup", unit: "bytes", done: 2048, total: 2048, seconds: 61 }),
    "backup  [========================]  100%  2.0 KB of 2.0 KB  34 B/s  in 1:01",
  );
});

Deno.test("`formatBytes()` and `formatDuration()`", () => {
  assert.equal(thousands(1234567), "1,234,567");
  assert.equal(thousands(999), "999");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GB");
  assert.equal(formatDuration(59.6), "1:00");
  assert.equal(formatDuration(3725), "1:02:05");
});

Deno.test("`Progress` draws on a terminal only, at most every 100 ms of its clock, and ends its line", () => {
  let clock = 0;
  let out = "";
  const io = { stderr: (s: string) => (out += s), isTerminal: true };
  const p = new Progress(io, {
    label: "import",
    unit: "bytes",
    total: 1000,
    items: "messages",
    now: () => clock,
  });
  const clear = "\r\x1b[K"; // back to the line's start, erase it
  p.add(100);
  const first = out;
  assert.ok(first.startsWith(`${clear}import  [`), JSON.stringify(first));
  clock = 50;
  p.add(100);
  assert.equal(out, first, "no redraw within 100 ms");
  clock = 150;
  p.add(100, 3);
  const second = out.slice(first.length);
  assert.ok(second.startsWith(`${clear}import  [`), JSON.stringify(second));
  assert.match(second, / {2}30% .*3 messages$/);
  p.line("skipped message 4: too big");
  assert.ok(out.endsWith(`${clear}skipped message 4: too big\n`), JSON.stringify(out));
  clock = 1000;
  p.add(700);
  p.finish();
  assert.ok(out.endsWith("100%  1000 B of 1000 B  1000 B/s  in 0:01  3 messages\n"), out);

  let silent = "";
  const quiet = new Progress({ stderr: (s) => (silent += s), isTerminal: false }, {
    label: "import",
    unit: "bytes",
    total: 10,
  });
  quiet.add(5);
  quiet.finish();
  quiet.line("a warning");
  assert.equal(silent, "a warning\n", "without a terminal only the warning is written");
});
