/**
 * A consistent copy of a libSQL store while the server writes to it: the
 * database through `VACUUM INTO` (one read transaction, so one moment),
 * then the `msg_store fs` files its rows name. A file can vanish between
 * the two (its message was expunged after the snapshot and the sweep
 * removed it); then the whole copy is taken again, so a backup never holds
 * a row without its file.
 */
import Database from "libsql";
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../../private_files.ts";

const ATTEMPTS = 5;

/** Writes a consistent copy of the SQLite database at `src` to `dest` (which must not exist). */
export function snapshotDatabase(src: string, dest: string): void {
  const db = new Database(src);
  try {
    db.exec(`VACUUM INTO '${dest.replaceAll("'", "''")}'`);
  } finally {
    db.close();
  }
  Deno.chmodSync(dest, PRIVATE_FILE_MODE);
}

/** `PRAGMA integrity_check` of a database file: "ok" or what SQLite found. */
export function integrityCheck(path: string): string {
  const db = new Database(path);
  try {
    const row = db.prepare("PRAGMA integrity_check").get() as Record<string, unknown>;
    return String(Object.values(row)[0]);
  } finally {
    db.close();
  }
}

export interface StoreBackup {
  messages: number;
  files: number;
  bytes: number;
}

function filePath(dir: string, hash: string): string {
  return `${dir}/${hash.slice(0, 2)}/${hash}`;
}

/** What a caller learns while the message files are copied (for a progress bar). */
export interface CopyProgress {
  /** Before the files of an attempt: their total size in bytes. */
  files(totalBytes: number): void;
  /** After each file: its size. */
  copied(bytes: number): void;
}

/**
 * Copies the store at `dbPath` (and its message files in `msgDir`, for
 * `msg_store fs`) to `destDb` and `destMsgDir`. With `progress`, the files'
 * sizes are summed first (one stat each) so the caller can show the time left.
 */
export async function backupStore(
  dbPath: string,
  msgDir: string | null,
  destDb: string,
  destMsgDir: string | null,
  progress?: CopyProgress,
): Promise<StoreBackup> {
  let missing: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await Deno.remove(destDb).catch(() => {});
    snapshotDatabase(dbPath, destDb);
    const snap = new Database(destDb);
    let hashes: string[];
    let messages: number;
    try {
      messages = Number(
        (snap.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n,
      );
      hashes = msgDir === null ? [] : (snap.prepare("SELECT hash FROM bodies WHERE body IS NULL")
        .all() as { hash: string }[]).map((r) => r.hash);
    } finally {
      snap.close();
    }
    if (msgDir === null || destMsgDir === null) return { messages, files: 0, bytes: 0 };
    await ensurePrivateDir(destMsgDir);
    if (progress) {
      let total = 0;
      for (const hash of hashes) {
        total += (await Deno.stat(filePath(msgDir, hash)).catch(() => null))?.size ?? 0;
      }
      progress.files(total);
    }
    missing = [];
    let bytes = 0;
    for (const hash of hashes) {
      const to = filePath(destMsgDir, hash);
      try {
        const size = (await Deno.stat(to)).size; // copied by an earlier attempt
        bytes += size;
        progress?.copied(size);
        continue;
      } catch { /* not yet */ }
      const sub = `${destMsgDir}/${hash.slice(0, 2)}`;
      await Deno.mkdir(sub, { mode: PRIVATE_DIR_MODE }).catch((e) => {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      });
      try {
        await Deno.copyFile(filePath(msgDir, hash), to);
        await Deno.chmod(to, PRIVATE_FILE_MODE);
        const size = (await Deno.stat(to)).size;
        bytes += size;
        progress?.copied(size);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        missing.push(hash);
      }
    }
    if (missing.length === 0) return { messages, files: hashes.length, bytes };
  }
  throw new Error(
    `${missing.length} message files of ${dbPath} vanished while they were copied, ` +
      `${ATTEMPTS} times in a row`,
  );
}
