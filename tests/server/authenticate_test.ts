/** AUTHENTICATE PLAIN (with and without SASL-IR), LOGIN (sasl_login), cancellation, authzid. */
import assert from "node:assert/strict";
import { baseConfig, startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

const b64 = (s: string) => btoa(s);

Deno.test("AUTHENTICATE PLAIN and LOGIN exchanges, cancellation and refusals", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) => baseConfig(dir, "sasl_login = true"),
  });
  try {
    const c = await TestClient.connect(srv.port);
    assert.match(c.greeting, /AUTH=PLAIN AUTH=LOGIN/);
    // PLAIN without an initial response: an empty challenge, then the response.
    await c.writeRaw("p1 AUTHENTICATE PLAIN\r\n");
    assert.equal(await c.readLine(), "+ ");
    await c.writeRaw("*\r\n");
    assert.match(await c.readLine(), /^p1 BAD Authentication cancelled/);
    await c.writeRaw("p2 AUTHENTICATE PLAIN\r\n");
    assert.equal(await c.readLine(), "+ ");
    await c.writeRaw(b64("\0alice\0wrong") + "\r\n");
    assert.match(await c.readLine(), /^p2 NO \[AUTHENTICATIONFAILED\]/);
    await c.writeRaw("p3 AUTHENTICATE PLAIN\r\n");
    assert.equal(await c.readLine(), "+ ");
    await c.writeRaw("not base64!\r\n");
    assert.match(await c.readLine(), /^p3 BAD Invalid base64/);
    // Acting as somebody else is refused.
    const other = await c.command(`AUTHENTICATE PLAIN ${b64("bob\0alice\0alice-pw")}`);
    assert.match(other.tagged, /NO \[AUTHENTICATIONFAILED\]/);
    const unknown = await c.command("AUTHENTICATE CRAM-MD5");
    assert.match(unknown.tagged, /NO \[CANNOT\] Unsupported authentication mechanism CRAM-MD5/);
    c.close();

    // LOGIN: "Username:" and "Password:" challenges.
    const l = await TestClient.connect(srv.port);
    await l.writeRaw("l1 AUTHENTICATE LOGIN\r\n");
    assert.equal(await l.readLine(), `+ ${b64("Username:")}`);
    await l.writeRaw(b64("alice") + "\r\n");
    assert.equal(await l.readLine(), `+ ${b64("Password:")}`);
    await l.writeRaw(b64("alice-pw") + "\r\n");
    assert.match(await l.readLine(), /^l1 OK \[CAPABILITY .*\] Logged in/);
    l.close();

    // PLAIN with the authzid naming the same user, as SASL-IR.
    const p = await TestClient.connect(srv.port);
    const ok = await p.command(`AUTHENTICATE PLAIN ${b64("alice\0alice\0alice-pw")}`);
    assert.match(ok.tagged, /OK \[CAPABILITY /);
    p.close();
  } finally {
    await srv.close();
  }
});

Deno.test("AUTH=LOGIN is neither offered nor accepted without sasl_login", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    assert.doesNotMatch(c.greeting, /AUTH=LOGIN/);
    assert.match((await c.command("AUTHENTICATE LOGIN")).tagged, /NO \[CANNOT\]/);
    c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("five failed logins close the connection", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const c = await TestClient.connect(srv.port);
    let last = "";
    for (let i = 0; i < 5; i++) {
      const r = await c.command("LOGIN alice nope", 60_000);
      last = [...r.untagged, r.tagged].join("\n");
    }
    assert.match(last, /\* BYE Too many failed logins/);
    assert.ok(await c.closedByServer(60_000));
    c.close();
  } finally {
    await srv.close();
  }
});
