/**
 * lib/net listeners: several at once (IPv4, IPv6, a unix socket, several
 * [[imap]] endpoints) through the IMAP server, and alone with a protocol of
 * their own.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { Logger } from "../../lib/log.ts";
import { Listener } from "../../lib/net/listener.ts";
import { parseCidr } from "../../lib/net/cidr.ts";
import { buildProxyV2 } from "../../lib/net/proxy_protocol.ts";

const AUTH = `
[auth.pass_table.local_authdb]
table = { module = "sql_table", driver = "libsql", dsn = "credentials.db", table_name = "passwords" }

[storage.imapsql.local_mailboxes]
driver = "libsql"
dsn = "imapsql.db"
`;

Deno.test("one endpoint on IPv4, IPv6 and a unix socket; a second endpoint with its own settings", async () => {
  let sock = "";
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) => {
      sock = `${dir}/imap.sock`;
      return `state_dir = "${dir}/data"
log = "off"
[[imap]]
listen = ["tcp://127.0.0.1:0", "tcp://[::1]:0", "unix://${sock}"]
auth = "&local_authdb"
storage = "&local_mailboxes"

[[imap]]
listen = ["tcp://127.0.0.1:0"]
auth = "&local_authdb"
storage = "&local_mailboxes"
insecure_auth = false
${AUTH}`;
    },
  });
  try {
    const addrs = srv.running.addresses;
    assert.equal(addrs.length, 4);
    assert.match(addrs[1], /^tcp:\/\/\[::1\]:\d+$/);
    const v6 = await TestClient.connect(Number(/:(\d+)$/.exec(addrs[1])![1]), "::1");
    await v6.login("alice", "alice-pw");
    await v6.command(`APPEND INBOX {5+}\r\nhello`);
    v6.close();

    const unix = TestClient.wrap(await Deno.connect({ transport: "unix", path: sock }));
    unix.greeting = await unix.readLine();
    await unix.login("alice", "alice-pw");
    assert.equal(
      (await unix.command("STATUS INBOX (MESSAGES)")).untagged[0],
      "* STATUS INBOX (MESSAGES 1)",
    );
    unix.close();

    // The second endpoint shares the store but refuses cleartext logins.
    const strict = await TestClient.connect(Number(/:(\d+)$/.exec(addrs[3])![1]));
    assert.match(strict.greeting, /LOGINDISABLED/);
    assert.match((await strict.command("LOGIN alice alice-pw")).tagged, /NO \[PRIVACYREQUIRED\]/);
    strict.close();
  } finally {
    await srv.close();
  }
});

Deno.test("a listen address already in use stops start-up with a clear error", async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (holder.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      () =>
        startTestServer({
          users: {},
          config: (dir) =>
            `state_dir = "${dir}/data"\nlog = "off"\n[imap]\nlisten = ["tcp://127.0.0.1:${port}"]\nauth = "&local_authdb"\nstorage = "&local_mailboxes"\n${AUTH}`,
        }),
      /in use/i,
    );
  } finally {
    holder.close();
  }
});

/** A protocol of two lines, to show lib/net serves any protocol, not only IMAP. */
async function echoListener(proxy: boolean) {
  const log = new Logger([], false);
  const seen: string[] = [];
  const listener = await Listener.bind({
    address: { scheme: "tcp", hostname: "127.0.0.1", port: 0, text: "tcp://127.0.0.1:0" },
    tls: null,
    proxyProtocol: proxy ? { trust: [parseCidr("127.0.0.1")!], tls: null } : null,
    log,
    logSetupErrors: false,
  }, async ({ transport, clientAddress, head }) => {
    seen.push(clientAddress);
    const chunk = head.length > 0 ? head : await transport.read();
    await transport.write([new TextEncoder().encode(`hello ${clientAddress}\r\n`), chunk!.slice()]);
    transport.close();
  });
  listener.start();
  return { listener, seen, port: Number(/:(\d+)$/.exec(listener.bound)![1]) };
}

async function exchange(port: number, ...sends: Uint8Array[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  for (const s of sends) await conn.write(s);
  let out = "";
  const buf = new Uint8Array(1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    out += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  return out;
}

Deno.test("`Listener` serves a protocol of its handler's choosing on port 0", async () => {
  const { listener, seen, port } = await echoListener(false);
  try {
    assert.match(listener.bound, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const out = await exchange(port, new TextEncoder().encode("ping\r\n"));
    assert.equal(out, "hello 127.0.0.1\r\nping\r\n");
    assert.deepEqual(seen, ["127.0.0.1"]);
  } finally {
    listener.close();
    await listener.done;
  }
});

Deno.test("`Listener` takes the client address from a trusted PROXY header and keeps the bytes after it", async () => {
  const { listener, seen, port } = await echoListener(true);
  try {
    const header = buildProxyV2(
      { address: "203.0.113.7", port: 4000 },
      { address: "127.0.0.1", port },
    );
    const payload = new TextEncoder().encode("after\r\n");
    const joined = new Uint8Array(header.length + payload.length);
    joined.set(header);
    joined.set(payload, header.length);
    const out = await exchange(port, joined);
    assert.equal(out, "hello 203.0.113.7\r\nafter\r\n");
    assert.deepEqual(seen, ["203.0.113.7"]);
  } finally {
    listener.close();
    await listener.done;
  }
});
