import assert from "node:assert/strict";
import { locateKey, parseConfig, parseListenAddress } from "../../lib/config/config.ts";
import { ConfigError } from "../../lib/config/errors.ts";
import { baseConfig, runMain } from "../_support/server.ts";

const BASE = baseConfig("/tmp/imapd-config-test");

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, "/etc/imapd/config.toml");
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("the config was accepted");
}

Deno.test("`parseConfig()` translates the seed's directives into a frozen object", () => {
  const config = parseConfig(
    BASE.replace(
      'listen = ["tcp://127.0.0.1:0"]',
      'listen = ["tcp://0.0.0.0:143", "tls://[::1]:993"]\nsasl_login = true\nio_debug = true',
    ) + '\n[imap.tls]\ncert = "cert.pem"\nkey = "key.pem"\nprotocols = ["tls1.2", "tls1.3"]\n',
    "/etc/imapd/config.toml",
  );
  const ep = config.endpoints[0];
  assert.deepEqual(ep.listen.map((l) => l.text), ["tcp://0.0.0.0:143", "tls://[::1]:993"]);
  assert.equal(ep.listen[1].scheme === "tls" && ep.listen[1].hostname, "::1");
  assert.equal(ep.saslLogin, true);
  assert.equal(ep.ioDebug, true);
  assert.equal(ep.insecureAuth, false, "TLS is on, so insecure_auth defaults to false");
  assert.equal(ep.tls?.certificates[0].cert, "/etc/imapd/cert.pem");
  assert.equal(ep.tls?.minVersion, "TLSv1.2");
  assert.equal(ep.auth.length, 1);
  const auth = ep.auth[0];
  assert.equal(auth.module === "pass_table" && auth.name, "local_authdb");
  assert.equal(auth.module === "pass_table" && auth.table.module, "sql_table");
  assert.equal(config.modules.get("local_mailboxes")?.type, "storage.imapsql");
  assert.equal(ep.storage.key, "local_mailboxes");
  assert.equal(
    ep.storage.options.dsn.kind === "file" && ep.storage.options.dsn.path,
    "/tmp/imapd-config-test/data/imapsql.db",
  );
  assert.equal(ep.appendLimit, 32 * 1024 * 1024, "the storage's appendlimit, decided once");
  assert.equal(ep.authMap.module, "identity");
  assert.equal(ep.storageMapNormalize, "auto");
  assert.ok(Object.isFrozen(config) && Object.isFrozen(ep) && Object.isFrozen(ep.listen));
});

Deno.test("`parseConfig()` defaults insecure_auth to true without TLS", () => {
  const ep = parseConfig(BASE, "/x/config.toml").endpoints[0];
  assert.equal(ep.insecureAuth, true);
  assert.equal(ep.insecureAuthDefaulted, true);
  assert.equal(ep.autologoutMs, 30 * 60_000);
});

Deno.test("`parseConfig()` names the key, file and line of each error", () => {
  const dangling = errorOf(BASE.replace('storage = "&local_mailboxes"', 'storage = "&nowhere"'));
  assert.equal(dangling.keyPath, "imap.storage");
  assert.match(
    dangling.message,
    /^\/etc\/imapd\/config\.toml:\d+: imap\.storage: unknown module reference "&nowhere"/,
  );
  assert.equal(dangling.line, 7);

  const unknown = errorOf(BASE.replace("[imap]", "[imap]\nlisten_backlog = 5"));
  assert.equal(unknown.keyPath, "imap.listen_backlog");
  assert.match(unknown.message, /unknown key/);

  const address = errorOf(BASE.replace("tcp://127.0.0.1:0", "udp://127.0.0.1:0"));
  assert.equal(address.keyPath, "imap.listen[0]");
  assert.match(address.message, /invalid address "udp:\/\/127\.0\.0\.1:0"/);

  const tls = errorOf(
    BASE + '\n[imap.tls]\ncert = "c"\nkey = "k"\nprotocols = ["tls1.0", "tls1.3"]\n',
  );
  assert.equal(tls.keyPath, "imap.tls.protocols[0]");
  assert.match(tls.message, /"tls1\.0" is not available in this runtime/);

  const unknownTls = errorOf(
    BASE + '\n[imap.tls]\ncert = "c"\nkey = "k"\nprotocols = ["tls1.2", "tls1.4"]\n',
  );
  assert.equal(unknownTls.keyPath, "imap.tls.protocols[1]");
  assert.match(unknownTls.message, /unknown TLS version "tls1\.4"/);

  const wrongType = errorOf(BASE.replace("[imap]", '[imap]\nio_debug = "no"'));
  assert.equal(wrongType.keyPath, "imap.io_debug");
  assert.match(wrongType.message, /expected true or false/);

  const wrongModule = errorOf(
    BASE.replace('storage = "&local_mailboxes"', 'storage = "&local_authdb"'),
  );
  assert.match(wrongModule.message, /is a auth\.pass_table module, expected a storage module/);

  const tlsListener = errorOf(BASE.replace("tcp://127.0.0.1:0", "tls://127.0.0.1:0"));
  assert.equal(tlsListener.keyPath, "imap.tls");

  const badToml = errorOf("[imap\nlisten = 1");
  assert.match(badToml.message, /invalid TOML/);

  const trust = errorOf(
    BASE.replace("[imap]", '[imap]\nproxy_protocol = { trust = ["10.0.0.0/40"] }'),
  );
  assert.equal(trust.keyPath, "imap.proxy_protocol.trust[0]");

  const short = errorOf(BASE.replace("[imap]", '[imap]\nautologout = "5m"'));
  assert.match(short.message, /imap\.autologout: must be at least 30 minutes/);

  const norm = errorOf(BASE.replace("[imap]", '[imap]\nstorage_map_normalize = "upper"'));
  assert.match(norm.message, /imap\.storage_map_normalize: unknown normalization function "upper"/);
});

Deno.test("`parseConfig()` translates module bodies and names the file, line and key of their errors", () => {
  const config = parseConfig(
    BASE.replace(
      'storage = "&local_mailboxes"',
      'storage = "&local_mailboxes"\nstorage_map = "&aliases"',
    ) +
      `
[table.chain.aliases]
step = ["&lower", { optional_step = { module = "static", entries = { a = "b" } } }]

[table.regexp.lower]
regexp = '(?P<user>[a-z]+)@example\\.org'
replacement = "$user"

[table.static.unused]
entries = { x = "y" }
`,
    "/etc/imapd/config.toml",
  );
  const map = config.endpoints[0].storageMap;
  assert.equal(map.module, "chain");
  if (map.module !== "chain") return;
  assert.equal(map.name, "aliases");
  assert.equal(map.steps[0].table.module, "regexp");
  assert.equal(
    map.steps[0].table.module === "regexp" && map.steps[0].table.source,
    "^(?<user>[a-z]+)@example\\.org$",
  );
  assert.equal(map.steps[1].optional, true);
  assert.equal(
    config.modules.get("unused")?.kind,
    "table",
    "blocks no endpoint uses are translated too",
  );
  assert.ok(Object.isFrozen(map.steps[0].table));

  const body = errorOf(BASE + "\n[table.static.unused]\nentries = { a = 1 }\n");
  assert.equal(body.keyPath, 'table.static.unused.entries."a"');
  assert.match(
    body.message,
    /^\/etc\/imapd\/config\.toml:\d+: table\.static\.unused\.entries\."a": expected a string/,
  );
  assert.ok(body.line);

  const nested = errorOf(
    BASE.replace(
      'table_name = "passwords" }',
      'table_name = "passwords", colour = "red" }',
    ),
  );
  assert.equal(nested.keyPath, "auth.pass_table.local_authdb.table.colour");
  assert.equal(nested.line, 11);

  const loop = errorOf(
    BASE.replace('storage = "&local_mailboxes"', 'storage = "&local_mailboxes"\nauth_map = "&a"') +
      '\n[table.chain.a]\nstep = ["&b"]\n[table.chain.b]\nstep = ["&a"]\n',
  );
  assert.match(loop.message, /refers to itself/);
});

Deno.test("`parseListenAddress()` reads IPv6, default hosts and unix paths", () => {
  assert.deepEqual(parseListenAddress("tcp://[::1]:143", "x"), {
    scheme: "tcp",
    hostname: "::1",
    port: 143,
    text: "tcp://[::1]:143",
  });
  assert.equal((parseListenAddress("tcp://:143", "x") as { hostname: string }).hostname, "0.0.0.0");
  assert.equal(parseListenAddress("unix:///run/imapd.sock", "x").scheme, "unix");
  assert.throws(
    () => parseListenAddress("tcp://host:99999", "imap.listen"),
    /imap\.listen: invalid address/,
  );
  assert.throws(() => parseListenAddress("tcp://host", "x"), /expected host:port/);
});

Deno.test("`locateKey()` finds keys in tables and array items", () => {
  const text = "a = 1\n[imap]\nlisten = []\n[imap.tls]\nprotocols = []\n";
  assert.equal(locateKey(text, "imap.listen"), 3);
  assert.equal(locateKey(text, "imap.tls.protocols[1]"), 5);
  assert.equal(locateKey(text, "imap.tls"), 4);
});

Deno.test("`locateKey()` follows dotted keys, quoted headers, inline tables and [[arrays]]", () => {
  const key = "storage.imapsql.local_mailboxes.compresion";
  const dotted =
    '[storage]\nimapsql.local_mailboxes.dsn = "a"\nimapsql.local_mailboxes.compresion = 1\n';
  assert.equal(locateKey(dotted, key), 3);
  const quoted = '[ storage . imapsql."local_mailboxes" ] # mail\ndsn = "a"\ncompresion = 1\n';
  assert.equal(locateKey(quoted, key), 3);
  const inline = '[storage.imapsql]\nx = 1\nlocal_mailboxes = { dsn = "a", compresion = 1 }\n';
  assert.equal(locateKey(inline, key), 3);
  const arrays =
    '[[imap]]\nlisten = ["a"]\n[[imap]]\nnote = """\nlisten = 1\n"""\nlisten = ["b"]\n';
  assert.equal(locateKey(arrays, "imap[1].listen"), 7);
  assert.equal(locateKey(arrays, "imap[0].listen"), 2);
  assert.equal(locateKey("a = 1\n", "state_dir"), undefined);
});

Deno.test("the server refuses to start on a bad config, naming the key, and exits non-zero", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(
      file,
      baseConfig(dir).replace('auth = "&local_authdb"', 'auth = "&missing"'),
    );
    const out = await runMain(["--config", file, "run"]);
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /config error: .*config\.toml:\d+: imap\.auth: unknown module reference "&missing"/,
    );
    assert.doesNotMatch(out.stderr, /listening/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an error found while opening a module names the file, line and key too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/config.toml`;
    await Deno.writeTextFile(
      file,
      baseConfig(dir).replace(
        'auth = "&local_authdb"',
        'auth = { module = "external", helper = "/nonexistent/helper" }',
      ),
    );
    const out = await runMain(["--config", file, "run"]);
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /config error: .*config\.toml:6: imap\.auth\.helper: helper "\/nonexistent\/helper" does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--help, --version and an unknown command", async () => {
  const help = await runMain(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: imapd \[--config FILE\]/);
  const version = await runMain(["--version"]);
  assert.match(version.stdout, /^imapd \d+\.\d+\.\d+/);
  const unknown = await runMain(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
});

Deno.test("`parseConfig()` reads the hardening limits, with defaults, and names a bad one", () => {
  const defaults = parseConfig(BASE, "/etc/imapd/config.toml").endpoints[0];
  assert.equal(defaults.maxCommandSize, 1024 * 1024);
  assert.equal(defaults.maxCommandSizeBeforeLogin, 64 * 1024);
  assert.equal(defaults.maxSearchKeys, 1000);
  assert.equal(defaults.maxSearchSize, 64 * 1024);
  assert.equal(defaults.maxConnections, 5000);
  assert.equal(defaults.maxConnectionsPerIp, 500);
  const set = parseConfig(
    BASE.replace(
      "[imap]",
      '[imap]\nmax_command_size = "2M"\nmax_connections = 10\nmax_connections_per_ip = 3\nmax_search_keys = 50',
    ),
    "/etc/imapd/config.toml",
  ).endpoints[0];
  assert.equal(set.maxCommandSize, 2 * 1024 * 1024);
  assert.equal(set.maxConnections, 10);
  assert.equal(set.maxConnectionsPerIp, 3);
  assert.equal(set.maxSearchKeys, 50);
  const zero = errorOf(BASE.replace("[imap]", "[imap]\nmax_connections = 0"));
  assert.equal(zero.keyPath, "imap.max_connections");
  const size = errorOf(BASE.replace("[imap]", '[imap]\nmax_search_size = "lots"'));
  assert.equal(size.keyPath, "imap.max_search_size");
});
