import assert from "node:assert/strict";
import { Metrics } from "../../lib/metrics/metrics.ts";
import { serveMetrics } from "../../lib/metrics/endpoint.ts";
import { Logger } from "../../lib/log.ts";

const OPENMETRICS = "application/openmetrics-text; version=1.0.0,text/plain;q=0.5";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the OpenMetrics text we serve: every sample belongs to
 * a family declared by `# TYPE` before it, label values are quoted, values
 * are numbers, and the text ends with `# EOF`.
 */
function parseOpenMetrics(text: string): { types: Map<string, string>; samples: Sample[] } {
  const lines = text.split("\n");
  assert.equal(lines.at(-1), "", "the text ends with a newline");
  assert.equal(lines.at(-2), "# EOF", "the last line is # EOF");
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of lines.slice(0, -2)) {
    let m = /^# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (m) {
      if (m[1] === "TYPE") {
        assert.match(m[3], /^(counter|gauge|histogram|summary|info|stateset|unknown)$/, line);
        types.set(m[2], m[3]);
      }
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      for (const pair of m[3].split(/,(?=[a-zA-Z_])/)) {
        const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"$/.exec(pair);
        assert.ok(l, `bad label ${JSON.stringify(pair)} in ${line}`);
        labels[l[1]] = l[2];
      }
    }
    const value = Number(m[4]);
    assert.ok(m[4] === "+Inf" || !Number.isNaN(value), `bad value in ${line}`);
    const family = [...types.keys()].find((f) =>
      m![1] === f || /^_(total|created|bucket|count|sum)$/.test(m![1].slice(f.length)) &&
        m![1].startsWith(f)
    );
    assert.ok(family, `sample before its # TYPE: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find((x) =>
    x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)
  );
  assert.ok(s, `no sample ${name} ${JSON.stringify(labels)}`);
  return s.value;
}

async function scrape(
  address: string,
  accept = OPENMETRICS,
): Promise<{ type: string; text: string }> {
  const res = await fetch(`http://${address.slice("tcp://".length)}/metrics`, {
    headers: { accept },
  });
  assert.equal(res.status, 200);
  return { type: res.headers.get("content-type") ?? "", text: await res.text() };
}

Deno.test("the metrics endpoint serves counters that move, in the OpenMetrics format", async () => {
  const metrics = new Metrics();
  let open = 2;
  metrics.addConnectionSource(() => [
    { endpoint: "imap", state: "authenticated", count: open },
  ]);
  const ep = await serveMetrics(
    [{ text: "tcp://127.0.0.1:0", hostname: "127.0.0.1", port: 0 }],
    metrics,
    new Logger([], false),
  );
  try {
    const before = parseOpenMetrics((await scrape(ep.addresses[0])).text).samples;
    assert.equal(value(before, "imapd_connections", { state: "authenticated" }), 2);
    assert.ok(value(before, "imapd_process_resident_memory_bytes") > 0);

    metrics.commands.inc({ command: "FETCH", result: "ok" });
    metrics.commands.inc({ command: "FETCH", result: "ok" });
    metrics.commandSeconds.observe({ command: "FETCH" }, 0.003);
    metrics.logins.inc({ result: "failed" });
    open = 5;
    const { type, text } = await scrape(ep.addresses[0]);
    assert.match(type, /^application\/openmetrics-text; version=1\.0\.0/);
    const { types, samples } = parseOpenMetrics(text);
    assert.equal(types.get("imapd_commands"), "counter");
    assert.equal(value(samples, "imapd_commands_total", { command: "FETCH", result: "ok" }), 2);
    assert.equal(value(samples, "imapd_logins_total", { result: "failed" }), 1);
    assert.equal(value(samples, "imapd_connections", { state: "authenticated" }), 5);
    assert.equal(value(samples, "imapd_command_duration_seconds_count", { command: "FETCH" }), 1);
    assert.equal(
      value(samples, "imapd_command_duration_seconds_bucket", { command: "FETCH", le: "0.005" }),
      1,
    );
    assert.equal(
      value(samples, "imapd_command_duration_seconds_bucket", { command: "FETCH", le: "0.001" }),
      0,
    );

    // Without asking for OpenMetrics (curl): the Prometheus text format.
    const plain = await scrape(ep.addresses[0], "*/*");
    assert.match(plain.type, /^text\/plain; version=0\.0\.4/);
    assert.match(plain.text, /^imapd_commands_total\{command="FETCH",result="ok"\} 2$/m);
    assert.doesNotMatch(plain.text, /# EOF/);

    const other = await fetch(`http://${ep.addresses[0].slice(6)}/`);
    assert.equal(other.status, 404);
    await other.body?.cancel();
  } finally {
    await ep.close();
  }
});

Deno.test({
  name: "promtool accepts the Prometheus text the metrics endpoint serves",
  ignore: !hasPromtool(),
  async fn() {
    const metrics = new Metrics();
    metrics.commands.inc({ command: "LOGIN", result: "no" });
    metrics.storeRequestSeconds.observe({ method: "select" }, 0.0002);
    const out = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = out.stdin.getWriter();
    await w.write(new TextEncoder().encode(metrics.render().text));
    await w.close();
    const res = await out.output();
    const said = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
    assert.equal(res.code, 0, said);
  },
});

function hasPromtool(): boolean {
  try {
    new Deno.Command("promtool", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch {
    console.warn("promtool not found: the format is checked by the test's own reader only");
    return false;
  }
}
