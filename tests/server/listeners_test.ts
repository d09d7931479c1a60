/** Several listeners at once: IPv4, IPv6 and a unix socket, and several [[imap]] endpoints. */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

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
