/**
 * `imapd import-maddy --dsn PATH [--msg-store DIR]`: copies a maddy
 * `storage.imapsql` database (the schema go-imap-sql creates: tables
 * users, mboxes, msgs, flags, extKeys, schema_version) into our store.
 *
 * What carries over: accounts (by username), mailboxes (maddy's hierarchy
 * delimiter "." becomes "/"), their UIDVALIDITY and UIDNEXT, subscriptions
 * and special-use, and every message with its UID, flags, keywords and
 * internal date, so a client that synced with maddy finds the same
 * mailboxes and UIDs and downloads nothing again. Bodies come from maddy's
 * `messages/` directory (files named by `msgs.extBodyKey`, compressed with
 * `msgs.compressAlgo`: none or zstd).
 *
 * The maddy database is opened read-only. A re-run is safe: mailboxes are
 * matched by name and UIDVALIDITY, messages by UID, and only what is
 * missing is added.
 */
import Database from "libsql";
import zlib from "node:zlib";
import { parseArgs } from "node:util";
import { Progress, type ProgressIo } from "./progress.ts";
import type { MailStore, RestoreMessage } from "../store/mail_store.ts";
import { HIERARCHY_DELIMITER, SPECIAL_USES } from "../store/mail_store.ts";

/** go-imap-sql schema versions this importer reads (5 lacks msgs.recent, which is not needed). */
export const KNOWN_SCHEMA_VERSIONS = [5, 6];

const REQUIRED_TABLES = ["users", "mboxes", "msgs", "flags"];

/** Messages read and stored per batch. */
const BATCH = 200;

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

export interface ImportIo extends ProgressIo {
  stdout(s: string): void;
}

export interface ImportSummary {
  accounts: number;
  mailboxes: number;
  messages: number;
  /** Messages a previous run had already imported. */
  present: number;
}

export interface ImportOptions {
  /** maddy's DSN: a path to imapsql.db, optionally "file:" prefixed. */
  dsn: string;
  /** maddy's `msg_store fs` directory; default `messages` beside the database. */
  msgStore?: string;
}

export function parseImportMaddyArgs(args: string[]): ImportOptions {
  const { values, positionals } = parseArgs({
    args,
    options: { dsn: { type: "string" }, "msg-store": { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) {
    throw new ImportError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  if (!values.dsn) throw new ImportError("--dsn PATH is required");
  return { dsn: values.dsn, msgStore: values["msg-store"] };
}

interface LibsqlStatement {
  all(...params: unknown[]): Record<string, unknown>[];
  get(...params: unknown[]): Record<string, unknown> | undefined;
}

interface LibsqlDb {
  prepare(sql: string): LibsqlStatement;
  close(): void;
}

function dsnPath(dsn: string): string {
  let p = dsn.startsWith("file:") ? dsn.slice(5) : dsn;
  const q = p.indexOf("?");
  if (q >= 0) p = p.slice(0, q);
  if (p.startsWith("//")) p = p.slice(2);
  return p;
}

/** maddy's mailbox name ("." between levels) as ours ("/" between levels). */
export function mailboxName(maddyName: string): string {
  if (maddyName.includes(HIERARCHY_DELIMITER)) {
    throw new ImportError(
      `mailbox ${JSON.stringify(maddyName)} has a "${HIERARCHY_DELIMITER}" in its name, ` +
        `which is this server's hierarchy delimiter; rename it in maddy first`,
    );
  }
  return maddyName.split(".").join(HIERARCHY_DELIMITER);
}

/** Reads maddy's body file and undoes its compression. */
async function readBody(
  dir: string,
  key: string,
  algo: string,
  where: string,
): Promise<Uint8Array> {
  if (!/^[A-Za-z0-9._-]+$/.test(key) || key.startsWith(".")) {
    throw new ImportError(`${where}: unexpected body key ${JSON.stringify(key)}`);
  }
  let data: Uint8Array;
  try {
    data = await Deno.readFile(`${dir}/${key}`);
  } catch (err) {
    throw new ImportError(
      `${where}: cannot read body file ${dir}/${key}: ${(err as Error).message}`,
    );
  }
  switch (algo) {
    case "":
      return data;
    case "zstd":
      return new Uint8Array(zlib.zstdDecompressSync(data));
    default:
      throw new ImportError(
        `${where}: body compressed with ${JSON.stringify(algo)}, which this importer cannot read ` +
          `(it reads uncompressed and zstd bodies)`,
      );
  }
}

/** Opens maddy's database read-only and checks that it is a schema this importer knows. */
function openMaddy(path: string): LibsqlDb {
  try {
    Deno.statSync(path);
  } catch (err) {
    throw new ImportError(`cannot open ${path}: ${(err as Error).message}`);
  }
  const db = new Database(path, { readonly: true }) as unknown as LibsqlDb;
  try {
    const tables = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) =>
        String(r.name)
      ),
    );
    if (!tables.has("schema_version")) {
      throw new ImportError(
        `${path} is not a maddy storage.imapsql database: table schema_version is missing`,
      );
    }
    const row = db.prepare("SELECT version FROM schema_version").get();
    const version = row ? Number(row.version) : NaN;
    if (!KNOWN_SCHEMA_VERSIONS.includes(version)) {
      throw new ImportError(
        `${path}: table schema_version says version ${
          row ? String(row.version) : "(no row)"
        }, which this importer does not know (known: ${KNOWN_SCHEMA_VERSIONS.join(", ")})`,
      );
    }
    for (const t of REQUIRED_TABLES) {
      if (!tables.has(t)) {
        throw new ImportError(`${path}: table ${t} is missing (schema version ${version})`);
      }
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export async function importMaddy(
  options: ImportOptions,
  store: MailStore,
  io: ImportIo,
): Promise<ImportSummary> {
  const path = dsnPath(options.dsn);
  const dir = options.msgStore ??
    `${path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : "."}/messages`;
  const db = openMaddy(path);
  const summary: ImportSummary = { accounts: 0, mailboxes: 0, messages: 0, present: 0 };
  try {
    const total = Number(db.prepare("SELECT count(*) AS n FROM msgs").get()?.n ?? 0);
    const progress = new Progress(io, { label: "import-maddy", unit: "messages", total });
    const users = db.prepare("SELECT id, username FROM users ORDER BY id").all();
    const listBoxes = db.prepare(
      "SELECT id, name, sub, uidnext, uidvalidity, specialuse FROM mboxes WHERE uid = ? ORDER BY name",
    );
    const listMsgs = db.prepare(
      "SELECT msgId, date, extBodyKey, compressAlgo, seen FROM msgs " +
        "WHERE mboxId = ? AND msgId > ? ORDER BY msgId LIMIT ?",
    );
    const listFlags = db.prepare(
      "SELECT msgId, flag FROM flags WHERE mboxId = ? AND msgId >= ? AND msgId <= ?",
    );
    for (const user of users) {
      const username = String(user.username);
      const account = await store.openAccount(username, { create: true });
      if (!account) throw new ImportError(`cannot create account ${JSON.stringify(username)}`);
      summary.accounts++;
      for (const box of listBoxes.all(user.id)) {
        const name = mailboxName(String(box.name));
        const specialUse = SPECIAL_USES.find((s) => s === box.specialuse) ?? null;
        const info = await account.restoreMailbox(name, {
          uidValidity: Number(box.uidvalidity),
          uidNext: Number(box.uidnext),
          specialUse,
        });
        await account.setSubscribed(name, Number(box.sub) === 1);
        summary.mailboxes++;
        let after = 0;
        for (;;) {
          const rows = listMsgs.all(box.id, after, BATCH);
          if (rows.length === 0) break;
          const first = Number(rows[0].msgId);
          const last = Number(rows[rows.length - 1].msgId);
          after = last;
          const flags = new Map<number, string[]>();
          for (const f of listFlags.all(box.id, first, last)) {
            const id = Number(f.msgId);
            const list = flags.get(id) ?? [];
            list.push(String(f.flag));
            flags.set(id, list);
          }
          // On a re-run, messages already imported are neither read nor sent again.
          const have = new Set<number>();
          for await (const r of account.fetch(info.id, [{ from: first, to: last }], {})) {
            have.add(r.uid);
          }
          const batch: RestoreMessage[] = [];
          for (const m of rows) {
            const uid = Number(m.msgId);
            if (have.has(uid)) continue;
            const where = `${username} ${JSON.stringify(String(box.name))} UID ${uid}`;
            if (m.extBodyKey === null || m.extBodyKey === undefined) {
              throw new ImportError(`${where}: the message has no body key (msgs.extBodyKey)`);
            }
            const content = await readBody(
              dir,
              String(m.extBodyKey),
              String(m.compressAlgo ?? ""),
              where,
            );
            const list = flags.get(uid) ?? [];
            if (Number(m.seen) === 1 && !list.includes("\\Seen")) list.push("\\Seen");
            batch.push({
              uid,
              content,
              flags: list,
              internalDate: new Date(Number(m.date) * 1000),
            });
          }
          const stored = batch.length > 0 ? await account.restoreMessages(info.id, batch) : 0;
          summary.messages += stored;
          summary.present += rows.length - stored;
          progress.add(rows.length);
        }
        // maddy keeps no \Recent, and imported mail is not new to its owner:
        // claim it here so that no session is shown it as recent.
        if (after > 0) await account.claimRecent(info.id, after);
      }
    }
    progress.finish();
  } finally {
    db.close();
  }
  return summary;
}
