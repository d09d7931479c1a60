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

Deno.test("[openmetrics] counts logins, APPENDs and open sessions of a real session", async () => {
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

    const during = await scrape(address);
    assert.equal(during.get('imapd_logins_total{result="ok"}'), 1);
    assert.equal(during.get('imapd_logins_total{result="failed"}'), 1);
    assert.equal(during.get("imapd_appended_messages_total"), 1);
    assert.equal(during.get("imapd_appended_bytes_total"), msg.length);
    assert.equal(during.get('imapd_connections{endpoint="imap",state="authenticated"}'), 1);
    assert.ok(during.get("imapd_database_size_bytes")! > 0);
    assert.ok(during.get("imapd_process_resident_memory_bytes")! > 0);

    await c.command("LOGOUT");
    c.close();
  } finally {
    await srv.close();
  }
});
