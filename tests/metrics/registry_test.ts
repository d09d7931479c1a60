import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, Registry } from "../../lib/metrics/registry.ts";

Deno.test("`Registry.render()` names counters per format and escapes label values", () => {
  const r = new Registry();
  const c = r.register(new Counter("x_commands", "Commands\nby name", ["command"]));
  c.inc({ command: 'we"ird\\na\nme' });
  c.inc({ command: "NOOP" }, 2);
  const om = r.render(true);
  assert.equal(
    om,
    "# HELP x_commands Commands\\nby name\n# TYPE x_commands counter\n" +
      'x_commands_total{command="we\\"ird\\\\na\\nme"} 1\n' +
      'x_commands_total{command="NOOP"} 2\n# EOF\n',
  );
  const text = r.render(false);
  assert.match(text, /^# TYPE x_commands_total counter$/m);
  assert.doesNotMatch(text, /# EOF/);
});

Deno.test("`Counter.inc()` refuses to go down; a histogram's buckets are cumulative", () => {
  const r = new Registry();
  const c = r.register(new Counter("c", "c"));
  assert.throws(() => c.inc(-1), /only goes up/);
  const h = r.register(new Histogram("h_seconds", "h", [0.01, 0.1]));
  h.observe(0.005);
  h.observe(0.05);
  h.observe(3);
  const om = r.render(true);
  assert.match(om, /^h_seconds_bucket\{le="0.01"\} 1$/m);
  assert.match(om, /^h_seconds_bucket\{le="0.1"\} 2$/m);
  assert.match(om, /^h_seconds_bucket\{le="\+Inf"\} 3$/m);
  assert.match(om, /^h_seconds_count 3$/m);
  assert.match(om, /^h_seconds_sum 3.055$/m);
  assert.throws(() => r.register(new Gauge("c", "again")), /registered twice/);
});
