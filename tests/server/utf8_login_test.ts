/**
 * RFC 6855 ("LOGIN Command and UTF-8"): a server that offers UTF8=ACCEPT takes UTF-8 user names and
 * passwords in LOGIN (and AUTHENTICATE PLAIN), before any ENABLE.
 */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

Deno.test("LOGIN and AUTHENTICATE PLAIN take UTF-8 user names and passwords", async () => {
  const srv = await startTestServer({ users: { "jörg@example.org": "pässwörd" } });
  try {
    const c = await TestClient.connect(srv.port);
    assert.match((await c.command('LOGIN "jörg@example.org" "pässwörd"')).tagged, /^\S+ OK/);
    c.close();
    const d = await TestClient.connect(srv.port);
    const b64 = btoa(
      String.fromCharCode(...new TextEncoder().encode("\0jörg@example.org\0pässwörd")),
    );
    assert.match((await d.command(`AUTHENTICATE PLAIN ${b64}`)).tagged, /^\S+ OK/);
    const wrong = await TestClient.connect(srv.port);
    assert.match((await wrong.command('LOGIN "jörg@example.org" "passwörd"')).tagged, /^\S+ NO/);
    d.close();
    wrong.close();
  } finally {
    await srv.close();
  }
});
