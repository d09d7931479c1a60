import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/config.ts";
import { ConfigError } from "../../lib/config/errors.ts";
import { baseConfig } from "../_support/server.ts";

const BASE = baseConfig("/tmp/imapd-lmtp-config-test");

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, "/etc/imapd/config.toml");
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("the config was accepted");
}

Deno.test("`parseConfig()` translates [lmtp] with its defaults", () => {
  const config = parseConfig(
    BASE + '\n[lmtp]\nlisten = "unix:///run/imapd/lmtp.sock"\ndeliver_to = "&local_mailboxes"\n',
    "/etc/imapd/config.toml",
  );
  assert.equal(config.lmtp.length, 1);
  const ep = config.lmtp[0];
  assert.equal(ep.path, "lmtp");
  assert.deepEqual(ep.listen.map((l) => l.text), ["unix:///run/imapd/lmtp.sock"]);
  assert.equal(ep.deliverTo.key, "local_mailboxes");
  assert.equal(ep.deliveryMap.module, "identity");
  assert.equal(ep.deliveryNormalize, "precis_casefold_email");
  assert.equal(ep.maxMessageSize, 32 * 1024 * 1024);
  assert.equal(ep.plusFolder, false);
  assert.equal(ep.allowRemote, false);
  assert.equal(ep.timeoutMs, 5 * 60_000);
  assert.equal(ep.hostname, config.hostname);
  assert.ok(Object.isFrozen(ep));
  assert.deepEqual(parseConfig(BASE, "/x/config.toml").lmtp, []);
});

Deno.test("`parseConfig()` takes several [[lmtp]] endpoints", () => {
  const config = parseConfig(
    BASE +
      '\n[[lmtp]]\nlisten = "tcp://127.0.0.1:24"\ndeliver_to = "&local_mailboxes"\nhostname = "a"\n' +
      '\n[[lmtp]]\nlisten = "tcp://[::1]:24"\ndeliver_to = "&local_mailboxes"\nplus_folder = true\n' +
      'max_message_size = "10M"\n',
    "/x/config.toml",
  );
  assert.deepEqual(config.lmtp.map((e) => e.path), ["lmtp[0]", "lmtp[1]"]);
  assert.equal(config.lmtp[0].hostname, "a");
  assert.equal(config.lmtp[1].plusFolder, true);
  assert.equal(config.lmtp[1].maxMessageSize, 10 * 1024 * 1024);
});

Deno.test("`parseConfig()` refuses an LMTP listener outside loopback unless allow_remote is set", () => {
  const text = (extra: string) =>
    BASE +
    `\n[lmtp]\nlisten = ["tcp://127.0.0.1:24", "tcp://0.0.0.0:2424"]\ndeliver_to = "&local_mailboxes"\n${extra}`;
  const err = errorOf(text(""));
  assert.equal(err.keyPath, "lmtp.listen[1]");
  assert.match(err.message, /not a loopback address.*allow_remote = true/);
  assert.match(err.message, /config\.toml/);
  assert.equal(parseConfig(text("allow_remote = true"), "/x/c.toml").lmtp[0].allowRemote, true);
});

Deno.test("`parseConfig()` names the key of each [lmtp] mistake", () => {
  const lmtp = (body: string) => BASE + `\n[lmtp]\n${body}\n`;
  const cases: [string, string, RegExp][] = [
    ['deliver_to = "&local_mailboxes"', "lmtp.listen", /listen address is required/],
    [
      'listen = "tcp://127.0.0.1:24"',
      "lmtp.deliver_to",
      /deliver_to = "&storage_name" is required/,
    ],
    [
      'listen = "tcp://127.0.0.1:24"\ndeliver_to = "&local_authdb"',
      "lmtp.deliver_to",
      /is a auth\.pass_table module, expected a storage module/,
    ],
    [
      'listen = "tls://127.0.0.1:24"\ndeliver_to = "&local_mailboxes"',
      "lmtp.listen",
      /tcp:\/\/ or unix:\/\/ only/,
    ],
    [
      'listen = "tcp://127.0.0.1:24"\ndeliver_to = "&local_mailboxes"\nmax_mesage_size = 3',
      "lmtp.max_mesage_size",
      /unknown/i,
    ],
    [
      'listen = "tcp://127.0.0.1:0"\ndeliver_to = "&local_mailboxes"\nplus_folder = "yes"',
      "lmtp.plus_folder",
      /expected true or false/,
    ],
  ];
  for (const [body, key, message] of cases) {
    const err = errorOf(lmtp(body));
    assert.equal(err.keyPath, key, body);
    assert.match(err.message, message, body);
  }
  const dangling = errorOf(
    BASE + 'delivery_map = "&nowhere"\n' +
      '\n[lmtp]\nlisten = "tcp://127.0.0.1:24"\ndeliver_to = "&local_mailboxes"\n',
  );
  assert.equal(dangling.keyPath, "storage.imapsql.local_mailboxes.delivery_map");
  assert.match(dangling.message, /unknown module reference "&nowhere"/);
  const clash = errorOf(
    BASE.replace('listen = ["tcp://127.0.0.1:0"]', 'listen = ["tcp://127.0.0.1:24"]') +
      '\n[lmtp]\nlisten = "tcp://127.0.0.1:24"\ndeliver_to = "&local_mailboxes"\n',
  );
  assert.match(clash.message, /already used by imap/);
});

Deno.test("config.toml's commented-out [lmtp] block parses when uncommented, with every key", async () => {
  const text = await Deno.readTextFile(new URL("../../config.toml", import.meta.url));
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("# [lmtp]"));
  assert.ok(start > 0);
  let keys = 0;
  for (let i = start; i < lines.length && lines[i].startsWith("# "); i++) {
    lines[i] = lines[i].slice(2);
    if (/^\w+ = /.test(lines[i])) keys++;
  }
  const config = parseConfig(
    lines.join("\n").replace('hostname = "<the global hostname>"', 'hostname = "mx.example.org"'),
    "/etc/imapd/config.toml",
  );
  assert.equal(keys, 12);
  assert.equal(config.lmtp[0].hostname, "mx.example.org");
  assert.equal(config.lmtp[0].listen[0].text, "unix:///run/imapd/lmtp.sock");
});
