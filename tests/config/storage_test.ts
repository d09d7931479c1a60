import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/errors.ts";
import { parseImapSqlConfig } from "../../lib/config/storage.ts";

const ctx = { stateDir: "/var/lib/imapd" };
const P = "storage.imapsql.local";

function rejects(table: Record<string, unknown>, keyPath: string, text: RegExp): void {
  assert.throws(
    () => parseImapSqlConfig(table, P, ctx),
    (e) => e instanceof ConfigError && e.keyPath === keyPath && text.test(e.message),
  );
}

Deno.test("`parseImapSqlConfig()` applies maddy's defaults and freezes the result", () => {
  const o = parseImapSqlConfig({}, P, ctx);
  assert.deepEqual(o, {
    driver: "libsql",
    dsn: { kind: "file", path: "/var/lib/imapd/imapsql.db" },
    msgStore: { kind: "db" },
    compression: { algorithm: "off" },
    appendLimit: 32 * 1024 * 1024,
    // Ours (maddy has no quotas): none unless configured.
    quota: { storage: null, messages: null },
    junkMailbox: "Junk",
    // Not maddy's default (true): \Recent is on unless turned off (see README).
    disableRecent: false,
    sqliteCacheSize: 0,
    sqliteMmapSize: 0,
    sqliteBusyTimeoutMs: 5000,
    deliveryMap: "identity",
    deliveryNormalize: "precis_casefold_email",
    debug: false,
  });
  assert.ok(Object.isFrozen(o));
  assert.ok(Object.isFrozen(o.dsn));
});

Deno.test("`parseImapSqlConfig()` reads every directive", () => {
  const o = parseImapSqlConfig(
    {
      driver: "sqlite3",
      dsn: "file:/srv/mail.db",
      msg_store: ["fs", "bodies"],
      compression: ["zstd", 3],
      appendlimit: "10M",
      quota: { storage: "1G", messages: 5000 },
      junk_mailbox: "Spam",
      disable_recent: true,
      sqlite_cache_size: -20000,
      sqlite_mmap_size: "64M",
      sqlite_busy_timeout: "10s",
      delivery_map: "email_localpart",
      delivery_normalize: "casefold",
      debug: true,
    },
    P,
    ctx,
  );
  assert.equal(o.driver, "libsql");
  assert.deepEqual(o.dsn, { kind: "file", path: "/srv/mail.db" });
  assert.deepEqual(o.msgStore, { kind: "fs", dir: "/var/lib/imapd/bodies" });
  assert.deepEqual(o.compression, { algorithm: "zstd", level: 3 });
  assert.equal(o.appendLimit, 10 * 1024 * 1024);
  assert.deepEqual(o.quota, { storage: 1024 * 1024 * 1024, messages: 5000 });
  assert.ok(Object.isFrozen(o.quota));
  assert.equal(o.junkMailbox, "Spam");
  assert.equal(o.disableRecent, true);
  assert.equal(o.sqliteCacheSize, -20000);
  assert.equal(o.sqliteMmapSize, 64 * 1024 * 1024);
  assert.equal(
    parseImapSqlConfig({ dsn: "x.db", sqlite_mmap_size: 4096 }, P, ctx).sqliteMmapSize,
    4096,
  );
  assert.equal(o.sqliteBusyTimeoutMs, 10000);
  assert.equal(o.deliveryMap, "email_localpart");
  assert.equal(o.deliveryNormalize, "casefold");
  assert.equal(o.debug, true);
  assert.deepEqual(parseImapSqlConfig({ dsn: ":memory:" }, P, ctx).dsn, { kind: "memory" });
  assert.deepEqual(parseImapSqlConfig({ dsn: "libsql://db.example.org" }, P, ctx).dsn, {
    kind: "remote",
    url: "libsql://db.example.org",
  });
  for (const driver of ["postgres", "postgresql"]) {
    const pg = parseImapSqlConfig({ driver, dsn: "postgresql://u:p@db:5432/mail" }, P, ctx);
    assert.equal(pg.driver, "postgres");
    assert.deepEqual(pg.dsn, { kind: "postgres", url: "postgresql://u:p@db:5432/mail" });
  }
  assert.equal(parseImapSqlConfig({ sqlite_busy_timeout: 250 }, P, ctx).sqliteBusyTimeoutMs, 250);
  assert.equal(parseImapSqlConfig({ delivery_map: "&users" }, P, ctx).deliveryMap, "&users");
  assert.deepEqual(parseImapSqlConfig({ msg_store: "fs" }, P, ctx).msgStore, {
    kind: "fs",
    dir: "/var/lib/imapd/messages",
  });
});

Deno.test("`parseImapSqlConfig()` rejects unknown keys and invalid values, naming the key", () => {
  rejects({ dns: "x" }, `${P}.dns`, /unknown key/);
  rejects({ driver: "mysql" }, `${P}.driver`, /unsupported driver "mysql"/);
  rejects({ driver: "postgres" }, `${P}.dsn`, /driver "postgres" needs a dsn/);
  rejects({ driver: "postgres", dsn: "imapsql.db" }, `${P}.dsn`, /expects a postgres:\/\//);
  rejects({ dsn: "postgres://db/mail" }, `${P}.dsn`, /needs driver = "postgres"/);
  rejects(
    { driver: "postgresql", dsn: "postgres://db/mail", msg_store: "fs" },
    `${P}.msg_store`,
    /not supported with driver "postgres"/,
  );
  rejects({ dsn: "mysql://x" }, `${P}.dsn`, /unsupported DSN scheme/);
  rejects({ dsn: 5 }, `${P}.dsn`, /expected a string/);
  rejects({ msg_store: "s3" }, `${P}.msg_store`, /unknown message store "s3"/);
  rejects({ msg_store: ["db", "x"] }, `${P}.msg_store`, /takes no argument/);
  rejects({ compression: "lz5" }, `${P}.compression`, /unknown compression "lz5"/);
  rejects({ compression: ["zstd", 99] }, `${P}.compression[1]`, /out of range/);
  rejects({ appendlimit: "lots" }, `${P}.appendlimit`, /invalid size "lots"/);
  rejects({ disable_recent: "yes" }, `${P}.disable_recent`, /expected true or false/);
  rejects({ sqlite_busy_timeout: "soon" }, `${P}.sqlite_busy_timeout`, /invalid duration/);
  rejects({ delivery_map: "nonsense" }, `${P}.delivery_map`, /unknown table "nonsense"/);
  rejects({ delivery_normalize: "upper" }, `${P}.delivery_normalize`, /unknown normalization/);
  rejects({ debug: 1 }, `${P}.debug`, /expected true or false/);
  rejects({ junk_mailbox: "" }, `${P}.junk_mailbox`, /expected a name/);
  rejects(
    { dsn: "libsql://x", msg_store: ["fs", "m"] },
    `${P}.msg_store`,
    /needs a local database/,
  );
});

Deno.test("`parseImapSqlConfig()` names the key of a bad quota", () => {
  for (
    const [quota, message] of [
      ["1G", /quota: expected a table/],
      [{ storage: "lots" }, /quota\.storage/],
      [{ messages: -1 }, /quota\.messages/],
      [{ mailboxes: 5 }, /quota\.mailboxes/],
    ] as const
  ) {
    assert.throws(() => parseImapSqlConfig({ quota }, P, ctx), message);
  }
});
