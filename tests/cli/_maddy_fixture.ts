/**
 * A maddy `storage.imapsql` state directory made the way maddy makes one:
 * `imapsql.db` with the tables go-imap-sql creates for SQLite (its DDL,
 * with BIGSERIAL rewritten to INTEGER as its SQLite driver does), schema
 * version 6, and message bodies as files in `messages/` named by a random
 * 32-digit hex key (msgs.extBodyKey), some zstd-compressed.
 *
 * Shape: 3 accounts, nested mailboxes ("." as maddy's delimiter), special-
 * use, one unsubscribed mailbox, keywords and system flags (with the
 * msgs.seen column kept in step, as go-imap-sql does), UIDs with gaps
 * (expunged messages), UIDNEXT above the last UID, and `total` messages.
 */
import Database from "libsql";
import zlib from "node:zlib";

export interface FixtureMessage {
  uid: number;
  flags: string[];
  date: number;
  content: string;
}

export interface FixtureMailbox {
  name: string;
  uidValidity: number;
  uidNext: number;
  specialUse: string | null;
  subscribed: boolean;
  messages: FixtureMessage[];
}

export interface Fixture {
  dbPath: string;
  accounts: Map<string, FixtureMailbox[]>;
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS schema_version ( version INTEGER NOT NULL )`,
  `CREATE TABLE IF NOT EXISTS users (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    username VARCHAR(255) NOT NULL UNIQUE,
    msgsizelimit INTEGER DEFAULT NULL,
    inboxId BIGINT DEFAULT 0
  )`,
  `CREATE TABLE IF NOT EXISTS mboxes (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    uid INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    sub INTEGER NOT NULL DEFAULT 1,
    mark INTEGER NOT NULL DEFAULT 0,
    msgsizelimit INTEGER DEFAULT NULL,
    uidnext INTEGER NOT NULL DEFAULT 1,
    uidvalidity BIGINT NOT NULL,
    specialuse VARCHAR(255) DEFAULT NULL,
    msgsCount INTEGER NOT NULL DEFAULT 0,
    UNIQUE(uid, name)
  )`,
  `CREATE TABLE IF NOT EXISTS extKeys (
    id VARCHAR(255) PRIMARY KEY NOT NULL,
    uid BIGINT NOT NULL,
    refs INTEGER NOT NULL DEFAULT 1
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS extKeys_uid_id ON extKeys(uid, id)`,
  `CREATE TABLE IF NOT EXISTS msgs (
    mboxId BIGINT NOT NULL REFERENCES mboxes(id) ON DELETE CASCADE,
    msgId BIGINT NOT NULL,
    date BIGINT NOT NULL,
    bodyLen INTEGER NOT NULL,
    mark INTEGER NOT NULL DEFAULT 0,
    bodyStructure LONGTEXT NOT NULL,
    cachedHeader LONGTEXT NOT NULL,
    extBodyKey VARCHAR(255) DEFAULT NULL REFERENCES extKeys(id) ON DELETE RESTRICT,
    seen INTEGER NOT NULL DEFAULT 0,
    compressAlgo VARCHAR(255),
    recent INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY(mboxId, msgId)
  )`,
  `CREATE TABLE IF NOT EXISTS flags (
    mboxId BIGINT NOT NULL,
    msgId BIGINT NOT NULL,
    flag VARCHAR(255) NOT NULL,
    FOREIGN KEY (mboxId, msgId) REFERENCES msgs(mboxId, msgId) ON DELETE CASCADE,
    UNIQUE (mboxId, msgId, flag)
  )`,
  `CREATE INDEX IF NOT EXISTS seen_msgs ON msgs(mboxId, seen)`,
];

const MAILBOXES: { name: string; specialUse: string | null; subscribed: boolean }[] = [
  { name: "INBOX", specialUse: null, subscribed: true },
  { name: "Sent", specialUse: "\\Sent", subscribed: true },
  { name: "Trash", specialUse: "\\Trash", subscribed: true },
  { name: "Lists", specialUse: null, subscribed: true },
  { name: "Lists.deno", specialUse: null, subscribed: true },
  { name: "Lists.deno.releases", specialUse: null, subscribed: false },
  { name: "Archive.2024", specialUse: null, subscribed: true },
];

const FLAG_SETS: string[][] = [
  [],
  ["\\Seen"],
  ["\\Seen", "\\Flagged"],
  ["\\Seen", "\\Answered", "$Forwarded"],
  ["$Label1"],
  ["\\Seen", "Important", "$Label2"],
  ["\\Draft"],
];

function hexKey(n: number): string {
  // Deterministic stand-in for maddy's 16 random bytes in hex.
  let h = "";
  let x = (n * 2654435761) >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    h += x.toString(16).padStart(8, "0");
  }
  return h;
}

export async function makeMaddyFixture(dir: string, total = 1000): Promise<Fixture> {
  const state = `${dir}/maddy`;
  await Deno.mkdir(`${state}/messages`, { recursive: true });
  const dbPath = `${state}/imapsql.db`;
  const db = new Database(dbPath);
  for (const stmt of DDL) db.exec(stmt);
  db.prepare("INSERT INTO schema_version VALUES (?)").run(6);

  const users = ["alice@example.org", "bob@example.org", "carol@example.net"];
  const accounts = new Map<string, FixtureMailbox[]>();
  const boxes: { user: string; userId: number; id: number; box: FixtureMailbox }[] = [];
  let validity = 3_000_000_000;
  for (const user of users) {
    const userId = Number(
      db.prepare("INSERT INTO users(username) VALUES (?)").run(user).lastInsertRowid,
    );
    const list: FixtureMailbox[] = [];
    for (const m of MAILBOXES) {
      const box: FixtureMailbox = {
        name: m.name,
        uidValidity: validity += 7919, // maddy draws a random uint32
        uidNext: 1,
        specialUse: m.specialUse,
        subscribed: m.subscribed,
        messages: [],
      };
      const id = Number(
        db.prepare(
          "INSERT INTO mboxes(uid, name, uidvalidity, specialuse, sub) VALUES (?, ?, ?, ?, ?)",
        ).run(userId, m.name, box.uidValidity, m.specialUse, m.subscribed ? 1 : 0)
          .lastInsertRowid,
      );
      if (m.name === "INBOX") {
        db.prepare("UPDATE users SET inboxId = ? WHERE id = ?").run(id, userId);
      }
      list.push(box);
      boxes.push({ user, userId, id, box });
    }
    accounts.set(user, list);
  }

  const addMsg = db.prepare(
    "INSERT INTO msgs(mboxId, msgId, date, bodyLen, bodyStructure, cachedHeader, extBodyKey, " +
      "seen, compressAlgo, recent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const addKey = db.prepare("INSERT INTO extKeys(id, uid, refs) VALUES (?, ?, 1)");
  const addFlag = db.prepare("INSERT INTO flags(mboxId, msgId, flag) VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let n = 0; n < total; n++) {
    // Most mail in INBOX and Lists.deno, some everywhere else.
    const target = boxes[n % 5 === 0 ? n % boxes.length : (n % 3) * 7 + (n % 2 === 0 ? 0 : 4)];
    const { box } = target;
    // Expunged messages leave gaps in the UIDs.
    const uid = box.uidNext + (n % 11 === 0 ? 2 : 0);
    box.uidNext = uid + 1;
    const flags = FLAG_SETS[n % FLAG_SETS.length];
    const date = 1_700_000_000 + n * 3_600;
    const content = `Return-Path: <sender${n}@example.com>\r\n` +
      `From: Sender ${n} <sender${n}@example.com>\r\nTo: ${target.user}\r\n` +
      `Subject: Message ${n} in ${box.name}\r\nDate: ${new Date(date * 1000).toUTCString()}\r\n` +
      `Message-ID: <m${n}@example.com>\r\n\r\nBody of message ${n}.\r\n` +
      "Line of text. ".repeat(n % 40) + "\r\n";
    const key = hexKey(n);
    const bytes = new TextEncoder().encode(content);
    const zstd = n % 4 === 0;
    await Deno.writeFile(`${state}/messages/${key}`, zstd ? zlib.zstdCompressSync(bytes) : bytes);
    addKey.run(key, target.userId);
    const seen = flags.includes("\\Seen") ? 1 : 0;
    addMsg.run(
      target.id,
      uid,
      date,
      bytes.length,
      JSON.stringify({ MIMEType: "text", MIMESubType: "plain", Size: bytes.length }),
      JSON.stringify({ Subject: [`Message ${n} in ${box.name}`] }),
      key,
      seen,
      zstd ? "zstd" : "",
      0,
    );
    for (const f of flags) addFlag.run(target.id, uid, f);
    box.messages.push({ uid, flags, date, content });
  }
  for (const { id, box } of boxes) {
    // UIDNEXT above the last UID: the last messages were expunged.
    box.uidNext += 3;
    db.prepare("UPDATE mboxes SET uidnext = ?, msgsCount = ? WHERE id = ?")
      .run(box.uidNext, box.messages.length, id);
  }
  db.exec("COMMIT");
  db.close();
  return { dbPath, accounts };
}
