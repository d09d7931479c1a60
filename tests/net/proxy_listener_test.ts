/**
 * PROXY protocol from trusted and untrusted sources (v1 and v2), on tcp://
 * and before a TLS handshake on tls://. The client address the server uses
 * is observed through its log (debug on) and through io: the test reads
 * the "logged in" line carrying client=....
 */
import assert from "node:assert/strict";
import { baseConfig, portOf, spawnServer } from "../_support/server.ts";
import { makeCa, makeLeaf } from "../_support/certs.ts";
import { TestClient } from "../_support/imap_client.ts";
import { buildProxyV2 } from "../../lib/net/proxy_protocol.ts";
import { runMain } from "../_support/server.ts";

async function serverWith(imapExtra: string, listen?: string) {
  const dir = await Deno.makeTempDir({ prefix: "imapd-proxy-" });
  let text = baseConfig(dir, imapExtra).replace('log = "off"', 'log = "stderr"');
  if (listen) text = text.replace('listen = ["tcp://127.0.0.1:0"]', `listen = [${listen}]`);
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, text);
  const created = await runMain(["--config", file, "creds", "create", "--password", "pw", "alice"]);
  assert.equal(created.code, 0, created.stderr);
  return { dir, file };
}

Deno.test("a trusted proxy's v1 and v2 headers set the client address; the session goes on", async () => {
  const { dir, file } = await serverWith('proxy_protocol = { trust = ["127.0.0.1/8", "::1"] }');
  const srv = await spawnServer(file);
  try {
    const port = portOf(srv.addresses[0]);
    const v1 = TestClient.wrap(await Deno.connect({ hostname: "127.0.0.1", port }));
    await v1.writeRaw("PROXY TCP4 203.0.113.7 127.0.0.1 51000 143\r\n");
    v1.greeting = await v1.readLine();
    assert.match(v1.greeting, /^\* OK/);
    await v1.login("alice", "pw");
    v1.close();

    const v2 = TestClient.wrap(await Deno.connect({ hostname: "127.0.0.1", port }));
    await v2.writeRaw(
      buildProxyV2({ address: "2001:db8::9", port: 4000 }, { address: "::1", port: 143 }),
    );
    v2.greeting = await v2.readLine();
    await v2.login("alice", "pw");
    v2.close();

    await new Promise((r) => setTimeout(r, 200));
    assert.match(srv.stderr(), /logged in .*client=203\.0\.113\.7/);
    assert.match(srv.stderr(), /logged in .*client=2001:db8::9/);
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an untrusted source is served at once, and its PROXY header is refused", async () => {
  const { dir, file } = await serverWith('proxy_protocol = { trust = ["192.0.2.1"] }');
  const srv = await spawnServer(file);
  try {
    const port = portOf(srv.addresses[0]);
    // No wait for a header: the greeting comes right away.
    const c = await TestClient.connect(port);
    assert.match(c.greeting, /^\* OK/);
    await c.writeRaw("PROXY TCP4 203.0.113.7 127.0.0.1 51000 143\r\n");
    assert.match(await c.readLine(), /^\* BYE PROXY header from an untrusted source/);
    assert.ok(await c.closedByServer());
    c.close();
    // Without a header, the untrusted source logs in under its own address.
    const d = await TestClient.connect(port);
    await d.login("alice", "pw");
    d.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(srv.stderr(), /client=203\.0\.113\.7/);
    assert.match(srv.stderr(), /logged in .*client=127\.0\.0\.1/);
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a malformed header from a trusted source closes the connection", async () => {
  const { dir, file } = await serverWith("proxy_protocol = true");
  const srv = await spawnServer(file);
  try {
    const c = TestClient.wrap(
      await Deno.connect({ hostname: "127.0.0.1", port: portOf(srv.addresses[0]) }),
    );
    await c.writeRaw("PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n");
    assert.ok(await c.closedByServer());
    c.close();
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the PROXY header may come before the TLS handshake on tls:// (maddy#369)", async () => {
  const certDir = await Deno.makeTempDir({ prefix: "imapd-certs-" });
  const ca = await makeCa(certDir);
  const leaf = await makeLeaf(ca, "mail.test");
  const { dir, file } = await serverWith(
    `proxy_protocol = { trust = ["127.0.0.1"] }\ntls = { cert = "${leaf.cert}", key = "${leaf.key}" }`,
    '"tls://127.0.0.1:0"',
  );
  const srv = await spawnServer(file);
  try {
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port: portOf(srv.addresses[0]) });
    await tcp.write(new TextEncoder().encode("PROXY TCP4 198.51.100.20 127.0.0.1 40000 993\r\n"));
    const tls = await Deno.startTls(tcp, { hostname: "mail.test", caCerts: [ca.pem] });
    const c = TestClient.wrap(tls);
    c.greeting = await c.readLine();
    assert.match(c.greeting, /^\* OK/);
    await c.login("alice", "pw");
    c.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.match(srv.stderr(), /logged in .*client=198\.51\.100\.20/);
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(certDir, { recursive: true });
  }
});
