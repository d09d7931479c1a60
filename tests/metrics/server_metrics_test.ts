import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

/** `name{labels} value` lines of the Prometheus text, as name+labels → value. */
async function scrape(address: string): Promise<Map<string, number>> {
  const res = await fetch(`http://${address.slice("tcp://".length)}/metrics`);
  assert.equal(res.status, 200);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

Deno.test("[openmetrics] counts commands, logins, APPENDs and open sessions of a real session", async () => {
  const srv = await startTestServer({
    config: (dir) => baseConfig(dir, "", '[openmetrics]\nlisten = ["tcp://127.0.0.1:0"]'),
  });
  try {
    const [address] = srv.running.metricsAddresses;
    assert.match(address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const before = await scrape(address);
    assert.equal(before.get('imapd_logins_total{result="ok"}') ?? 0, 0);

    const c = await TestClient.connect(srv.port);
    assert.match((await c.command("LOGIN alice wrong")).tagged, /NO/);
    await c.login("alice", "alice-pw");
    const msg = "Subject: counted\r\n\r\nhello\r\n";
    assert.match((await c.command(`APPEND INBOX {${msg.length}+}\r\n${msg}`)).tagged, /OK/);

    assert.match((await c.command("XYZZY now")).tagged, /BAD/);

    const during = await scrape(address);
    assert.equal(during.get('imapd_commands_total{command="LOGIN",result="no"}'), 1);
    assert.equal(during.get('imapd_commands_total{command="LOGIN",result="ok"}'), 1);
    assert.equal(during.get('imapd_commands_total{command="APPEND",result="ok"}'), 1);
    // A name that is not a command is counted, but never becomes a label.
    assert.equal(during.get('imapd_commands_total{command="UNKNOWN",result="bad"}'), 1);
    assert.ok(![...during.keys()].some((k) => k.includes("XYZZY")));
    assert.equal(during.get('imapd_command_duration_seconds_count{command="LOGIN"}'), 2);
    assert.equal(during.get('imapd_logins_total{result="ok"}'), 1);
    assert.equal(during.get('imapd_logins_total{result="failed"}'), 1);
    assert.equal(during.get("imapd_appended_messages_total"), 1);
    assert.equal(during.get("imapd_appended_bytes_total"), msg.length);
    assert.equal(during.get('imapd_connections{endpoint="imap",state="authenticated"}'), 1);
    assert.ok(during.get("imapd_database_size_bytes")! > 0);
    assert.equal(during.get('imapd_store_request_duration_seconds_count{method="append"}'), 1);
    assert.ok(during.get("imapd_process_resident_memory_bytes")! > 0);

    await c.command("LOGOUT");
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("[openmetrics] counts LMTP deliveries per recipient by result, and their bytes", async () => {
  const { startLmtpServer } = await import("../lmtp/_lmtp.ts");
  const srv = await startLmtpServer({
    lmtp: '\n[openmetrics]\nlisten = ["tcp://127.0.0.1:0"]',
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.lmtpPort });
    const text = "Subject: hi\r\n\r\nbody\r\n";
    const script = [
      "LHLO client.test",
      "MAIL FROM:<s@example.org>",
      "RCPT TO:<alice@example.org>",
      "RCPT TO:<bob@example.org>",
      "DATA",
      `${text}.`,
      "QUIT",
    ];
    // LMTP allows no pipelining without PIPELINING; wait for each reply's last line.
    const reader = conn.readable.getReader();
    let buffered = "";
    const reply = async () => {
      for (;;) {
        const lines = buffered.split("\r\n");
        const last = lines.findIndex((l) => /^\d{3} /.test(l));
        if (last >= 0) {
          buffered = lines.slice(last + 1).join("\r\n");
          return lines[last];
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("closed");
        buffered += new TextDecoder().decode(value);
      }
    };
    await reply(); // greeting
    const w = conn.writable.getWriter();
    for (const line of script) {
      await w.write(new TextEncoder().encode(`${line}\r\n`));
      await reply();
      if (line.endsWith(".")) await reply(); // one reply per recipient after DATA
    }
    // Cancelling the readable and closing the writable closes the connection.
    await reader.cancel().catch(() => {});
    await w.close().catch(() => {});

    const res = await fetch(`http://${srv.running.metricsAddresses[0].slice(6)}/metrics`);
    const body = await res.text();
    assert.match(body, /^imapd_delivered_messages_total\{result="ok"\} 2$/m);
    const bytes = Number(/^imapd_delivered_bytes_total (\d+)$/m.exec(body)![1]);
    assert.equal(bytes, 2 * text.length);
  } finally {
    await srv.close();
  }
});
