import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/config.ts";

const BASE = `
[imap]
listen = ["tcp://127.0.0.1:1143"]
auth = "pam"
storage = "&m"
[storage.imapsql.m]
dsn = "imapsql.db"
`;

Deno.test("`[openmetrics]` translates maddy's openmetrics listen addresses", () => {
  const c = parseConfig(`[openmetrics]\nlisten = "tcp://127.0.0.1:9749"\n${BASE}`, "/etc/x.toml");
  assert.deepEqual(c.openmetrics?.listen, [
    { hostname: "127.0.0.1", port: 9749, text: "tcp://127.0.0.1:9749" },
  ]);
  assert.equal(parseConfig(BASE, "/etc/x.toml").openmetrics, null);
});

Deno.test("`[openmetrics]` rejects non-TCP, reused and unknown keys, naming the key", () => {
  assert.throws(
    () => parseConfig(`[openmetrics]\nlisten = ["unix:///run/m.sock"]\n${BASE}`, "/etc/x.toml"),
    /openmetrics\.listen\[0\]: .*tcp:\/\/ only/,
  );
  assert.throws(
    () => parseConfig(`[openmetrics]\nlisten = "tcp://127.0.0.1:1143"\n${BASE}`, "/etc/x.toml"),
    /openmetrics\.listen: tcp:\/\/127\.0\.0\.1:1143 is already used by imap/,
  );
  assert.throws(
    () =>
      parseConfig(`[openmetrics]\nlisten = "tcp://127.0.0.1:9"\nport = 1\n${BASE}`, "/etc/x.toml"),
    /openmetrics\.port/,
  );
  assert.throws(() => parseConfig(`[openmetrics]\n${BASE}`, "/etc/x.toml"), /openmetrics\.listen/);
});
