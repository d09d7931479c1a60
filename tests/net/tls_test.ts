/**
 * TLS as users configure it: tls:// with SNI choosing among certificates,
 * certificate reload without restart, STARTTLS (our client and Python's
 * imaplib), LOGINDISABLED on cleartext, and the protocol versions.
 */
import assert from "node:assert/strict";
import { baseConfig, startTestServer, type TestServer } from "../_support/server.ts";
import { makeCa, makeLeaf, type TestCa } from "../_support/certs.ts";
import { TestClient } from "../_support/imap_client.ts";

async function withTlsServer(
  fn: (srv: TestServer, ca: TestCa, tlsPort: number) => Promise<void>,
  tlsExtra = "",
): Promise<void> {
  const certDir = await Deno.makeTempDir({ prefix: "imapd-certs-" });
  const ca = await makeCa(certDir);
  const a = await makeLeaf(ca, "a.test");
  const b = await makeLeaf(ca, "b.test");
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) =>
      baseConfig(dir).replace(
        'listen = ["tcp://127.0.0.1:0"]',
        `listen = ["tcp://127.0.0.1:0", "tls://127.0.0.1:0"]`,
      ) + `
[imap.tls]
certificates = [{ cert = "${a.cert}", key = "${a.key}" }, { cert = "${b.cert}", key = "${b.key}" }]
${tlsExtra}
`,
  });
  const tlsPort = Number(/:(\d+)$/.exec(srv.running.addresses[1])![1]);
  try {
    await fn(srv, ca, tlsPort);
  } finally {
    await srv.close();
    await Deno.remove(certDir, { recursive: true });
  }
}

/** Connects with TLS, verifying the certificate for `serverName` against the test CA. */
async function tlsClient(port: number, serverName: string, ca: TestCa): Promise<TestClient> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  const tls = await Deno.startTls(tcp, { hostname: serverName, caCerts: [ca.pem] });
  const client = TestClient.wrap(tls);
  client.greeting = await client.readLine();
  return client;
}

Deno.test("tls:// chooses the certificate by SNI, and the first by default", async () => {
  await withTlsServer(async (_srv, ca, port) => {
    for (const name of ["a.test", "b.test"]) {
      const c = await tlsClient(port, name, ca);
      assert.match(c.greeting, /^\* OK \[CAPABILITY /);
      // Over TLS: no STARTTLS, no LOGINDISABLED, plain-text auth offered.
      assert.doesNotMatch(c.greeting, /STARTTLS|LOGINDISABLED/);
      assert.match(c.greeting, /AUTH=PLAIN/);
      await c.login("alice", "alice-pw");
      c.close();
    }
    // A name no certificate covers gets the first (a.test): verifying it as c.test fails.
    await assert.rejects(() => tlsClient(port, "c.test", ca));
  });
});

Deno.test("cleartext advertises STARTTLS and LOGINDISABLED and refuses LOGIN", async () => {
  await withTlsServer(async (srv) => {
    const c = await TestClient.connect(srv.port);
    assert.match(c.greeting, /STARTTLS/);
    assert.match(c.greeting, /LOGINDISABLED/);
    assert.doesNotMatch(c.greeting, /AUTH=PLAIN/);
    const r = await c.command("LOGIN alice alice-pw");
    assert.match(r.tagged, /^t1 NO \[PRIVACYREQUIRED\]/);
    const a = await c.command("AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlLXB3");
    assert.match(a.tagged, /^t2 NO \[PRIVACYREQUIRED\]/);
    c.close();
  });
});

Deno.test("STARTTLS upgrades a cleartext connection and drops injected commands", async () => {
  await withTlsServer(async (srv, ca) => {
    const c = await TestClient.connect(srv.port);
    // A command pipelined after STARTTLS must not run inside TLS (CVE-2011-0411 style).
    await c.writeRaw("s1 STARTTLS\r\ns2 LOGIN alice alice-pw\r\n");
    const reply = await c.readUntilTagged("s1");
    assert.match(reply.tagged, /^s1 OK Begin TLS/);
    const tls = await Deno.startTls(c.conn as Deno.TcpConn, {
      hostname: "b.test",
      caCerts: [ca.pem],
    });
    const t = TestClient.wrap(tls);
    const cap = await t.command("CAPABILITY");
    assert.equal(cap.untagged.length, 1, `unexpected lines: ${cap.untagged.join(" | ")}`);
    assert.doesNotMatch(cap.untagged[0], /STARTTLS|LOGINDISABLED/);
    assert.match(cap.untagged[0], /AUTH=PLAIN/);
    const again = await t.command("STARTTLS");
    assert.match(again.tagged, /NO TLS is already active/);
    await t.login("alice", "alice-pw");
    t.close();
  });
});

Deno.test("Python imaplib negotiates STARTTLS and logs in", async () => {
  await withTlsServer(async (srv, ca) => {
    const script = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.check_hostname = False
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
assert "LOGINDISABLED" in m.capabilities
m.starttls(ssl_context=ctx)
assert "LOGINDISABLED" not in m.capabilities
typ, data = m.login("alice", "alice-pw")
print(typ)
print(m.select("INBOX")[0])
m.logout()
`;
    const out = await new Deno.Command("python3", {
      args: ["-c", script, String(srv.port), ca.cert],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(text.trim().split("\n"), ["OK", "OK"]);
  });
});

Deno.test("a renewed certificate is served to new connections without a restart", async () => {
  await withTlsServer(async (_srv, ca, port) => {
    const first = await tlsClient(port, "a.test", ca);
    first.close();
    // Replace a.test's files with a certificate for renewed.test, as a renewal tool would.
    const renewed = await makeLeaf(ca, "renewed.test", "renewed");
    await Deno.copyFile(renewed.cert, `${ca.dir}/a.test.pem`);
    await Deno.copyFile(renewed.key, `${ca.dir}/a.test.key`);
    await new Promise((r) => setTimeout(r, 1100)); // the reload check runs at most once a second
    // The first handshake after the change triggers the reload; try a few times.
    let ok = false;
    for (let i = 0; i < 5 && !ok; i++) {
      try {
        const c = await tlsClient(port, "renewed.test", ca);
        c.close();
        ok = true;
      } catch {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    assert.ok(ok, "the renewed certificate was not served");
    await assert.rejects(() => tlsClient(port, "a.test", ca));
  });
});

Deno.test("protocols = tls1.3 refuses a TLS 1.2 client", async () => {
  await withTlsServer(async (_srv, _ca, port) => {
    const run = async (flag: string) => {
      const out = await new Deno.Command("openssl", {
        args: ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "a.test", flag],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      return new TextDecoder().decode(out.stdout);
    };
    assert.match(await run("-tls1_3"), /Protocol\s*:\s*TLSv1\.3|TLSv1\.3/);
    assert.doesNotMatch(await run("-tls1_2"), /\* OK/);
  }, 'protocols = "tls1.3"');
});

Deno.test("a key that does not match its certificate stops start-up, naming the key (issue 12, finding 11)", async () => {
  const certDir = await Deno.makeTempDir({ prefix: "imapd-certs-" });
  try {
    const ca = await makeCa(certDir);
    const a = await makeLeaf(ca, "a.test");
    const b = await makeLeaf(ca, "b.test");
    await assert.rejects(
      startTestServer({
        users: {},
        config: (dir) =>
          baseConfig(dir).replace(
            'listen = ["tcp://127.0.0.1:0"]',
            'listen = ["tls://127.0.0.1:0"]',
          ) + `\n[imap.tls]\ncert = "${a.cert}"\nkey = "${b.key}"\n`,
      }),
      (err: Error) => {
        assert.ok(err.message.includes(b.key), err.message);
        assert.match(err.message, /does not match/);
        return true;
      },
    );
  } finally {
    await Deno.remove(certDir, { recursive: true });
  }
});

Deno.test("a client that never starts its TLS handshake is closed after login_timeout (issue 12, finding 3)", async () => {
  const certDir = await Deno.makeTempDir({ prefix: "imapd-certs-" });
  const ca = await makeCa(certDir);
  const a = await makeLeaf(ca, "a.test");
  const srv = await startTestServer({
    users: {},
    config: (dir) =>
      baseConfig(dir, 'login_timeout = "1s"').replace(
        'listen = ["tcp://127.0.0.1:0"]',
        'listen = ["tls://127.0.0.1:0"]',
      ) + `\n[imap.tls]\ncert = "${a.cert}"\nkey = "${a.key}"\n`,
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
    // Silent: no ClientHello. The server must close; the client waits at most 15 s.
    const buf = new Uint8Array(64);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<"open">((r) => (timer = setTimeout(() => r("open"), 15_000))),
    ]);
    clearTimeout(timer);
    assert.equal(result, null, "the server closed the connection");
    conn.close();
  } finally {
    await srv.close();
    await Deno.remove(certDir, { recursive: true });
  }
});
